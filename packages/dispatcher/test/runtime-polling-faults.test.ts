/**
 * The polling faults of issue 11, each against `@bot/emulator` (or a raw HTTP server for
 * malformed batches) with a real Bot and Client over HTTP.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@bot/client";
import { afterEach, describe, expect, it } from "vitest";
import { UpdateDedup } from "../src/advanced.js";
import {
  Bot,
  type Context,
  HandlerTimeoutError,
  MemoryStorage,
  PollingError,
} from "../src/index.js";
import { type EmulatedBot, emulatedBot, sentTexts } from "./fixtures/emulator-bot.js";
import { BOT_INFO, gate, sleep, until } from "./fixtures/polling-helpers.js";

let current: EmulatedBot | undefined;
const make = async () => {
  current = await emulatedBot();
  return current;
};
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const codes = (errors: unknown[]) => errors.map((e) => (e as { code?: string }).code);

describe("per-update deadline (handlerTimeoutMs)", () => {
  it("a handler that never settles is reported, its signal aborted, its chat goes on, the offset moves", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    let signal: AbortSignal | undefined;
    const handled: string[] = [];
    s.bot.on("message:text", (ctx) => {
      if (ctx.message.text === "hang") {
        signal = ctx.signal;
        return new Promise<void>(() => {});
      }
      handled.push(ctx.message.text);
    });
    alice.send("hang");
    alice.send("after 1");
    alice.send("after 2");
    const started = s.bot.start({ timeout: 1, signals: false, handlerTimeoutMs: 300 });
    await until(() => handled.length === 2, 10_000, "the chat's later updates");
    expect(handled).toEqual(["after 1", "after 2"]);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toBeInstanceOf(HandlerTimeoutError);
    expect(s.errors[0]).toMatchObject({ code: "BOT_DISPATCHER_HANDLER_TIMEOUT", timeoutMs: 300 });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(s.errors[0]);
    await until(() => s.emu.pendingUpdates(s.info).length === 0, 10_000, "confirmation");
    await s.bot.stop();
    await started;
    // After a restart nothing hangs again: the hung update was confirmed.
    expect(s.emu.pendingUpdates(s.info)).toEqual([]);
  });

  it("handlerTimeoutMs: 0 disables the deadline", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const slow = gate();
    let done = false;
    s.bot.on("message", async () => {
      await slow.promise;
      done = true;
    });
    alice.send("slow");
    const started = s.bot.start({ timeout: 1, signals: false, handlerTimeoutMs: 0 });
    await sleep(400);
    slow.open();
    await until(() => done, 5000, "the slow handler");
    await s.bot.stop();
    await started;
    expect(s.errors).toEqual([]);
  });
});

describe("stop() from inside a handler", () => {
  it("a /shutdown command finishes, its update is confirmed, start() resolves", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    s.bot.command("shutdown", async (ctx) => {
      await ctx.reply("stopping");
      await s.bot.stop();
      await ctx.reply("bye");
    });
    alice.send("/shutdown");
    const started = s.bot.start({ timeout: 1, signals: false, graceMs: 3000 });
    await started;
    expect(sentTexts(s.emu)).toEqual(["stopping", "bye"]);
    expect(codes(s.errors)).not.toContain("BOT_DISPATCHER_POLLING_STOP_TIMEOUT");
    expect(s.emu.pendingUpdates(s.info)).toEqual([]);
    expect(s.bot.isRunning).toBe(false);
  });
});

describe("graceful stop", () => {
  it("20 queued updates in one chat: after the first starts, the others never start and come back after a restart", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const hold = gate();
    const runs: string[] = [];
    s.bot.on("message:text", async (ctx) => {
      runs.push(ctx.message.text);
      if (ctx.message.text === "m1") await hold.promise;
    });
    for (let i = 1; i <= 20; i++) alice.send(`m${i}`);
    const started = s.bot.start({ timeout: 1, signals: false });
    await until(() => runs.length === 1, 5000, "the first update to start");
    const stopping = s.bot.stop();
    hold.open();
    await stopping;
    await started;
    expect(runs).toEqual(["m1"]);
    const pending = s.emu.pendingUpdates(s.info).map((u) => u.message?.text);
    expect(pending).toEqual(Array.from({ length: 19 }, (_, i) => `m${i + 2}`));
    // a restart gets exactly those
    const next = s.restart();
    const again: string[] = [];
    next.bot.on("message:text", (ctx) => {
      again.push(ctx.message.text);
    });
    const restarted = next.bot.start({ timeout: 1, signals: false });
    await until(() => again.length === 19, 5000, "the redelivered updates");
    await next.bot.stop();
    await restarted;
    expect(again).toEqual(pending);
    expect(s.emu.pendingUpdates(s.info)).toEqual([]);
  });

  it("2 s handlers, stop mid-run, README-shaped (no exit): 0 finished updates redelivered, nothing runs after start() resolved", async () => {
    const s = await make();
    const users = Array.from({ length: 5 }, (_, i) =>
      s.emu.user({ first_name: `U${i}`, bot: s.info }),
    );
    let running = 0;
    const finished = new Map<string, number>();
    const onText = async (ctx: Context & { message: { text: string } }) => {
      running += 1;
      await sleep(2000);
      finished.set(ctx.message.text, (finished.get(ctx.message.text) ?? 0) + 1);
      running -= 1;
    };
    s.bot.on("message:text", onText);
    for (let round = 0; round < 4; round++)
      for (const [i, u] of users.entries()) u.send(`u${i}-${round}`);
    const started = s.bot.start({ timeout: 1, signals: false }); // the default grace (6 s)
    await until(() => running === 5, 5000, "the first wave");
    await s.bot.stop();
    await started;
    expect(running).toBe(0);
    const atStop = new Map(finished);
    await sleep(2500); // a README-shaped process lives on: nothing of ours may still run
    expect(finished).toEqual(atStop);
    expect(atStop.size).toBe(5);
    const next = s.restart();
    next.bot.on("message:text", (ctx) => {
      finished.set(ctx.message.text, (finished.get(ctx.message.text) ?? 0) + 1);
    });
    const restarted = next.bot.start({ timeout: 1, signals: false });
    await until(() => finished.size === 20, 5000, "the rest after the restart");
    await next.bot.stop();
    await restarted;
    const redelivered = [...finished.values()].filter((n) => n > 1).length;
    expect(redelivered).toBe(0);
  }, 20_000);

  it("at the end of the grace, ctx.signal is aborted and the update is not confirmed", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    let signal: AbortSignal | undefined;
    s.bot.on("message", (ctx) => {
      signal = ctx.signal;
      return new Promise<void>(() => {});
    });
    alice.send("stuck");
    const started = s.bot.start({ timeout: 1, signals: false, graceMs: 200 });
    await until(() => signal !== undefined, 5000, "the handler");
    await s.bot.stop();
    await started;
    expect(signal?.aborted).toBe(true);
    expect(codes(s.errors)).toContain("BOT_DISPATCHER_POLLING_STOP_TIMEOUT");
    expect(s.emu.pendingUpdates(s.info)).toHaveLength(1);
  });
});

describe("start signal", () => {
  it("onStart is called once, with the bot info, when the first getUpdates is under way", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const infos: unknown[] = [];
    const seen: string[] = [];
    s.bot.on("message:text", (ctx) => {
      seen.push(ctx.message.text);
    });
    const started = s.bot.start({
      timeout: 1,
      signals: false,
      onStart: (info) => {
        infos.push(info);
        alice.send("live");
      },
    });
    await until(() => seen.length === 1, 5000, "the message sent from onStart");
    await sleep(1200); // a few more polls
    await s.bot.stop();
    await started;
    expect(infos).toEqual([expect.objectContaining({ id: s.info.id, username: "polling_bot" })]);
  });
});

/** A raw Bot API stand-in that answers getUpdates with whatever the test scripts. */
async function rawApi(batches: string[]) {
  const offsets: Array<number | undefined> = [];
  let served = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const params = body === "" ? {} : (JSON.parse(body) as { offset?: number });
      res.setHeader("content-type", "application/json");
      if (!req.url?.endsWith("/getUpdates")) return res.end('{"ok":true,"result":true}');
      offsets.push(params.offset);
      const next = batches[served];
      served += 1;
      if (next !== undefined) return res.end(next);
      setTimeout(() => res.end('{"ok":true,"result":[]}'), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    offsets,
    served: () => served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const text = (id: number, t: string) => ({
  update_id: id,
  message: { message_id: id, date: 1, chat: { id: 1, type: "private", first_name: "A" }, text: t },
});

describe("malformed getUpdates batches", () => {
  it("a non-array result and [null] are reported as BOT_DISPATCHER_POLLING_INVALID_BATCH and retried; a bad update is skipped, the others run", async () => {
    const api = await rawApi([
      '{"ok":true,"result":{}}',
      '{"ok":true,"result":[null]}',
      JSON.stringify({
        ok: true,
        result: [
          text(1, "one"),
          { update_id: 2, message: { chat: "not a chat" } },
          null,
          text(3, "three"),
        ],
      }),
    ]);
    const client = new Client("1:raw", { apiRoot: api.apiRoot });
    const bot = new Bot<Context>("1:raw", { client, botInfo: BOT_INFO });
    const errors: unknown[] = [];
    bot.catch((e) => {
      errors.push(e.error);
    });
    const seen: string[] = [];
    bot.on("message:text", (ctx) => {
      seen.push(ctx.message.text);
    });
    const started = bot.start({
      timeout: 0,
      signals: false,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    try {
      await until(() => seen.length === 2, 5000, "the good updates");
      await until(() => api.offsets.includes(4), 5000, "an offset past the whole batch");
    } finally {
      await bot.stop();
      await client.close();
      await api.close();
    }
    await started;
    expect(seen).toEqual(["one", "three"]);
    expect(codes(errors).slice(0, 4)).toEqual([
      "BOT_DISPATCHER_POLLING_INVALID_BATCH",
      "BOT_DISPATCHER_POLLING_INVALID_BATCH",
      "BOT_DISPATCHER_POLLING_INVALID_UPDATE",
      "BOT_DISPATCHER_POLLING_INVALID_UPDATE",
    ]);
    for (const e of errors) expect(e).toBeInstanceOf(PollingError);
    expect(String((errors[3] as Error).message)).toMatch(/invalid update 2/);
  });
});

describe("dedup: claim before the handler", () => {
  it("the claim is in storage while the handler runs, done after; a done update is skipped and confirmed", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const storage = new MemoryStorage();
    const probe = new UpdateDedup({ storage, botId: s.info.id });
    const during: string[] = [];
    s.bot.on("message:text", async (ctx) => {
      const mark = await storage.get(probe.key(ctx.update.update_id));
      during.push(String(mark?.value));
    });
    alice.send("a");
    const first = s.emu.pendingUpdates(s.info)[0]!.update_id;
    await storage.set(probe.key(first + 1), "done"); // as if another process handled it
    alice.send("b");
    const started = s.bot.start({ timeout: 1, signals: false, dedup: { storage } });
    await until(() => s.emu.pendingUpdates(s.info).length === 0, 5000, "both confirmed");
    await s.bot.stop();
    await started;
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^running:/);
    expect((await storage.get(probe.key(first)))?.value).toBe("done");
  });

  it("a claim held by a process that died: the update waits for the lease, then runs once", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    const storage = new MemoryStorage();
    const dead = new UpdateDedup({ storage, botId: s.info.id, leaseMs: 600 });
    alice.send("x");
    const id = s.emu.pendingUpdates(s.info)[0]!.update_id;
    expect(await dead.claim(id)).toBe("claimed");
    let runs = 0;
    s.bot.on("message", () => {
      runs += 1;
    });
    const started = s.bot.start({ timeout: 1, signals: false, dedup: { storage, leaseMs: 600 } });
    await sleep(200);
    expect(runs).toBe(0); // busy: neither run nor confirmed
    expect(s.emu.pendingUpdates(s.info)).toHaveLength(1);
    await until(() => runs === 1, 5000, "the run after the lease");
    await until(() => s.emu.pendingUpdates(s.info).length === 0, 5000, "confirmation");
    await s.bot.stop();
    await started;
    expect(runs).toBe(1);
  });

  it("dedup: true uses the bot's storage; marks are scoped by the bot's id", async () => {
    const s = await make();
    const alice = s.emu.user({ first_name: "Alice", bot: s.info });
    alice.send("x");
    const id = s.emu.pendingUpdates(s.info)[0]!.update_id;
    let runs = 0;
    s.bot.on("message", () => {
      runs += 1;
    });
    const started = s.bot.start({ timeout: 1, signals: false, dedup: true });
    await until(() => runs === 1, 5000, "the update");
    await s.bot.stop();
    await started;
    expect((await s.bot.storage.get(`${s.info.id}:dedup:${id}`))?.value).toBe("done");
  });
});
