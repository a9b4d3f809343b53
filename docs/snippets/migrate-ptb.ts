import { Bot, type Context } from "@bot/dispatcher";

export function ptbStyle(token: string): Bot<Context> {
  // #region bot
  // python-telegram-bot: app.add_handler(CommandHandler("start", start))
  const bot = new Bot(token);
  bot.command("start", (ctx) => ctx.reply(`Hi ${ctx.from?.first_name ?? ""}!`));
  // MessageHandler(filters.TEXT & ~filters.COMMAND, echo)
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
  // #endregion bot
  return bot;
}
