/**
 * `reportToBot`: an error from outside an update (a timer) reaches the `bot.catch` of the bot
 * whose client a context holds, with that context; a client shared by two bots has no single
 * error handler.
 */

import { Client } from "@bot/client";
import { describe, expect, it } from "vitest";
import { reportToBot } from "../src/advanced.js";
import { Bot, Context } from "../src/index.js";

const ME = {
  id: 42,
  is_bot: true as const,
  first_name: "Bot",
  username: "x_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
};
const UPDATE = {
  update_id: 1,
  message: { message_id: 1, date: 0, chat: { id: 7, type: "private" as const, first_name: "A" } },
};

describe("reportToBot", () => {
  it("delivers to bot.catch with the context", async () => {
    const bot = new Bot("42:secret", { botInfo: ME });
    const seen: unknown[] = [];
    bot.catch((err) => void seen.push([err.error, err.ctx, err.source]));
    const ctx = new Context(UPDATE, bot.api, ME);
    const boom = new Error("boom");
    expect(await reportToBot(ctx, boom)).toBe(true);
    expect(seen).toEqual([[boom, ctx, "handler"]]);
    await bot.api.close();
  });

  it("returns false for a client of no bot, or of two bots", async () => {
    const lone = new Client("43:secret");
    expect(await reportToBot(new Context(UPDATE, lone, ME), new Error("x"))).toBe(false);
    const shared = new Client("44:secret");
    const a = new Bot("", { client: shared, botInfo: ME });
    const b = new Bot("", { client: shared, botInfo: ME, storage: a.storage });
    const seen: unknown[] = [];
    a.catch((err) => void seen.push(err.error));
    b.catch((err) => void seen.push(err.error));
    expect(await reportToBot(new Context(UPDATE, shared, ME), new Error("y"))).toBe(false);
    expect(seen).toEqual([]);
    expect(await reportToBot({}, new Error("z"))).toBe(false);
    await lone.close();
    await shared.close();
  });
});
