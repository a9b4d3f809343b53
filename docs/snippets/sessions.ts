import {
  Bot,
  type BotOptions,
  type Context,
  type DataFlavor,
  dataSessions,
  type SessionFlavor,
  session,
} from "@bot/dispatcher";

// #region flavor
interface ChatData {
  count: number;
}
interface Settings {
  language: string;
}
// ctx.chatData and ctx.userData from dataSessions, ctx.settings from session()
export type MyContext = Context & DataFlavor<ChatData> & SessionFlavor<Settings, "settings">;
// #endregion flavor

export function createBot(token: string, options: BotOptions<MyContext> = {}): Bot<MyContext> {
  // #region bot
  // The sessions use the bot's storage (options.storage; MemoryStorage by default).
  const bot = new Bot<MyContext>(token, options);
  bot.use(dataSessions({ initial: { chat: () => ({ count: 0 }) } }));
  bot.use(
    session({
      name: "settings",
      key: (ctx) => (ctx.from ? String(ctx.from.id) : undefined),
      initial: () => ({ language: "en" }),
    }),
  );

  bot.command("count", async (ctx) => {
    const data = await ctx.chatData; // loaded (and locked) on first access only
    data.count++; // saved after the handlers, only if it changed
    await ctx.updateBotData((d) => {
      d.total = Number(d.total ?? 0) + 1; // bot-wide, atomic, under a short lock
    });
    await ctx.reply(`count: ${data.count}, everywhere: ${String((await ctx.botData).total ?? 0)}`);
  });
  bot.command("lang", async (ctx) => {
    const settings = await ctx.settings;
    if (ctx.match) settings.language = ctx.match;
    await ctx.reply(`language: ${settings.language}`);
  });
  // #endregion bot
  return bot;
}
