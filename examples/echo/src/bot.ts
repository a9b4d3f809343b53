import { Bot, type BotOptions, type Context } from "@bot/dispatcher";

/**
 * The echo bot: greets on /start, explains itself on /help, repeats every other text message.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);
  bot.command("start", (ctx) => ctx.reply(`Hi ${ctx.from?.first_name ?? "there"}! Send me text.`));
  bot.command("help", (ctx) => ctx.reply("I repeat every message you send me."));
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
  return bot;
}
