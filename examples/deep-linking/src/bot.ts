import { Bot, type BotOptions, type Context, deepLink, InlineKeyboard } from "@bot/dispatcher";

/** The /start payloads this bot hands out in its links. */
export const CHECK_THIS_OUT = "check-this-out";
export const USING_BUTTONS = "using-buttons";

/**
 * The deep linking bot: plain /start hands out a link; opening it starts the bot with a
 * payload (`ctx.match` of the /start command), which unlocks the next step.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);
  bot.command("start", async (ctx) => {
    switch (ctx.match) {
      case CHECK_THIS_OUT:
        return ctx.reply("Awesome, you just accessed hidden functionality! Continue here:", {
          reply_markup: new InlineKeyboard().url("Continue here!", deepLink(ctx.me, USING_BUTTONS)),
        });
      case USING_BUTTONS:
        return ctx.reply("Deep links work from buttons too. And callback buttons still work:", {
          reply_markup: new InlineKeyboard().text("Like this!", "like-this"),
        });
      default:
        return ctx.reply(
          `Feel free to tell your friends about it:\n${deepLink(ctx.me, CHECK_THIS_OUT)}`,
        );
    }
  });
  bot.callbackQuery("like-this", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Happy to see you here!" });
    await ctx.editMessageText(`Share the bot: ${deepLink(ctx.me, CHECK_THIS_OUT)}`);
  });
  return bot;
}
