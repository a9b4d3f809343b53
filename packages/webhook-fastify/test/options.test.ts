import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { WebhookError, webhook } from "../src/index.js";
import { SECRET, testBot } from "./helpers.js";

async function registerWith(options: Record<string, unknown>): Promise<unknown> {
  const app = Fastify();
  try {
    await app.register(webhook, options as never);
    await app.ready();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app.close();
  }
}

const base = () => ({
  bot: testBot(),
  path: "/hook",
  secretToken: SECRET,
  delivery: "await",
  healthCheck: false,
});

describe("options", () => {
  it("accepts the minimal secure options", async () => {
    expect(await registerWith(base())).toBeUndefined();
  });

  it.each([
    ["no secret", { secretToken: undefined }, "secretToken is required"],
    ["an empty secret", { secretToken: "" }, "secretToken must be 1-256 characters"],
    ["a 257-char secret", { secretToken: "a".repeat(257) }, "secretToken must be 1-256 characters"],
    ["a secret with a space", { secretToken: "has space" }, "secretToken must be 1-256 characters"],
    [
      "both a secret and the opt-out",
      { dangerouslyAcceptUnauthenticatedUpdates: true },
      "not both",
    ],
    ["no delivery", { delivery: undefined }, "delivery must be"],
    ["an unknown delivery", { delivery: "fire-and-forget" }, "delivery must be"],
    ["a path without a slash", { path: "hook" }, 'path must start with "/"'],
    [
      "a deadline past Telegram's timeout",
      { deadlineMs: 60_000 },
      "deadlineMs must be at most 58000",
    ],
    ["a zero concurrency", { concurrency: 0 }, "concurrency must be at least 1"],
    ["a tiny body limit", { bodyLimit: 10 }, "bodyLimit must be at least 1024"],
    ["an unknown option", { secretTokn: "x" }, 'unknown option "secretTokn"'],
    ["no bot", { bot: {} }, "bot must have a handleUpdate method"],
    [
      "dedup without storage",
      { bot: { handleUpdate: async () => {} }, dedup: true },
      "dedup needs a storage",
    ],
  ])(
    "rejects %s with a prefixed, typed error that never shows the secret",
    async (_n, patch, message) => {
      const error = await registerWith({ ...base(), ...patch });
      expect(error).toBeInstanceOf(WebhookError);
      expect(WebhookError.is(error)).toBe(true);
      expect((error as WebhookError).code).toBe("BOT_WEBHOOK_INVALID_OPTIONS");
      expect((error as Error).message).toMatch(/^@bot\/webhook-fastify: /);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain(SECRET);
    },
  );

  it("runs without a secret only with the loudly named opt-out, and warns", async () => {
    const lines: string[] = [];
    const app = Fastify({
      logger: { level: "warn", stream: { write: (l: string) => void lines.push(l) } },
    });
    const bot = testBot();
    await app.register(webhook, {
      bot,
      path: "/hook",
      dangerouslyAcceptUnauthenticatedUpdates: true,
      delivery: "await",
      healthCheck: false,
    });
    const res = await app.inject({ method: "POST", url: "/hook", payload: { update_id: 1 } });
    expect(res.statusCode).toBe(200);
    expect(lines.join("")).toContain("dangerouslyAcceptUnauthenticatedUpdates");
    await app.close();
  });
});
