import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import { Bot, Composer, type Context } from "../src/index.js";
import { callbackUpdate, commandUpdate, ME, TOKEN, textUpdate } from "./core-helpers.js";

/** The number of update kinds a bot has compiled steps for (the dispatch cache). */
function compiledKinds(bot: Bot): number {
  return (bot as unknown as { tree: { compiledKinds: number } }).tree.compiledKinds;
}

describe("compiled dispatch", () => {
  it("an update never evaluates the filters of handlers of other kinds", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    let evaluated = 0;
    let hits = 0;
    const counting = () => {
      evaluated++;
      return true;
    };
    for (let i = 0; i < 200; i++) bot.on("callback_query").filter(counting, () => {});
    for (let i = 0; i < 200; i++) bot.on("edited_message:text").filter(counting, () => {});
    bot.on("message:text", () => {
      hits++;
    });
    await bot.handleUpdate(textUpdate("hello"));
    expect(hits).toBe(1);
    expect(evaluated).toBe(0);
    await bot.handleUpdate(callbackUpdate("x"));
    expect(evaluated).toBe(1); // the first callback_query handler matched and ended it
  });

  it("a command reaches exactly its handler among many, addressed or not", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const seen: string[] = [];
    for (let i = 0; i < 500; i++)
      bot.command(`c${i}`, (ctx) => void seen.push(`c${i}:${ctx.match}`));
    await bot.handleUpdate(commandUpdate("/c499 x"));
    await bot.handleUpdate(commandUpdate("/C7@our_bot y"));
    await bot.handleUpdate(commandUpdate("/c8@other_bot z"));
    await bot.handleUpdate(commandUpdate("/c500"));
    expect(seen).toEqual(["c499:x", "c7:y"]);
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

  it("recompiles when a mounted or child composer gains handlers later", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const seen: string[] = [];
    const shared = new Composer<Context>();
    bot.use(shared);
    const texts = bot.on("message:text");
    await bot.handleUpdate(textUpdate("one"));
    shared.hears("two", () => void seen.push("shared:two"));
    texts.use((ctx) => void seen.push(`child:${ctx.message.text}`));
    await bot.handleUpdate(textUpdate("two"));
    await bot.handleUpdate(textUpdate("three"));
    bot.group(1).on("message", () => void seen.push("group1"));
    await bot.handleUpdate(textUpdate("two"));
    expect(seen).toEqual(["shared:two", "child:three", "shared:two"]);
  });

  it("caches compiled steps only for known kinds: made-up kinds from the wire do not grow it", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const seen: string[] = [];
    bot.on("message", () => {});
    bot.use((ctx) => void seen.push(Object.keys(ctx.update)[1] as string));
    await bot.handleUpdate(textUpdate("hi"));
    expect(compiledKinds(bot)).toBe(1);
    for (let i = 0; i < 300; i++)
      await bot.handleUpdate({ update_id: 1000 + i, [`made_up_${i}`]: { x: i } } as Update);
    expect(compiledKinds(bot)).toBe(2); // "message" and one shared entry for every unknown kind
    expect(seen).toHaveLength(300); // the catch-all middleware still saw every unknown update
    expect(seen[299]).toBe("made_up_299");
  });

  it("on(kind) is the one way to name a kind: no per-kind methods are patched onto Composer", () => {
    expect(Object.getOwnPropertyNames(Composer.prototype)).not.toContain("editedMessage");
    expect(Object.getOwnPropertyNames(Composer.prototype)).not.toContain("channelPost");
  });
});
