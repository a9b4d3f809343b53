import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import { Bot } from "../src/index.js";
import { callbackUpdate, commandUpdate, ME, TOKEN, textUpdate } from "./core-helpers.js";

/** Wraps an update and its payload in proxies that count property reads. */
function counted(update: Update): { update: Update; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const spy = <T extends object>(target: T, prefix: string): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === "string") reads.set(prefix + key, (reads.get(prefix + key) ?? 0) + 1);
        return Reflect.get(t, key, receiver);
      },
    });
  const kind = Object.keys(update).find((k) => k !== "update_id") as keyof Update;
  const inner = spy(update[kind] as object, `${String(kind)}.`);
  return { update: spy({ ...update, [kind]: inner } as Update, ""), reads };
}

describe("compiled dispatch", () => {
  it("an update never visits handlers of other kinds", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    let hits = 0;
    for (let i = 0; i < 200; i++) bot.callbackQuery(`data${i}`, () => {});
    for (let i = 0; i < 200; i++) bot.on("edited_message:text", () => {});
    bot.on("message:text", () => {
      hits++;
    });
    const { update, reads } = counted(textUpdate("hello"));
    await bot.handleUpdate(update);
    expect(hits).toBe(1);
    expect(reads.get("callback_query") ?? 0).toBe(0);
    expect(reads.get("edited_message") ?? 0).toBe(0);
    expect(reads.get("message.text")).toBe(1);
    const payloadReads = [...reads]
      .filter(([k]) => k.startsWith("message."))
      .reduce((n, [, c]) => n + c, 0);
    expect(payloadReads).toBe(1);
  });

  it("a command costs one parse and one lookup, however many commands exist", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const seen: string[] = [];
    for (let i = 0; i < 500; i++) bot.command(`c${i}`, () => void seen.push(`c${i}`));
    const { update, reads } = counted(commandUpdate("/c499 x"));
    await bot.handleUpdate(update);
    expect(seen).toEqual(["c499"]);
    expect(reads.get("message.entities")).toBe(1);
    expect(reads.get("message.text")).toBe(1);
  });

  it("recompiles when handlers are added after the first update", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const seen: string[] = [];
    bot.callbackQuery("a", () => void seen.push("a"));
    await bot.handleUpdate(callbackUpdate("b"));
    bot.callbackQuery("b", () => void seen.push("b"));
    await bot.handleUpdate(callbackUpdate("b"));
    expect(seen).toEqual(["b"]);
  });

  it("kind sugar registers on(kind)", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const seen: string[] = [];
    bot.editedMessage((ctx) => void seen.push(`edited:${ctx.editedMessage.text}`));
    bot.channelPost((ctx) => void seen.push(`post:${ctx.channelPost.text}`));
    bot.message((ctx) => void seen.push(`msg:${ctx.message.text}`));
    await bot.handleUpdate(textUpdate("a", {}, "edited_message"));
    await bot.handleUpdate(textUpdate("b", {}, "channel_post"));
    await bot.handleUpdate(textUpdate("c"));
    expect(seen).toEqual(["edited:a", "post:b", "msg:c"]);
    expect(bot.allowedUpdates()).toEqual(["message", "edited_message", "channel_post"]);
  });
});
