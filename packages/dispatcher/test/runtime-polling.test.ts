/**
 * Long polling end to end: a real Bot and Client polling `@bot/emulator` over HTTP on
 * 127.0.0.1. The updates are real user messages; confirmations are read from what the emulator
 * still holds (`pendingUpdates`); faults (429, 5xx, a dropped connection, a lost confirmation)
 * are the emulator's injected faults; the calls are recorded by a client transformer.
 */
import diagnostics from "node:diagnostics_channel";
import { inspect } from "node:util";
import { Client, NetworkError } from "@bot/client";
import type { UserActor } from "@bot/emulator";
import type { Update } from "@bot/types";
import { afterEach, describe, expect, it } from "vitest";
import { POLLING_CHANNEL, Poller } from "../src/advanced.js";
import { Bot, MemoryStorage, PollingError } from "../src/index.js";
import { type EmulatedBot, emulatedBot } from "./fixtures/emulator-bot.js";
import { gate, sleep, until } from "./fixtures/polling-helpers.js";

let current: EmulatedBot | undefined;
const make = async (options: { retry?: false } = {}) => {
  current = await emulatedBot(options);
  return current;
};
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
const polls = (s: EmulatedBot) => s.calls.filter((c) => c.method === "getUpdates");
const param = (c: { params: Readonly<Record<string, unknown>> | undefined }, name: string) =>
  c.params?.[name];
/** The texts of the updates the emulator still holds (delivered or not, but unconfirmed). */
const pendingTexts = (s: EmulatedBot) =>
  s.emu.pendingUpdates(s.info).map((u: Update) => u.message?.text);
const usersOf = (s: EmulatedBot, n: number): UserActor[] =>
  Array.from({ length: n }, (_, i) => s.emu.user({ first_name: `U${i}`, bot: s.info }));
/** The number a test put in a message's text. */
const numberOf = (text: string | undefined) => Number(text);

describe("Poller with a real Bot over HTTP", () => {
  it("handles every update once, confirms them, and stop() resolves with nothing running", async () => {
    const s = await make();
    const users = usersOf(s, 5);
    const seen: number[] = [];
    let running = 0;
    s.bot.on("message:text", async (ctx) => {
      const n = numberOf(ctx.message.text);
      running += 1;
      await sleep(1 + (n % 3));
      seen.push(n);
      running -= 1;
    });
    const events: string[] = [];
    const listener = (message: unknown) => {
      events.push((message as { type: string }).type);
    };
    diagnostics.subscribe(POLLING_CHANNEL, listener);
    for (const n of ids(50)) users[n % 5]!.send(String(n));
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => seen.length === 50, 10_000, "50 updates");
    for (const n of ids(10, 51)) users[0]!.send(String(n));
    await until(() => seen.length === 60, 10_000, "60 updates");
    await s.bot.stop();
    expect(running).toBe(0);
    await started;
    expect([...seen].sort((a, b) => a - b)).toEqual(ids(60));
    expect(s.emu.pendingUpdates(s.info)).toEqual([]); // all 60 confirmed
    expect(s.bot.isRunning).toBe(false);
    expect(s.errors).toEqual([]);
    diagnostics.unsubscribe(POLLING_CHANNEL, listener);
    expect(events).toContain("batch");
    expect(events.at(-1)).toBe("stopped");
  });

  it("keeps per-chat order over HTTP: 10,000 updates over 100 chats, random delays, 0 inversions", async () => {
    const s = await make();
    const users = usersOf(s, 100);
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
    s.bot.on("message:text", async (ctx) => {
      const chat = ctx.message.chat.id;
      const n = numberOf(ctx.message.text);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if ((last.get(chat) ?? 0) > n) inversions += 1;
      last.set(chat, n);
      if (rnd() < 0.05) await sleep(Math.floor(rnd() * 3));
      else await Promise.resolve();
      running -= 1;
      handled += 1;
    });
    for (const n of ids(10_000)) users[Math.floor(rnd() * 100)]!.send(String(n));
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
    expect(s.emu.pendingUpdates(s.info)).toEqual([]);
  }, 30_000);

  it("confirms only the contiguous finished prefix while an older update is still running", async () => {
    const s = await make();
    const users = usersOf(s, 11);
    const slow = gate();
    const done: number[] = [];
    s.bot.on("message:text", async (ctx) => {
      const n = numberOf(ctx.message.text);
      if (n === 3) await slow.promise;
      done.push(n);
    });
    for (const n of ids(10)) users[n - 1]!.send(String(n)); // 10 chats: all parallel
    const started = s.bot.start({ timeout: 1, signals: false, stalledFetchMs: 20 });
    await until(() => done.length === 9, 5000, "9 of 10");
    const third = s.emu.pendingUpdates(s.info).find((u) => u.message?.text === "3")!.update_id;
    // newer updates still flow while #3 holds the watermark (another chat)
    users[10]!.send("11");
    await until(() => done.includes(11), 5000, "update 11");
    const offsets = polls(s).map((c) => Number(param(c, "offset") ?? 0));
    expect(Math.max(...offsets)).toBeLessThanOrEqual(third);
    expect(pendingTexts(s)[0]).toBe("3"); // 1 and 2 confirmed, nothing from 3 on
    slow.open();
    await until(() => s.emu.pendingUpdates(s.info).length === 0, 5000, "confirmation of 1..11");
    await s.bot.stop();
    await started;
    expect(done.filter((n) => n === 3)).toHaveLength(1);
  });

  it("on stop: aborts the long poll, waits for running handlers, confirms only what finished", async () => {
    const s = await make();
    const users = usersOf(s, 5);
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
    for (const u of users) u.send("x");
    const started = s.bot.start({ timeout: 50, signals: false });
    await until(() => running === 5, 5000, "5 running");
    const lastId = Math.max(...s.emu.pendingUpdates(s.info).map((u) => u.update_id));
    const before = polls(s).length;
    const stopping = s.bot.stop();
    await sleep(10);
    hold.open();
    await stopping;
    expect(running).toBe(0);
    expect(finished).toBe(5);
    await started;
    expect(s.emu.pendingUpdates(s.info)).toEqual([]);
    const after = polls(s).slice(before);
    // only the final confirmation: limit 1, timeout 0
    expect(after.map((c) => [param(c, "offset"), param(c, "limit"), param(c, "timeout")])).toEqual([
      [lastId + 1, 1, 0],
    ]);
  });

  it("after the grace period, resolves, reports BOT_DISPATCHER_POLLING_STOP_TIMEOUT and leaves the stuck update unconfirmed", async () => {
    const s = await make();
    const users = usersOf(s, 3);
    const stuck = gate();
    const finished: number[] = [];
    s.bot.on("message:text", async (ctx) => {
      const n = numberOf(ctx.message.text);
      if (n === 2) await stuck.promise;
      finished.push(n);
    });
    for (const n of ids(3)) users[n - 1]!.send(String(n));
    const started = s.bot.start({ timeout: 1, signals: false, graceMs: 50 });
    await until(() => finished.length === 2, 5000, "updates 1 and 3");
    await s.bot.stop();
    await started;
    expect(s.errors).toEqual([
      expect.objectContaining({ code: "BOT_DISPATCHER_POLLING_STOP_TIMEOUT" }),
    ]);
    // 1 is confirmed; 3 finished but sits above the stuck 2, so both come back
    expect(pendingTexts(s)).toEqual(["2", "3"]);
    stuck.open();
  });

  /**
   * The confirmation never reaches Telegram: every `getUpdates` that carries an offset loses
   * its connection before the emulator applies it, so the next start gets the updates again.
   */
  const loseConfirmations = (s: EmulatedBot) =>
    s.emu.inject({
      method: "getUpdates",
      match: (params) => Number(params.offset ?? 0) > 0,
      times: Number.POSITIVE_INFINITY,
      fault: { type: "drop", when: "before" },
    });

  it("dedup: a redelivered update runs once", async () => {
    const s = await make({ retry: false });
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const storage = new MemoryStorage();
    const seen: number[] = [];
    s.bot.on("message:text", (ctx) => {
      seen.push(numberOf(ctx.message.text));
    });
    for (const n of ids(5)) alice.send(String(n));
    const dedup = { storage, ttlMs: 60_000 };
    const backoff = { initialMs: 5, maxMs: 20 };
    const lost = loseConfirmations(s);
    let started = s.bot.start({ timeout: 1, signals: false, dedup, backoff });
    await until(() => seen.length === 5, 5000, "5 updates");
    await s.bot.stop();
    await started;
    expect(lost.hits).toBeGreaterThan(0);
    expect(pendingTexts(s)).toEqual(["1", "2", "3", "4", "5"]); // Telegram delivers them again
    lost.remove();
    alice.send("6");
    started = s.bot.start({ timeout: 1, signals: false, dedup, backoff });
    await until(() => seen.length === 6, 5000, "update 6");
    await until(() => s.emu.pendingUpdates(s.info).length === 0, 5000, "confirmation");
    await s.bot.stop();
    await started;
    expect(seen).toEqual(ids(6));
  });

  it("without dedup the same redelivery runs again (the dedup test can fail)", async () => {
    const s = await make({ retry: false });
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const seen: number[] = [];
    s.bot.on("message:text", (ctx) => {
      seen.push(numberOf(ctx.message.text));
    });
    for (const n of ids(3)) alice.send(String(n));
    const backoff = { initialMs: 5, maxMs: 20 };
    const lost = loseConfirmations(s);
    let started = s.bot.start({ timeout: 1, signals: false, backoff });
    await until(() => seen.length === 3, 5000, "3 updates");
    await s.bot.stop();
    await started;
    lost.remove();
    started = s.bot.start({ timeout: 1, signals: false, backoff });
    await until(() => seen.length === 6, 5000, "3 redelivered");
    await s.bot.stop();
    await started;
    expect(seen).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it("429: honours retry_after without a hot loop, reports it, and recovers", async () => {
    const s = await make({ retry: false });
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const seen: string[] = [];
    s.bot.on("message:text", (ctx) => {
      seen.push(ctx.message.text);
    });
    s.emu.inject({ method: "getUpdates", fault: { type: "flood", retryAfter: 1 } });
    alice.send("x");
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => s.errors.length === 1, 5000, "the 429 report");
    await sleep(300);
    expect(polls(s)).toHaveLength(1); // still waiting out retry_after
    expect(s.errors[0]).toMatchObject({ errorCode: 429, retryAfter: 1 });
    await until(() => seen.length === 1, 5000, "update after the wait");
    await s.bot.stop();
    await started;
  });

  it("5xx and network errors back off, are reported as BOT_DISPATCHER_POLLING_FETCH_FAILED, and polling recovers", async () => {
    const s = await make({ retry: false });
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const seen: string[] = [];
    s.bot.on("message:text", (ctx) => {
      seen.push(ctx.message.text);
    });
    const bad = { type: "server", status: 502, description: "Bad Gateway" } as const;
    s.emu.inject({ method: "getUpdates", times: 2, fault: bad });
    s.emu.inject({ method: "getUpdates", fault: { type: "drop", when: "before" } });
    alice.send("x");
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
      expect(e).toMatchObject({ code: "BOT_DISPATCHER_POLLING_FETCH_FAILED" });
    }
    expect(s.errors.slice(0, 2)).toEqual([
      expect.objectContaining({ cause: expect.objectContaining({ errorCode: 502 }) }),
      expect.objectContaining({ cause: expect.objectContaining({ errorCode: 502 }) }),
    ]);
    expect((s.errors[2] as Error).cause).toBeInstanceOf(NetworkError);
  });

  it("401 stops with BOT_DISPATCHER_POLLING_UNAUTHORIZED", async () => {
    const s = await make();
    // a token the emulator does not know: it answers 401 Unauthorized, as Telegram does
    const token = "123456:AAH-revoked-secret_never_print";
    const calls: string[] = [];
    const client = new Client(token, { apiRoot: s.emu.apiRoot });
    client.use((call, next) => {
      calls.push(call.method);
      return next(call);
    });
    const { id, first_name, username } = s.info;
    const bot = new Bot(token, { client, botInfo: { id, is_bot: true, first_name, username } });
    try {
      const error = await bot.start({ timeout: 1, signals: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "BOT_DISPATCHER_POLLING_UNAUTHORIZED" });
      const secret = token.split(":")[1]!;
      expect(inspect(error, { depth: 10 })).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(calls).toEqual(["getUpdates"]);
      expect(bot.isRunning).toBe(false);
    } finally {
      await client.close();
    }
  });

  it("a webhook still set fails with BOT_DISPATCHER_POLLING_WEBHOOK_ACTIVE unless deleteWebhook: true", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    // nothing listens there; no update is queued while it is set, so nothing is posted to it
    const hook = "http://127.0.0.1:9/hook";
    const admin = new Client(s.info.token, { apiRoot: s.emu.apiRoot });
    const webhookUrl = async () => (await admin.call("getWebhookInfo")).url;
    try {
      await admin.call("setWebhook", { url: hook });
      const error = await s.bot.start({ timeout: 1, signals: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "BOT_DISPATCHER_POLLING_WEBHOOK_ACTIVE" });
      expect((error as Error).message).toContain("deleteWebhook: true");
      expect(await webhookUrl()).toBe(hook);
      expect(s.calls.some((c) => c.method === "deleteWebhook")).toBe(false);

      const seen: string[] = [];
      s.bot.on("message:text", (ctx) => {
        seen.push(ctx.message.text);
      });
      const started = s.bot.start({ timeout: 1, signals: false, deleteWebhook: true });
      await until(() => polls(s).length >= 2, 5000, "a poll after deleteWebhook");
      alice.send("x");
      await until(() => seen.length === 1, 5000, "update after deleteWebhook");
      expect(await webhookUrl()).toBe("");
      await s.bot.stop();
      await started;
    } finally {
      await admin.close();
    }
  });

  it("409 from a second poller surfaces as BOT_DISPATCHER_POLLING_CONFLICT instead of looping", async () => {
    const s = await make();
    const host = {
      api: s.bot.api,
      init: async () => undefined,
      handleUpdate: async () => undefined,
      allowedUpdates: () => [] as const,
      reportError: () => undefined,
    };
    // counts the getUpdates calls that reached the emulator (the rule never applies a fault)
    let arrived = 0;
    s.emu.inject({
      method: "getUpdates",
      match: () => {
        arrived += 1;
        return false;
      },
      times: Number.POSITIVE_INFINITY,
      fault: { type: "slow", delayMs: 0 },
    });
    const first = new Poller(host, { timeout: 5, signals: false });
    const firstDone = first.start().catch((e: unknown) => e);
    await until(() => arrived === 1, 5000, "the first long poll at the emulator");
    const second = new Poller(host, { timeout: 5, signals: false });
    const secondDone = second.start();
    expect(await firstDone).toMatchObject({ code: "BOT_DISPATCHER_POLLING_CONFLICT" });
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
    expect([...(param(polls(s)[0]!, "allowed_updates") as string[])].sort()).toEqual([
      "callback_query",
      "edited_message",
    ]);
    started = s.bot.start({ timeout: 0, signals: false, allowedUpdates: ["message"] });
    await until(
      () => polls(s).some((c) => (param(c, "allowed_updates") as string[]).length === 1),
      5000,
      "a poll",
    );
    await s.bot.stop();
    await started;
  });

  it("handler errors and a failing error handler never kill the loop", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const seen: number[] = [];
    s.bot.on("message:text", (ctx) => {
      const n = numberOf(ctx.message.text);
      seen.push(n);
      if (n % 2 === 0) throw new Error(`boom ${n}`);
    });
    let calls = 0;
    const caught: unknown[] = [];
    s.bot.catch((error) => {
      calls += 1;
      caught.push(error.error);
      if (calls === 1) throw new Error("the error handler failed too");
    });
    for (const n of ids(6)) alice.send(String(n));
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => seen.length === 6, 5000, "6 updates");
    await until(() => s.emu.pendingUpdates(s.info).length === 0, 5000, "confirmation");
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
    await expect(poller.start()).rejects.toMatchObject({
      code: "BOT_DISPATCHER_POLLING_ALREADY_RUNNING",
    });
    await poller.stop();
    await started;
    expect(() => new Poller(s.bot, { limit: 0 })).toThrow(
      expect.objectContaining({ code: "BOT_DISPATCHER_POLLING_INVALID_OPTIONS" }),
    );
    expect(() => new Poller(s.bot, { timeout: 51 })).toThrow(
      /^@bot\/dispatcher: invalid polling options at timeout/,
    );
    expect(() => new Poller(s.bot, { allowedUpdates: ["nope" as "message"] })).toThrow(
      PollingError,
    );
  });
});
