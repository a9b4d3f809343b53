import diagnostics from "node:diagnostics_channel";
import { inspect } from "node:util";
import type { Update } from "@bot/types";
import { afterEach, describe, expect, it } from "vitest";
import { POLLING_CHANNEL, Poller } from "../src/advanced.js";
import { MemoryStorage, PollingError } from "../src/index.js";
import { textUpdate } from "./fixtures/fake-bot-api.js";
import { gate, setup, sleep, until } from "./fixtures/polling-helpers.js";

type Setup = Awaited<ReturnType<typeof setup>>;
let current: Setup | undefined;
const make = async (options: { retry?: false } = {}) => {
  current = await setup(options);
  return current;
};
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
const polls = (s: Setup) => s.fake.calls.filter((c) => c.method === "getUpdates");

describe("Poller with a real Bot over HTTP", () => {
  it("handles every update once, confirms them, and stop() resolves with nothing running", async () => {
    const s = await make();
    const seen: number[] = [];
    let running = 0;
    s.bot.on("message", async (ctx) => {
      running += 1;
      await sleep(1 + (ctx.update.update_id % 3));
      seen.push(ctx.update.update_id);
      running -= 1;
    });
    const events: string[] = [];
    const listener = (message: unknown) => {
      events.push((message as { type: string }).type);
    };
    diagnostics.subscribe(POLLING_CHANNEL, listener);
    s.fake.push(...ids(50).map((id) => textUpdate(id, id % 5, `m${id}`)));
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => seen.length === 50, 10_000, "50 updates");
    s.fake.push(...ids(10, 51).map((id) => textUpdate(id, 1, `m${id}`)));
    await until(() => seen.length === 60, 10_000, "60 updates");
    await s.bot.stop();
    expect(running).toBe(0);
    await started;
    expect([...seen].sort((a, b) => a - b)).toEqual(ids(60));
    expect(s.fake.confirmedOffset).toBe(61);
    expect(s.bot.isRunning).toBe(false);
    expect(s.errors).toEqual([]);
    diagnostics.unsubscribe(POLLING_CHANNEL, listener);
    expect(events).toContain("batch");
    expect(events.at(-1)).toBe("stopped");
  });

  it("keeps per-chat order over HTTP: 10,000 updates over 100 chats, random delays, 0 inversions", async () => {
    const s = await make();
    const last = new Map<number, number>();
    let inversions = 0;
    let handled = 0;
    let running = 0;
    let maxRunning = 0;
    let state = 7;
    const rnd = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    s.bot.on("message", async (ctx) => {
      const chat = ctx.update.message.chat.id;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if ((last.get(chat) ?? 0) > ctx.update.update_id) inversions += 1;
      last.set(chat, ctx.update.update_id);
      if (rnd() < 0.05) await sleep(Math.floor(rnd() * 3));
      else await Promise.resolve();
      running -= 1;
      handled += 1;
    });
    const updates: Update[] = [];
    for (const id of ids(10_000)) updates.push(textUpdate(id, 1000 + Math.floor(rnd() * 100), "x"));
    s.fake.push(...updates);
    const started = s.bot.start({ timeout: 1, concurrency: 32, signals: false });
    await until(() => handled === 10_000, 25_000, "10,000 updates");
    await s.bot.stop();
    await started;
    console.log(
      `[polling order] 10000 updates / 100 chats over HTTP: inversions=${inversions}, max parallel=${maxRunning}/32, getUpdates calls=${polls(s).length}`,
    );
    expect(inversions).toBe(0);
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(32);
    expect(s.fake.confirmedOffset).toBe(10_001);
  }, 30_000);

  it("confirms only the contiguous finished prefix while an older update is still running", async () => {
    const s = await make();
    const slow = gate();
    const done: number[] = [];
    s.bot.on("message", async (ctx) => {
      if (ctx.update.update_id === 3) await slow.promise;
      done.push(ctx.update.update_id);
    });
    s.fake.push(...ids(10).map((id) => textUpdate(id, id, "x"))); // 10 chats: all parallel
    const started = s.bot.start({ timeout: 1, signals: false, stalledFetchMs: 20 });
    await until(() => done.length === 9, 5000, "9 of 10");
    // newer updates still flow while #3 holds the watermark (another chat)
    s.fake.push(textUpdate(11, 99, "late"));
    await until(() => done.includes(11), 5000, "update 11");
    const offsets = polls(s).map((c) => Number(c.params.offset ?? 0));
    expect(Math.max(...offsets)).toBeLessThanOrEqual(3);
    expect(s.fake.confirmedOffset).toBeLessThanOrEqual(3);
    slow.open();
    await until(() => s.fake.confirmedOffset === 12, 5000, "confirmation of 1..11");
    await s.bot.stop();
    await started;
    expect(done.filter((id) => id === 3)).toHaveLength(1);
  });

  it("on stop: aborts the long poll, waits for running handlers, confirms only what finished", async () => {
    const s = await make();
    const hold = gate();
    let running = 0;
    let finished = 0;
    s.bot.on("message", async () => {
      running += 1;
      await hold.promise;
      await sleep(20);
      running -= 1;
      finished += 1;
    });
    s.fake.push(...ids(5).map((id) => textUpdate(id, id, "x")));
    const started = s.bot.start({ timeout: 50, signals: false });
    await until(() => running === 5, 5000, "5 running");
    const before = polls(s).length;
    const stopping = s.bot.stop();
    await sleep(10);
    hold.open();
    await stopping;
    expect(running).toBe(0);
    expect(finished).toBe(5);
    await started;
    expect(s.fake.confirmedOffset).toBe(6);
    const after = polls(s).slice(before);
    // only the final confirmation: limit 1, timeout 0
    expect(after.map((c) => [c.params.offset, c.params.limit, c.params.timeout])).toEqual([
      [6, 1, 0],
    ]);
  });

  it("after the grace period, resolves, reports POLLING_STOP_TIMEOUT and leaves the stuck update unconfirmed", async () => {
    const s = await make();
    const stuck = gate();
    const finished: number[] = [];
    s.bot.on("message", async (ctx) => {
      if (ctx.update.update_id === 2) await stuck.promise;
      finished.push(ctx.update.update_id);
    });
    s.fake.push(...ids(3).map((id) => textUpdate(id, id, "x")));
    const started = s.bot.start({ timeout: 1, signals: false, graceMs: 50 });
    await until(() => finished.length === 2, 5000, "updates 1 and 3");
    await s.bot.stop();
    await started;
    expect(s.errors).toEqual([expect.objectContaining({ code: "POLLING_STOP_TIMEOUT" })]);
    expect(s.fake.confirmedOffset).toBe(2);
    stuck.open();
  });

  it("dedup: a redelivered update runs once", async () => {
    const s = await make();
    const storage = new MemoryStorage();
    const seen: number[] = [];
    s.bot.on("message", (ctx) => {
      seen.push(ctx.update.update_id);
    });
    s.fake.push(...ids(5).map((id) => textUpdate(id, 1, "x")));
    const dedup = { storage, ttlMs: 60_000 };
    let started = s.bot.start({ timeout: 1, signals: false, dedup });
    await until(() => seen.length === 5, 5000, "5 updates");
    await s.bot.stop();
    await started;
    s.fake.redeliverAll(); // as if the confirmation never reached Telegram
    s.fake.push(textUpdate(6, 1, "x"));
    started = s.bot.start({ timeout: 1, signals: false, dedup });
    await until(() => seen.length === 6, 5000, "update 6");
    await s.bot.stop();
    await started;
    expect(seen).toEqual(ids(6));
    expect(s.fake.confirmedOffset).toBe(7);
  });

  it("without dedup the same redelivery runs again (the dedup test can fail)", async () => {
    const s = await make();
    const seen: number[] = [];
    s.bot.on("message", (ctx) => {
      seen.push(ctx.update.update_id);
    });
    s.fake.push(...ids(3).map((id) => textUpdate(id, 1, "x")));
    let started = s.bot.start({ timeout: 1, signals: false });
    await until(() => seen.length === 3, 5000, "3 updates");
    await s.bot.stop();
    await started;
    s.fake.redeliverAll();
    started = s.bot.start({ timeout: 1, signals: false });
    await until(() => seen.length === 6, 5000, "3 redelivered");
    await s.bot.stop();
    await started;
  });

  it("429: honours retry_after without a hot loop, reports it, and recovers", async () => {
    const s = await make({ retry: false });
    const seen: number[] = [];
    s.bot.on("message", (ctx) => {
      seen.push(ctx.update.update_id);
    });
    s.fake.failNext("getUpdates", {
      status: 429,
      description: "Too Many Requests: retry after 1",
      retryAfter: 1,
    });
    s.fake.push(textUpdate(1, 1, "x"));
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => s.errors.length === 1, 5000, "the 429 report");
    await sleep(300);
    expect(polls(s)).toHaveLength(1); // still waiting out retry_after
    expect(s.errors[0]).toMatchObject({ errorCode: 429, retryAfter: 1 });
    await until(() => seen.length === 1, 5000, "update after the wait");
    await s.bot.stop();
    await started;
  });

  it("5xx and network errors back off, are reported as POLLING_FETCH_FAILED, and polling recovers", async () => {
    const s = await make({ retry: false });
    const seen: number[] = [];
    s.bot.on("message", (ctx) => {
      seen.push(ctx.update.update_id);
    });
    s.fake.failNext("getUpdates", { status: 502, description: "Bad Gateway" }, 3);
    s.fake.push(textUpdate(1, 1, "x"));
    const started = s.bot.start({
      timeout: 1,
      signals: false,
      backoff: { initialMs: 5, maxMs: 20 },
    });
    await until(() => seen.length === 1, 5000, "update after 3 failures");
    await s.bot.stop();
    await started;
    expect(s.errors).toHaveLength(3);
    for (const e of s.errors) {
      expect(e).toBeInstanceOf(PollingError);
      expect(e).toMatchObject({ code: "POLLING_FETCH_FAILED", cause: { errorCode: 502 } });
    }
  });

  it("401 stops with POLLING_UNAUTHORIZED", async () => {
    const s = await make();
    s.fake.failNext("getUpdates", { status: 401, description: "Unauthorized" });
    const error = await s.bot.start({ timeout: 1, signals: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "POLLING_UNAUTHORIZED" });
    const secret = s.fake.token.split(":")[1]!;
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(polls(s)).toHaveLength(1);
    expect(s.bot.isRunning).toBe(false);
  });

  it("a webhook still set fails with POLLING_WEBHOOK_ACTIVE unless deleteWebhook: true", async () => {
    const s = await make();
    s.fake.setWebhook("https://example.com/hook");
    const error = await s.bot.start({ timeout: 1, signals: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "POLLING_WEBHOOK_ACTIVE" });
    expect((error as Error).message).toContain("deleteWebhook: true");
    expect(s.fake.webhookUrl).toBe("https://example.com/hook");
    expect(s.fake.calls.some((c) => c.method === "deleteWebhook")).toBe(false);

    const seen: number[] = [];
    s.bot.on("message", (ctx) => {
      seen.push(ctx.update.update_id);
    });
    s.fake.push(textUpdate(1, 1, "x"));
    const started = s.bot.start({ timeout: 1, signals: false, deleteWebhook: true });
    await until(() => seen.length === 1, 5000, "update after deleteWebhook");
    expect(s.fake.webhookUrl).toBe("");
    await s.bot.stop();
    await started;
  });

  it("409 from a second poller surfaces as POLLING_CONFLICT instead of looping", async () => {
    const s = await make();
    const host = {
      api: s.client,
      init: async () => undefined,
      handleUpdate: async () => undefined,
      allowedUpdates: () => [] as const,
      reportError: () => undefined,
    };
    const first = new Poller(host, { timeout: 5, signals: false });
    const firstDone = first.start().catch((e: unknown) => e);
    await until(() => polls(s).length === 1, 5000, "first poll");
    const second = new Poller(host, { timeout: 5, signals: false });
    const secondDone = second.start();
    expect(await firstDone).toMatchObject({ code: "POLLING_CONFLICT" });
    expect(first.running).toBe(false);
    await second.stop();
    await secondDone;
    expect(polls(s)).toHaveLength(2); // no retry loop after the 409; nothing left to confirm
  });

  it("sends allowed_updates from the registered handlers, or the given list", async () => {
    const s = await make();
    s.bot.on("callback_query:data", () => undefined);
    s.bot.on("edited_message", () => undefined);
    let started = s.bot.start({ timeout: 0, signals: false });
    await until(() => polls(s).length >= 1, 5000, "a poll");
    await s.bot.stop();
    await started;
    expect([...(polls(s)[0]!.params.allowed_updates as string[])].sort()).toEqual([
      "callback_query",
      "edited_message",
    ]);
    started = s.bot.start({ timeout: 0, signals: false, allowedUpdates: ["message"] });
    await until(
      () => polls(s).some((c) => (c.params.allowed_updates as string[]).length === 1),
      5000,
      "a poll",
    );
    await s.bot.stop();
    await started;
  });

  it("handler errors and a failing error handler never kill the loop", async () => {
    const s = await make();
    const seen: number[] = [];
    s.bot.on("message", (ctx) => {
      seen.push(ctx.update.update_id);
      if (ctx.update.update_id % 2 === 0) throw new Error(`boom ${ctx.update.update_id}`);
    });
    let calls = 0;
    const caught: unknown[] = [];
    s.bot.catch((error) => {
      calls += 1;
      caught.push(error.error);
      if (calls === 1) throw new Error("the error handler failed too");
    });
    s.fake.push(...ids(6).map((id) => textUpdate(id, 1, "x")));
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => seen.length === 6, 5000, "6 updates");
    await until(() => s.fake.confirmedOffset === 7, 5000, "confirmation");
    await s.bot.stop();
    await started;
    // 3 handler errors, plus the error handler's own failure, reported once (not looped)
    expect(calls).toBe(4);
    expect(caught.map((e) => (e as Error).message).sort()).toEqual([
      "boom 2",
      "boom 4",
      "boom 6",
      "the error handler failed too",
    ]);
  });

  it("installs SIGINT/SIGTERM listeners only while running, and none with signals: false", async () => {
    const s = await make();
    const base = process.listenerCount("SIGTERM");
    let started = s.bot.start({ timeout: 1 });
    await until(() => polls(s).length >= 1, 5000, "a poll");
    expect(process.listenerCount("SIGTERM")).toBe(base + 1);
    expect(process.listenerCount("SIGINT")).toBeGreaterThan(0);
    await s.bot.stop();
    await started;
    expect(process.listenerCount("SIGTERM")).toBe(base);
    started = s.bot.start({ timeout: 1, signals: false });
    await until(() => s.bot.isRunning, 5000, "running");
    expect(process.listenerCount("SIGTERM")).toBe(base);
    await s.bot.stop();
    await started;
  });

  it("rejects a second start and bad options with typed errors", async () => {
    const s = await make();
    const poller = new Poller(s.bot, { timeout: 1, signals: false });
    const started = poller.start();
    await expect(poller.start()).rejects.toMatchObject({ code: "POLLING_ALREADY_RUNNING" });
    await poller.stop();
    await started;
    expect(() => new Poller(s.bot, { limit: 0 })).toThrow(
      expect.objectContaining({ code: "POLLING_INVALID_OPTIONS" }),
    );
    expect(() => new Poller(s.bot, { timeout: 51 })).toThrow(
      /^@bot\/dispatcher: invalid polling options at timeout/,
    );
    expect(() => new Poller(s.bot, { allowedUpdates: ["nope" as "message"] })).toThrow(
      PollingError,
    );
  });
});
