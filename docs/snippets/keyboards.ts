import {
  Bot,
  type BotOptions,
  type Context,
  callbackData,
  InlineKeyboard,
  Keyboard,
  removeKeyboard,
} from "@bot/dispatcher";
import * as v from "valibot";

// #region codec
// Typed callback data: packed into the button's 64 bytes, validated with valibot when it
// comes back, and signed (HMAC) so a forged button is refused.
export const vote = callbackData("vote", v.object({ id: v.number(), up: v.boolean() }), {
  secret: process.env.CALLBACK_SECRET ?? "change-me-to-a-long-random-secret",
});
// #endregion codec

export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);

  // #region inline
  bot.command("poll", (ctx) =>
    ctx.reply("Do you like it?", {
      reply_markup: new InlineKeyboard()
        .text("👍", vote.pack({ id: 7, up: true }))
        .text("👎", vote.pack({ id: 7, up: false }))
        .row()
        .url("Website", "https://example.org"),
    }),
  );
  bot.callbackQuery(vote.pattern, async (ctx) => {
    const { id, up } = vote.unpack(ctx.callbackQuery.data);
    await ctx.answerCallbackQuery({ text: "Thanks!" }); // stops the button's spinner
    await ctx.editMessageText(`Vote on #${id}: ${up ? "yes" : "no"}`);
  });
  // #endregion inline

  // #region reply
  bot.command("size", (ctx) =>
    ctx.reply("Pick a size", {
      reply_markup: Keyboard.grid(["S", "M", "L", "XL"], 2).resized().oneTime(),
    }),
  );
  bot.hears(/^(S|M|L|XL)$/, (ctx) =>
    ctx.reply(`Size ${ctx.match[1]}`, { reply_markup: removeKeyboard() }),
  );
  // #endregion reply
  return bot;
}
