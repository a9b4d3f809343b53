import { Bot, type BotOptions, Composer, type Context } from "@bot/dispatcher";

// #region bot
export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);

  // Commands first: registration order is the order of evaluation.
  bot.command("start", (ctx) => ctx.reply(`Welcome! Payload: ${ctx.match || "none"}`));
  bot.command(["help", "about"], (ctx) => ctx.reply("Send /start, a photo, or 'order 42'."));

  // hears: a string or a RegExp on the text (or caption); ctx.match is the match.
  bot.hears(/^order (\d+)$/i, (ctx) => ctx.reply(`Order #${ctx.match[1]} received`));

  // Filter queries narrow ctx: here ctx.message.photo is PhotoSize[], not optional.
  bot.on("message:photo", (ctx) => {
    const largest = ctx.message.photo.at(-1);
    return ctx.reply(`A photo of ${largest?.width}x${largest?.height}`);
  });

  // Several queries in an array match any of them (or).
  bot.on(["message:sticker", "message:animation"], (ctx) => ctx.reply("Fun!"));

  // chatType + a Composer: a group of handlers for groups only.
  const groups = new Composer<Context>();
  groups.command("rules", (ctx) => ctx.reply("Be nice."));
  bot.chatType(["group", "supergroup"]).use(groups);

  // A custom predicate with filter, then a catch-all last.
  bot.filter(
    (ctx) => ctx.msg?.text?.startsWith("!") === true,
    (ctx) => ctx.reply("No bangs."),
  );
  bot.on("message:text", (ctx) => ctx.reply(`You said: ${ctx.message.text}`));

  bot.catch((err) => console.error(err.message, err.update?.update_id));
  return bot;
}
// #endregion bot
