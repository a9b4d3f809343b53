import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import { deferred, messageUpdate, post, SECRET, testBot, withWebhook } from "./helpers.js";

async function listen(app: import("fastify").FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: "127.0.0.1" });
}

describe("await mode", () => {
  it("answers after the handler finished", async () => {
    const events: string[] = [];
    const bot = testBot(async (ctx) => {
      await new Promise((r) => setTimeout(r, 20));
      events.push(`done ${ctx.update.update_id}`);
    });
    const { app } = await withWebhook(bot, { delivery: "await" });
    const base = await listen(app);
    const res = await post(base, "/hook", messageUpdate(1));
    events.push(`answered ${res.status}`);
    expect(events).toEqual(["done 1", "answered 200"]);
    await app.close();
  });

  it("at the deadline answers 200 while the handler runs on, and 503 to the chat's next update still queued behind it", async () => {
    const gate = deferred();
    const events: string[] = [];
    const bot = testBot(async (ctx) => {
      const id = ctx.update.update_id;
      events.push(`start ${id}`);
      if (id === 1) await gate.promise;
      events.push(`end ${id}`);
    });
    const { app, logs } = await withWebhook(bot, {
      delivery: "await",
      deadlineMs: 100,
      handlerTimeoutMs: 0,
    });
    const base = await listen(app);
    const first = await post(base, "/hook", messageUpdate(1, 10));
    expect(first.status).toBe(200);
    // Same chat: queued behind update 1, so it reaches its deadline without starting. It must
    // not be answered 200 (that would lose it if the process stops): 503, Telegram resends.
    const second = await post(base, "/hook", messageUpdate(2, 10));
    expect(second.status).toBe(503);
    // Another chat is not held up.
    const other = await post(base, "/hook", messageUpdate(3, 20));
    expect(other.status).toBe(200);
    expect(events).toEqual(["start 1", "start 3", "end 3"]);
    gate.resolve();
    // Telegram's resend of update 2 runs it, after update 1.
    expect((await post(base, "/hook", messageUpdate(2, 10))).status).toBe(200);
    await app.close();
    expect(events).toEqual(["start 1", "start 3", "end 3", "end 1", "start 2", "end 2"]);
    expect(logs.entries.filter((e) => String(e.msg).includes("deadline"))).toHaveLength(2);
  });

  it("keeps per-chat order under slow handlers and many concurrent requests, with no 5xx", async () => {
    const seen = new Map<number, number[]>();
    const bot = testBot(async (ctx) => {
      const chat = ctx.chat?.id ?? 0;
      await new Promise((r) => setTimeout(r, (ctx.update.update_id * 7) % 13));
      seen.set(chat, [...(seen.get(chat) ?? []), ctx.update.update_id]);
    });
    const { app } = await withWebhook(bot, { delivery: "await", concurrency: 4 });
    const base = await listen(app);
    const updates: Update[] = [];
    for (let i = 1; i <= 60; i++) updates.push(messageUpdate(i, 100 + (i % 3)));
    // Telegram sends one chat's updates one after another; chats run in parallel.
    const byChat = [0, 1, 2].map((c) => updates.filter((u) => (u.message?.chat.id ?? 0) % 3 === c));
    const statuses = (
      await Promise.all(
        byChat.map(async (list) => {
          const out: number[] = [];
          for (const u of list) out.push((await post(base, "/hook", u)).status);
          return out;
        }),
      )
    ).flat();
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const [chat, ids] of seen) {
      expect(ids).toEqual(
        updates.filter((u) => u.message?.chat.id === chat).map((u) => u.update_id),
      );
    }
    await app.close();
  });

  it("answers 200 when a handler throws, and the bot's catch gets the error", async () => {
    const caught: unknown[] = [];
    const bot = testBot(() => {
      throw new Error("boom");
    });
    bot.catch((err) => {
      caught.push(err.error);
    });
    const { app } = await withWebhook(bot, { delivery: "await" });
    const base = await listen(app);
    const res = await post(base, "/hook", messageUpdate(1));
    expect(res.status).toBe(200);
    expect(caught).toHaveLength(1);
    expect((caught[0] as Error).message).toBe("boom");
    await app.close();
  });

  it("answers 200 even when the bot's catch throws", async () => {
    const bot = testBot(() => {
      throw new Error("boom");
    });
    bot.catch(() => {
      throw new Error("catch failed too");
    });
    const { app, logs } = await withWebhook(bot, { delivery: "await" });
    const base = await listen(app);
    const res = await post(base, "/hook", messageUpdate(1));
    expect(res.status).toBe(200);
    expect(logs.text).toContain("error handler threw");
    await app.close();
  });

  it("sends a webhook reply in the response body", async () => {
    const bot = testBot(async (ctx) => {
      await ctx.webhookReply("sendMessage", {
        chat_id: ctx.chat?.id ?? 0,
        text: "hi",
        method: "ignored",
      } as never);
    });
    const { app } = await withWebhook(bot, { delivery: "await" });
    const base = await listen(app);
    const res = await post(base, "/hook", messageUpdate(1, 55));
    expect(res.status).toBe(200);
    expect(String(res.headers["content-type"])).toContain("application/json");
    expect(JSON.parse(res.text)).toEqual({ method: "sendMessage", chat_id: 55, text: "hi" });
    await app.close();
  });
});

/** A bot whose handler takes 5 ms and records the most handlers seen running at once. */
function peakCounter(): { bot: ReturnType<typeof testBot>; peak: () => number } {
  let running = 0;
  let peak = 0;
  const bot = testBot(async () => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running -= 1;
  });
  return { bot, peak: () => peak };
}

describe("ack mode", () => {
  it("answers 200 at once while handlers are blocked, keeps per-chat order and drains on close", async () => {
    const gate = deferred();
    const order: number[] = [];
    const bot = testBot(async (ctx) => {
      await gate.promise;
      order.push(ctx.update.update_id);
    });
    const { app } = await withWebhook(bot, { delivery: "ack" });
    const base = await listen(app);
    for (let i = 1; i <= 10; i++) {
      expect((await post(base, "/hook", messageUpdate(i, 7))).status).toBe(200);
    }
    expect(order).toEqual([]);
    const closed = app.close();
    gate.resolve();
    await closed;
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("bounds concurrency across chats", async () => {
    const { bot, peak } = peakCounter();
    const { app } = await withWebhook(bot, { delivery: "ack", concurrency: 3 });
    const base = await listen(app);
    const res = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(base, "/hook", messageUpdate(i + 1, i + 1))),
    );
    expect(res.every((r) => r.status === 200)).toBe(true);
    await app.close();
    expect(bot.runs).toHaveLength(30);
    expect(peak()).toBe(3);
  });

  it("runs updates with neither chat nor user unordered, within the concurrency bound", async () => {
    const { bot, peak } = peakCounter();
    const { app } = await withWebhook(bot, { delivery: "ack", concurrency: 4 });
    const base = await listen(app);
    const poll = (id: number) => ({
      update_id: id,
      poll: {
        id: String(id),
        question: "q",
        options: [],
        total_voter_count: 0,
        is_closed: false,
        is_anonymous: true,
        type: "regular",
        allows_multiple_answers: false,
        allows_revoting: false,
        members_only: false,
      },
    });
    const res = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(base, "/hook", poll(i + 1))),
    );
    expect(res.map((r) => r.status)).toEqual(Array(20).fill(200));
    await app.close();
    expect(bot.runs).toHaveLength(20);
    expect(peak()).toBe(4);
  });

  it("answers 503 once maxPending updates wait (back-pressure, not a handler failure)", async () => {
    const gate = deferred();
    const bot = testBot(() => gate.promise);
    const { app } = await withWebhook(bot, { delivery: "ack", concurrency: 1, maxPending: 2 });
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) {
      statuses.push(
        (
          await app.inject({
            method: "POST",
            url: "/hook",
            headers: { "x-telegram-bot-api-secret-token": SECRET },
            payload: messageUpdate(i, 9),
          })
        ).statusCode,
      );
    }
    // 1 runs, 2 and 3 wait, 4 is refused.
    expect(statuses).toEqual([200, 200, 200, 503]);
    gate.resolve();
    await app.close();
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 2, 3]);
  });
});

describe("durable queue delivery", () => {
  it("answers 200 after enqueue and 503 when enqueue fails, and runs no handler", async () => {
    const stored: number[] = [];
    let failNext = false;
    const queue = {
      async enqueue(update: Update) {
        if (failNext) throw new Error("queue down");
        stored.push(update.update_id);
      },
    };
    const bot = testBot();
    const { app } = await withWebhook(bot, { delivery: { queue } });
    const base = await listen(app);
    expect((await post(base, "/hook", messageUpdate(1))).status).toBe(200);
    failNext = true;
    expect((await post(base, "/hook", messageUpdate(2))).status).toBe(503);
    expect(stored).toEqual([1]);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });
});
