import {
  Bot,
  type BotOptions,
  type Context,
  callbackData,
  InlineKeyboard,
  MemoryStorage,
  type Storage,
} from "@bot/dispatcher";
import * as v from "valibot";

/**
 * The arbitrary callback data bot: every button carries the whole list of numbers picked so
 * far. Short lists fit in the 64 bytes of callback data; longer ones go to `storage` and the
 * button carries a short key. /clear forgets the stored lists, so old buttons expire.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here) and the overflow store.
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: BotOptions<Context> & { storage?: Storage } = {},
): Bot {
  const { storage = new MemoryStorage(), ...botOptions } = options;
  const picks = callbackData("picks", v.array(v.pipe(v.number(), v.integer())), { storage });
  const keyboard = async (soFar: readonly number[]) => {
    const buttons = [1, 2, 3, 4, 5].map(async (n) =>
      InlineKeyboard.text(String(n), await picks.packAsync([...soFar, n])),
    );
    return InlineKeyboard.grid(await Promise.all(buttons), 5);
  };

  const bot = new Bot(token, botOptions);
  bot.command("start", async (ctx) =>
    ctx.reply("Please choose:", { reply_markup: await keyboard([]) }),
  );
  bot.command("help", (ctx) =>
    ctx.reply("Use /start to test this bot. Use /clear to clear the stored data."),
  );
  bot.command("clear", async (ctx) => {
    await picks.clearStored();
    await ctx.reply("All clear!");
  });
  // Registered before the handler below: a button whose stored list is gone lands here.
  bot.filter(picks.expired(), async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Button is no longer valid", show_alert: true });
    await ctx.editMessageText(
      "Sorry, I could not process this button click. Please send /start to get a new keyboard.",
    );
  });
  bot.filter(picks.filter(), async (ctx) => {
    const soFar = await picks.unpackAsync(ctx.callbackQuery?.data, ctx);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(
      `So far you've selected ${JSON.stringify(soFar)}. Choose the next item:`,
      { reply_markup: await keyboard(soFar) },
    );
  });
  return bot;
}
