import {
  type ConversationClock,
  type ConversationFlavor,
  conversation,
  END,
  steps,
  systemClock,
} from "@bot/conversations";
import { Bot, type BotOptions, type Context } from "@bot/dispatcher";

// #region conversation
interface Order {
  pizza?: string | undefined;
  size?: string | undefined;
}
export type OrderContext = Context & ConversationFlavor<Order>;
type State = "PIZZA" | "SIZE" | "CONFIRM";
const { command, hears, callbackQuery, use } = steps<OrderContext, State>();

// The clock is a parameter so that tests can move time (the emulator's ManualClock fits).
export const order = (clock: ConversationClock = systemClock) =>
  conversation({
    name: "order",
    entry: [
      command("order", async (ctx) => {
        await ctx.reply("Which pizza? (margherita or funghi)");
        return "PIZZA";
      }),
    ],
    states: {
      PIZZA: [
        hears(/^(margherita|funghi)$/i, async (ctx) => {
          ctx.conversation.data.pizza = ctx.match[1]?.toLowerCase();
          await ctx.reply("Size? (small, large)");
          return "SIZE";
        }),
      ],
      SIZE: [
        hears(/^(small|large)$/i, async (ctx) => {
          ctx.conversation.data.size = ctx.match[1]?.toLowerCase();
          const { pizza, size } = ctx.conversation.data;
          await ctx.reply(`A ${size} ${pizza}?`, {
            reply_markup: { inline_keyboard: [[{ text: "Yes", callback_data: "yes" }]] },
          });
          return "CONFIRM";
        }),
      ],
      CONFIRM: [
        callbackQuery("yes", async (ctx) => {
          await ctx.answerCallbackQuery();
          await ctx.editMessageText("Ordered!");
          return END;
        }),
      ],
    },
    fallbacks: [
      command("cancel", async (ctx) => {
        await ctx.reply("Cancelled.");
        return END;
      }),
    ],
    timeoutMs: 10 * 60_000, // 10 minutes without an update: the timeout handlers run
    timeout: [use(async (ctx) => void (await ctx.reply("Too slow: order cancelled.")))],
    clock,
  });
// #endregion conversation

// #region mount
export function createBot(
  token: string,
  options: BotOptions<OrderContext> = {},
  clock: ConversationClock = systemClock,
): Bot<OrderContext> {
  const bot = new Bot<OrderContext>(token, options);
  bot.use(order(clock)); // state and data live in the bot's storage
  bot.on("message:text", (ctx) => ctx.reply("Send /order to order a pizza."));
  return bot;
}
// #endregion mount
