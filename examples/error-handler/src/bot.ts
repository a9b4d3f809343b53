import { Bot, type BotOptions, type Context, fmt, pre } from "@bot/dispatcher";

/** Telegram's limit for one message's text. */
const MAX_TEXT = 4096;

/**
 * The error handler bot: /bad_command throws; `bot.catch` logs the error, tells the user,
 * and sends the developer the update and the stack trace.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here) and the developer's chat id.
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: BotOptions<Context> & { developerChatId: number; log?: (line: string) => void },
): Bot {
  const { developerChatId, log = console.error, ...botOptions } = options;
  const bot = new Bot(token, botOptions);
  bot.command("start", (ctx) =>
    ctx.reply(`Use /bad_command to cause an error.\nYour chat id is ${ctx.chat?.id}`),
  );
  bot.command("bad_command", () => {
    // A bug: reading a property of undefined throws a TypeError.
    const settings = undefined as unknown as { retries: number };
    return settings.retries;
  });

  bot.catch(async (err) => {
    const stack =
      err.error instanceof Error ? (err.error.stack ?? err.error.message) : String(err.error);
    log(`Exception while handling an update: ${stack}`);
    await err.ctx?.reply("Sorry, something went wrong. The developer has been told.");
    const update = JSON.stringify(err.update ?? null, null, 2);
    // Each part is cut so that the report fits in one message.
    const report = fmt`An exception was raised while handling an update\n${pre(update.slice(0, 2000), "json")}\n${pre(stack.slice(0, MAX_TEXT - 2200))}`;
    await bot.api.sendMessage({ chat_id: developerChatId, ...report });
  });
  return bot;
}
