import { Bot, type BotOptions, type Context, InlineKeyboard } from "@bot/dispatcher";

/** The menu /start sends: three options in a row, then one more below. */
export const menu: InlineKeyboard = new InlineKeyboard()
  .text("Option 1", "1")
  .text("Option 2", "2")
  .row()
  .text("Option 3", "3");

/**
 * The inline keyboard bot: /start shows the menu; a click answers the callback query
 * (which stops the button's spinner) and edits the menu message to the choice.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);
  bot.command("start", (ctx) => ctx.reply("Please choose:", { reply_markup: menu }));
  bot.command("help", (ctx) => ctx.reply("Use /start to test this bot."));
  bot.callbackQuery(/^[123]$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(`Selected option: ${ctx.callbackQuery.data}`);
  });
  return bot;
}
