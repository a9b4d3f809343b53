import { Bot, type BotOptions, Context, InlineKeyboard } from "@bot/dispatcher";

/** Click counts per bot, then per `chatId:messageId`. A real bot would use a Storage. */
const clicksByBot = new Map<number, Map<string, number>>();

/**
 * The custom context: every handler's `ctx` has `messageClicks`, the number of clicks on
 * the message whose button was pressed, read and written like a plain property.
 */
export class ClickContext extends Context {
  get #clicks(): Map<string, number> {
    let clicks = clicksByBot.get(this.me.id);
    if (clicks === undefined) {
      clicks = new Map();
      clicksByBot.set(this.me.id, clicks);
    }
    return clicks;
  }

  get #key(): string | undefined {
    const m = this.callbackQuery?.message;
    return m === undefined ? undefined : `${m.chat.id}:${m.message_id}`;
  }

  /** How often the button of this callback query's message was clicked (0 outside one). */
  get messageClicks(): number {
    const key = this.#key;
    return key === undefined ? 0 : (this.#clicks.get(key) ?? 0);
  }

  set messageClicks(value: number) {
    const key = this.#key;
    if (key === undefined) throw new Error("messageClicks is only known for callback queries");
    this.#clicks.set(key, value);
  }
}

const button = new InlineKeyboard().text("Click me!", "click");

/**
 * The context types bot: /start sends a button; each click counts on the message through
 * the custom context's `messageClicks` and edits the message to the count.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: Omit<BotOptions<ClickContext>, "contextConstructor"> = {},
): Bot<ClickContext> {
  const bot = new Bot<ClickContext>(token, { ...options, contextConstructor: ClickContext });
  bot.command("start", (ctx) =>
    ctx.reply("This button was clicked 0 times.", { reply_markup: button }),
  );
  bot.callbackQuery("click", async (ctx) => {
    ctx.messageClicks += 1;
    await ctx.answerCallbackQuery();
    const n = ctx.messageClicks;
    await ctx.editMessageText(`This button was clicked ${n} time${n === 1 ? "" : "s"}.`, {
      reply_markup: button,
    });
  });
  return bot;
}
