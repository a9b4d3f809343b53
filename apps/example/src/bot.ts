import {
  Bot,
  type BotOptions,
  bold,
  type Context,
  type DataFlavor,
  dataSessions,
  fmt,
  InlineKeyboard,
  italic,
  type Storage,
} from "@bot/dispatcher";

/** What the example keeps per chat. */
export interface ChatData {
  count: number;
}

/** The example's context: the dispatcher's plus `ctx.chatData`. */
export type ExampleContext = Context & DataFlavor<ChatData>;

const HELP = [
  "/start [payload] - greet you (deep links like t.me/yourbot?start=hello carry a payload)",
  "/help - this list",
  "/count - count in this chat (kept in chatData)",
  "/menu - an inline keyboard whose buttons edit the message",
  "/whoami - a formatted message with your name, quoted safely",
  "anything else - echoed back",
].join("\n");

/** The counter's keyboard: each button carries the value it sets. */
const menu = (n: number) =>
  new InlineKeyboard().text("➖", `menu:${n - 1}`).text("➕", `menu:${n + 1}`);

/**
 * Builds the example bot: every handler, no I/O until it starts.
 *
 * @param token The bot token.
 * @param options Dispatcher options (client, botInfo, storage).
 * @param storage Where chat data lives (default: in memory).
 * @returns The bot.
 */
export function createExampleBot(
  token: string,
  options: BotOptions<ExampleContext> = {},
  storage?: Storage,
): Bot<ExampleContext> {
  const bot = new Bot<ExampleContext>(token, options);
  bot.use(dataSessions<ChatData>({ initial: { chat: () => ({ count: 0 }) }, storage }));

  bot.command("start", async (ctx) => {
    const payload = ctx.match;
    const who = ctx.from?.first_name ?? "there";
    const greeting = payload
      ? fmt`Welcome, ${bold(who)}! You came with the payload ${italic(payload)}.`
      : fmt`Welcome, ${bold(who)}! Send /help to see what I can do.`;
    await ctx.reply(greeting.text, { entities: greeting.entities });
  });

  bot.command("help", (ctx) => ctx.reply(HELP));

  bot.command("count", async (ctx) => {
    const data = await ctx.chatData;
    data.count += 1;
    await ctx.reply(`This chat has counted to ${data.count}.`);
  });

  bot.command("menu", (ctx) => ctx.reply("Counter: 0", { reply_markup: menu(0) }));

  bot.callbackQuery(/^menu:(-?\d{1,6})$/, async (ctx) => {
    const n = Number(ctx.match[1]);
    await ctx.editMessageText(`Counter: ${n}`, { reply_markup: menu(n) });
    await ctx.answerCallbackQuery({ text: `Set to ${n}` });
  });

  bot.command("whoami", async (ctx) => {
    const u = ctx.from;
    if (!u) return;
    const name = [u.first_name, u.last_name].filter(Boolean).join(" ");
    const text = fmt`You are ${bold(name)}${u.username ? fmt` (@${u.username})` : ""}, id ${u.id}.`;
    await ctx.reply(text.text, { entities: text.entities });
  });

  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));

  bot.catch((err) => {
    console.error(`example: ${err.message}`);
  });
  return bot;
}
