/**
 * The Bot itself against `@bot/emulator`: init (getMe), errors, options and a start/stop of
 * long polling. The emulator's bot has the canary token, so a leak would show.
 */
import diagnostics from "node:diagnostics_channel";
import { inspect } from "node:util";
import { type ApiCall, Client } from "@bot/client";
import { createEmulator, type Emulator } from "@bot/emulator";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DISPATCHER_CHANNEL } from "../src/advanced.js";
import { Bot, BotError, type Context, DispatcherError } from "../src/index.js";
import { ME, TOKEN, textUpdate } from "./core-helpers.js";

let emu: Emulator;
let api: { client: Client; calls: ApiCall[] };
beforeEach(async () => {
  emu = await createEmulator();
  emu.createBot({ token: TOKEN, username: ME.username, first_name: ME.first_name });
  const calls: ApiCall[] = [];
  const client = new Client(TOKEN, { apiRoot: emu.apiRoot, retry: false });
  client.use((call, next) => {
    calls.push(call);
    return next(call);
  });
  api = { client, calls };
});
afterEach(async () => {
  await api.client.close();
  await emu.close();
});

describe("init", () => {
  it("calls getMe once, even when called concurrently", async () => {
    const bot = new Bot(TOKEN, { client: api.client });
    expect(() => bot.botInfo).toThrow(DispatcherError);
    await Promise.all([bot.init(), bot.init(), bot.init()]);
    await bot.init();
    expect(bot.me.username).toBe("our_bot");
    expect(api.calls.filter((c) => c.method === "getMe")).toHaveLength(1);
  });

  it("makes no request when botInfo is given, and handleUpdate inits on demand", async () => {
    const given = new Bot(TOKEN, { client: api.client, botInfo: ME });
    await given.init();
    const lazy = new Bot(TOKEN, { client: api.client });
    const seen: string[] = [];
    lazy.use((ctx) => void seen.push(ctx.me.username));
    await lazy.handleUpdate(textUpdate("x"));
    expect(seen).toEqual(["our_bot"]);
    expect(api.calls.map((c) => c.method)).toEqual(["getMe"]);
  });
});

describe("errors", () => {
  it("handler errors reach bot.catch with the context; handleUpdate resolves", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    const caught: BotError<Context>[] = [];
    bot.catch((e) => void caught.push(e));
    bot.on("message", async () => {
      await Promise.resolve();
      throw new Error("async boom");
    });
    bot.on("edited_message", () => {
      throw new Error("sync boom");
    });
    const u = textUpdate("x");
    await expect(bot.handleUpdate(u)).resolves.toBeUndefined();
    await bot.handleUpdate(textUpdate("y", {}, "edited_message"));
    expect(caught.map((e) => (e.error as Error).message)).toEqual(["async boom", "sync boom"]);
    expect(caught[0]).toBeInstanceOf(BotError);
    expect(caught[0]?.ctx?.update).toBe(u);
    expect(caught[0]?.source).toBe("handler");
    expect(caught[0]?.code).toBe("BOT_DISPATCHER_HANDLER_ERROR");
  });

  it("handleUpdate rejects only when the error handler throws", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    bot.catch(() => {
      throw new Error("handler broke");
    });
    bot.use(() => {
      throw new Error("x");
    });
    await expect(bot.handleUpdate(textUpdate("x"))).rejects.toThrow("handler broke");
  });

  it("reportError routes any error to bot.catch and never throws", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    const caught: BotError<Context>[] = [];
    bot.catch((e) => void caught.push(e));
    const u = textUpdate("x");
    await bot.reportError(new Error("poll failed"), u);
    await bot.reportError("plain", undefined, "session");
    expect(caught.map((e) => [e.source, e.update?.update_id, e.ctx])).toEqual([
      ["polling", u.update_id, undefined],
      ["session", undefined, undefined],
    ]);
    bot.catch(() => {
      throw new Error("catch broke");
    });
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(bot.reportError(new Error("again"))).resolves.toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("the default handler logs without the token, and publishes on diagnostics_channel", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    bot.use(() => {
      throw new Error("oops");
    });
    const events: unknown[] = [];
    const listener = (m: unknown) => void events.push(m);
    diagnostics.subscribe(DISPATCHER_CHANNEL, listener);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await bot.handleUpdate(textUpdate("x"));
      const printed = spy.mock.calls.flat().map(String).join("\n");
      expect(printed).toContain("oops");
      expect(printed).not.toContain(TOKEN);
      expect(printed).not.toContain("CANARY");
    } finally {
      spy.mockRestore();
      diagnostics.unsubscribe(DISPATCHER_CHANNEL, listener);
    }
    expect(events).toHaveLength(1);
    expect(inspect(bot, { depth: 6 })).not.toContain("CANARY");
  });
});

describe("options", () => {
  it("are validated with prefixed messages that never echo the token", () => {
    expect(() => new Bot("")).toThrow(/@bot\/dispatcher: a bot token/);
    const bad = () => new Bot(TOKEN, { botInfo: { id: "x" } as never });
    expect(bad).toThrow(DispatcherError);
    expect(bad).toThrow(/@bot\/dispatcher: botInfo\.id must be a number/);
    const e = thrown(() => new Bot(TOKEN, { contextConstructor: 5 as never }));
    expect(e).toBeInstanceOf(DispatcherError);
    expect((e as DispatcherError).code).toBe("BOT_DISPATCHER_INVALID_OPTIONS");
    expect(String(e)).not.toContain("CANARY");
    expect(new Bot(TOKEN).api).toBeDefined();
  });
});

describe("long polling", () => {
  it("start() polls with the derived allowed_updates and stop() resolves it", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    const texts: string[] = [];
    bot.command("start", () => void texts.push("start"));
    bot.on("message:text", (ctx) => void texts.push(ctx.message.text));
    const alice = emu.user({ first_name: "Alice" });
    alice.send("a");
    alice.send("b");
    const done = bot.start({ signals: false, timeout: 0 });
    while (texts.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(bot.isRunning).toBe(true);
    await bot.stop();
    await done;
    expect(texts).toEqual(["a", "b"]);
    const polls = api.calls.filter((c) => c.method === "getUpdates");
    expect(polls[0]?.params?.allowed_updates).toEqual(["message", "channel_post"]);
    expect(bot.isRunning).toBe(false);
  });
});

/** Runs `f` and returns what it threw (`undefined` when it returned). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
