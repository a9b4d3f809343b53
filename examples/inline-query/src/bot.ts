import { Bot, type BotOptions, bold, type Context, italic } from "@bot/dispatcher";

/**
 * The inline bot: typing `@bot some text` in any chat offers three articles, the text in
 * capitals, in bold and in italics. Enable inline mode for the bot with @BotFather first.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);
  bot.command("start", (ctx) =>
    ctx.reply(`Hi! Type @${ctx.me.username} and some text in any chat.`),
  );
  bot.inlineQuery(/.+/, (ctx) => {
    const query = ctx.inlineQuery.query;
    return ctx.answerInlineQuery(
      [
        {
          type: "article",
          id: "caps",
          title: "Caps",
          input_message_content: { message_text: query.toUpperCase() },
        },
        {
          type: "article",
          id: "bold",
          title: "Bold",
          input_message_content: { message_text: bold(query) },
        },
        {
          type: "article",
          id: "italic",
          title: "Italic",
          input_message_content: { message_text: italic(query) },
        },
      ],
      { cache_time: 0 },
    );
  });
  return bot;
}
