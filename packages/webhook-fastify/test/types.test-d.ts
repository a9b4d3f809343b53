import { Bot } from "@bot/dispatcher";
import type { Update } from "@bot/types";
import Fastify from "fastify";
import { describe, expectTypeOf, it } from "vitest";
import {
  setWebhook,
  type WebhookBot,
  type WebhookDelivery,
  WebhookError,
  type WebhookErrorCode,
  type WebhookOptions,
  webhook,
} from "../src/index.js";

const bot = new Bot("1:x");
const app = Fastify();

describe("public types", () => {
  it("accepts a real Bot and the documented options", () => {
    expectTypeOf(bot).toMatchTypeOf<WebhookBot>();
    void app.register(webhook, { bot, path: "/hook", secretToken: "s", delivery: "await" });
    void app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: "s",
      delivery: "ack",
      concurrency: 10,
      prefix: "/tg",
    });
    void app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: "s",
      delivery: { queue: { enqueue: async (_u: Update) => {} } },
      dedup: true,
    });
    void app.register(webhook, {
      bot,
      path: "/hook",
      dangerouslyAcceptUnauthenticatedUpdates: true,
      delivery: "await",
    });
  });

  it("rejects wrong option types", () => {
    // @ts-expect-error delivery is required
    void app.register(webhook, { bot, path: "/hook", secretToken: "s" });
    // @ts-expect-error unknown delivery mode
    void app.register(webhook, { bot, path: "/hook", secretToken: "s", delivery: "later" });
    const optOut = {
      bot,
      path: "/hook",
      dangerouslyAcceptUnauthenticatedUpdates: false,
      delivery: "ack",
    } as const;
    // @ts-expect-error the opt-out is the literal true
    void app.register(webhook, optOut);
    // @ts-expect-error a bot needs handleUpdate
    void app.register(webhook, { bot: {}, path: "/hook", secretToken: "s", delivery: "ack" });
  });

  it("types the helpers and errors", () => {
    expectTypeOf(setWebhook).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<WebhookError["code"]>().toEqualTypeOf<WebhookErrorCode>();
    expectTypeOf<WebhookDelivery>().toMatchTypeOf<WebhookOptions["delivery"]>();
    expectTypeOf(new WebhookError("BOT_WEBHOOK_INVALID_OPTIONS", "x")).toHaveProperty("code");
  });
});
