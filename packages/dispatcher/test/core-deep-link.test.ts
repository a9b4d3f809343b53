import { describe, expect, it } from "vitest";
import { Bot, DispatcherError, deepLink, startGroupLink } from "../src/index.js";
import { commandUpdate, ME, TOKEN } from "./core-helpers.js";

describe("deep links", () => {
  it("builds start and startgroup links from a bot, ctx.me or a username", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    expect(deepLink(bot, "ref_42-x")).toBe("https://t.me/our_bot?start=ref_42-x");
    expect(startGroupLink(bot, "team")).toBe("https://t.me/our_bot?startgroup=team");
    expect(deepLink("@other_bot", "a", { group: true })).toBe(
      "https://t.me/other_bot?startgroup=a",
    );
    let link = "";
    bot.command("start", (ctx) => {
      link = deepLink(ctx.me, ctx.match);
    });
    await bot.handleUpdate(commandUpdate("/start abc"));
    expect(link).toBe("https://t.me/our_bot?start=abc");
  });

  it("refuses payloads Telegram would refuse: empty, over 64 characters, other characters", () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    expect(deepLink(bot, "x".repeat(64))).toHaveLength("https://t.me/our_bot?start=".length + 64);
    for (const bad of ["", "x".repeat(65), "a b", "a+b", "ü", "a=b&c"]) {
      let error: unknown;
      try {
        deepLink(bot, bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DispatcherError);
      expect((error as DispatcherError).code).toBe("BOT_DISPATCHER_INVALID_DEEP_LINK");
    }
  });

  it("needs the bot's username: a bot before init() is refused with a typed error", () => {
    const bot = new Bot(TOKEN);
    expect(() => deepLink(bot, "x")).toThrow(DispatcherError);
    expect(() => deepLink("no", "x")).toThrow(/needs the bot's username/);
  });
});
