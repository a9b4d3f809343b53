import { Bot, type Context, type DataFlavor, dataSessions, InlineKeyboard } from "@bot/dispatcher";

export function grammyStyle(token: string): Bot<Context & DataFlavor<{ n: number }>> {
  // #region bot
  // grammY: const bot = new Bot<MyContext>(token); bot.use(session({ initial }));
  const bot = new Bot<Context & DataFlavor<{ n: number }>>(token);
  bot.use(dataSessions({ initial: { chat: () => ({ n: 0 }) } }));
  bot.command("start", (ctx) =>
    ctx.reply("Hi", { reply_markup: new InlineKeyboard().text("+1", "inc") }),
  );
  bot.callbackQuery("inc", async (ctx) => {
    const data = await ctx.chatData; // grammY: ctx.session (synchronous)
    data.n++;
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(`n = ${data.n}`);
  });
  // #endregion bot
  return bot;
}
