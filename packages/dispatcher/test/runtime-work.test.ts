import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import type { UpdateSource, UpdateSourceHandler, UpdateSourceRunOptions } from "../src/advanced.js";
import { Bot, MemoryStorage } from "../src/index.js";

const botInfo = { id: 7, is_bot: true, first_name: "w", username: "w_bot" } as never;

const msg = (id: number, chat = 1): Update =>
  ({
    update_id: id,
    message: {
      message_id: id,
      date: 0,
      chat: { id: chat, type: "private", first_name: "A" },
      text: `m${id}`,
    },
  }) as Update;

/** A source that hands a fixed list of updates to the handler, one after another, then idles. */
class ListSource implements UpdateSource {
  readonly results: [number, boolean][] = [];
  options: UpdateSourceRunOptions | undefined;
  constructor(readonly updates: Update[]) {}
  async run(handler: UpdateSourceHandler, options: UpdateSourceRunOptions, signal: AbortSignal) {
    this.options = options;
    for (const u of this.updates) {
      if (signal.aborted) break;
      this.results.push([u.update_id, await handler(u, signal)]);
    }
    if (!signal.aborted)
      await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
  }
}

describe("bot.work(source)", () => {
  it("runs every update through the middleware; a rerun of a finished update is skipped by dedup (true, not run again)", async () => {
    const storage = new MemoryStorage();
    const bot = new Bot("7:work-test-token", { botInfo, storage });
    const ran: number[] = [];
    bot.on("message", (ctx) => {
      ran.push(ctx.update.update_id);
    });
    const source = new ListSource([msg(1), msg(2), msg(1)]);
    const stop = new AbortController();
    const working = bot.work(source, { concurrency: 3, graceMs: 50, signal: stop.signal });
    while (source.results.length < 3) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await working;
    expect(ran).toEqual([1, 2]);
    expect(source.results).toEqual([
      [1, true],
      [2, true],
      [1, true],
    ]);
    expect(source.options).toMatchObject({ concurrency: 3, graceMs: 50 });
    // The marks live under the "queue:" prefix, apart from a webhook's or poller's.
    expect(await storage.get("queue:7:dedup:1")).toMatchObject({ value: "done" });
  });

  it("dedup: false runs a rerun again; bot.stop() stops the worker", async () => {
    const bot = new Bot("7:work-test-token", { botInfo });
    const ran: number[] = [];
    bot.on("message", (ctx) => {
      ran.push(ctx.update.update_id);
    });
    const source = new ListSource([msg(1), msg(1)]);
    const working = bot.work(source, { dedup: false });
    while (source.results.length < 2) await new Promise((r) => setTimeout(r, 5));
    await bot.stop();
    await working;
    expect(ran).toEqual([1, 1]);
  });

  it("an update whose handler is cut off by the stop is not done (false): its dedup claim goes back", async () => {
    const storage = new MemoryStorage();
    const bot = new Bot("7:work-test-token", { botInfo, storage });
    let started = false;
    bot.on("message", async (ctx) => {
      started = true;
      await new Promise<void>((r) => ctx.signal?.addEventListener("abort", () => r()));
    });
    let handler: UpdateSourceHandler | undefined;
    const source: UpdateSource = {
      run: async (h, _o, signal) => {
        handler = h;
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      },
    };
    const stop = new AbortController();
    const working = bot.work(source, { signal: stop.signal });
    while (handler === undefined) await new Promise((r) => setTimeout(r, 5));
    const abort = new AbortController();
    const result = (handler as UpdateSourceHandler)(msg(5), abort.signal);
    while (!started) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    expect(await result).toBe(false);
    expect(await storage.get("queue:7:dedup:5")).toBeUndefined();
    stop.abort();
    await working;
  });

  it("bad options and a non-source are typed errors", async () => {
    const bot = new Bot("7:work-test-token", { botInfo });
    await expect(bot.work(new ListSource([]), { concurrency: 0 })).rejects.toMatchObject({
      code: "BOT_DISPATCHER_WORK_INVALID_OPTIONS",
    });
    await expect(bot.work({} as never)).rejects.toMatchObject({
      code: "BOT_DISPATCHER_WORK_INVALID_OPTIONS",
    });
  });
});
