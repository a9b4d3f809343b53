import {
  Bot,
  type BotOptions,
  bold,
  type Context,
  code,
  escapeHtml,
  fmt,
  html,
  italic,
  join,
  link,
  md,
  spoiler,
} from "@bot/dispatcher";

export function createBot(token: string, options: BotOptions<Context> = {}): Bot {
  const bot = new Bot(token, options);

  // #region entities
  // fmt builds text plus entities: whatever a user typed is inserted verbatim,
  // it can never become markup.
  bot.command("hi", (ctx) => ctx.reply(fmt`Hello ${bold(ctx.from?.first_name ?? "you")}!`));
  bot.command("docs", (ctx) =>
    ctx.reply(fmt`Read ${link("the guide", "https://core.telegram.org/bots")} ${italic("today")}.`),
  );
  bot.command("list", (ctx) => ctx.reply(join([bold("one"), code("two"), spoiler("three")], ", ")));
  // #endregion entities

  // #region markup
  // html`...` and md`...` escape every interpolated value for their parse mode.
  bot.command("echo", (ctx) => ctx.reply(html`<b>You wrote:</b> ${ctx.match}`));
  bot.command("mdecho", (ctx) => ctx.reply(md`*You wrote:* ${ctx.match}`));
  // Building markup by hand? Escape it yourself.
  bot.command("raw", (ctx) => ctx.reply(`<i>${escapeHtml(ctx.match)}</i>`, { parse_mode: "HTML" }));
  // #endregion markup

  // #region caption
  bot.on("message:photo", (ctx) =>
    ctx.replyWithPhoto(ctx.message.photo[0]?.file_id ?? "", {
      caption: fmt`${bold("Nice")} photo`,
    }),
  );
  // #endregion caption
  return bot;
}
