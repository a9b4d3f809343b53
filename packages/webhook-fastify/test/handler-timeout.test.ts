import { type BotError, HandlerTimeoutError } from "@bot/dispatcher";
import type { Update } from "@bot/types";
import Fastify from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { droppedChannel, WebhookError, webhook } from "../src/index.js";
import { deferred, messageUpdate, SECRET, testBot, withWebhook } from "./helpers.js";

const headers = { "x-telegram-bot-api-secret-token": SECRET };

/** The invariant that matters: an update answered 200 was handled (or reported), never lost. */
function lostOnes(statuses: Map<number, number>, ran: readonly Update[]): number[] {
  const ranIds = new Set(ran.map((u) => u.update_id));
  return [...statuses].filter(([id, s]) => s === 200 && !ranIds.has(id)).map(([id]) => id);
}

describe("per-update deadline (handlerTimeoutMs)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("with default options, a hung handler no longer blocks its chat: the later updates run, none is answered 200 and lost", async () => {
    const errors: BotError[] = [];
    const signals: AbortSignal[] = [];
    const bot = testBot((ctx) => {
      if (ctx.update.update_id !== 1) return;
      signals.push(ctx.signal as AbortSignal);
      return new Promise(() => {}); // never settles, ignores its signal
    });
    bot.catch((e) => {
      errors.push(e);
    });
    const app = Fastify();
    await app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: SECRET,
      delivery: "await",
      healthCheck: false,
    });
    await app.ready();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const statuses = new Map<number, number>();
    const answers: Promise<void>[] = [];
    for (let id = 1; id <= 6; id++) {
      answers.push(
        app
          .inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(id, 7) })
          .then((res) => {
            statuses.set(id, res.statusCode);
          }),
      );
      await vi.advanceTimersByTimeAsync(10);
    }
    // Past the default per-update deadline, short of the 50 s await deadline.
    await vi.advanceTimersByTimeAsync(31_000);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...statuses.values()]).toEqual([200, 200, 200, 200, 200, 200]);
    await Promise.all(answers);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(HandlerTimeoutError);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(HandlerTimeoutError);
    expect(errors[0]?.update?.update_id).toBe(1);
    const closed = app.close();
    await vi.advanceTimersByTimeAsync(10_000);
    await closed;
    expect(lostOnes(statuses, bot.runs)).toEqual([]);
  });

  it("is validated", async () => {
    await expect(withWebhook(testBot(), { handlerTimeoutMs: -1 })).rejects.toThrow(
      /handlerTimeoutMs must be at least 0/,
    );
  });
});

describe("close in ack mode", () => {
  it("reports every update it answered 200 but could not start within the grace: to bot.catch and droppedChannel", async () => {
    const never = deferred();
    const errors: BotError[] = [];
    const bot = testBot(() => never.promise); // ignores its signal
    bot.catch((e) => {
      errors.push(e);
    });
    const published: Array<{ updateId: number; update: Update }> = [];
    const onDropped = (m: unknown) => published.push(m as { updateId: number; update: Update });
    droppedChannel.subscribe(onDropped);
    try {
      const { app } = await withWebhook(bot, {
        delivery: "ack",
        concurrency: 1,
        closeGraceMs: 100,
      });
      for (let id = 1; id <= 3; id++) {
        const res = await app.inject({
          method: "POST",
          url: "/hook",
          headers,
          payload: messageUpdate(id, id),
        });
        expect(res.statusCode).toBe(200);
      }
      await app.close();
      expect(bot.runs.map((u) => u.update_id)).toEqual([1]);
      const dropped = errors.filter((e) => e.error instanceof WebhookError);
      expect(dropped.map((e) => (e.error as WebhookError).code)).toEqual([
        "BOT_WEBHOOK_UPDATE_DROPPED",
        "BOT_WEBHOOK_UPDATE_DROPPED",
      ]);
      expect(dropped.map((e) => e.update?.update_id)).toEqual([2, 3]);
      expect(published.map((m) => [m.updateId, m.update.update_id])).toEqual([
        [2, 2],
        [3, 3],
      ]);
    } finally {
      droppedChannel.unsubscribe(onDropped);
      never.resolve();
    }
  });
});
