import { Bot, type BotOptions, type Context } from "@bot/dispatcher";
import type { LabeledPrice } from "@bot/types";

/** The payload every invoice of this bot carries; answers check it. */
export const PAYLOAD = "Custom-Payload";

/** The invoice's one item: 1.00 USD, in cents. */
const PRICES: LabeledPrice[] = [{ label: "Test", amount: 100 }];

/** What /shipping offers once the address is known. */
export const SHIPPING_OPTIONS = [
  { id: "1", title: "Shipping Option A", prices: [{ label: "A", amount: 100 }] },
  {
    id: "2",
    title: "Shipping Option B",
    prices: [
      { label: "B1", amount: 150 },
      { label: "B2", amount: 200 },
    ],
  },
];

/** Options of {@link createBot}. */
export interface PaymentBotOptions {
  /** Bot options (the emulator passes its API root here). */
  readonly bot?: BotOptions<Context>;
  /** The payment provider token from @BotFather (needed for /shipping and /noshipping, not /stars). */
  readonly providerToken?: string | undefined;
}

/**
 * The payments bot: `/shipping` sends an invoice that needs a shipping address and offers two
 * shipping options, `/noshipping` one without, `/stars` one in Telegram Stars. The bot answers
 * the shipping and pre-checkout queries (checking the payload) and thanks for the payment.
 *
 * @param token The bot token.
 * @param options Bot options and the provider token.
 * @returns The bot, not started.
 */
export function createBot(token: string, options: PaymentBotOptions = {}): Bot {
  const bot = new Bot(token, options.bot ?? {});
  const provider = options.providerToken;

  bot.command("start", (ctx) =>
    ctx.reply(
      "Use /shipping to get an invoice for shipping-payment, /noshipping for an invoice without shipping, or /stars to pay in Telegram Stars.",
    ),
  );

  const invoice = (ctx: Context, shipping: boolean) => {
    if (provider === undefined || provider === "")
      return ctx.reply(
        "This bot has no payment provider: set PAYMENT_PROVIDER_TOKEN (from @BotFather).",
      );
    return ctx.api.sendInvoice({
      chat_id: ctx.chat?.id as number,
      title: "Payment Example",
      description: "Example of a payment process with @bot",
      payload: PAYLOAD,
      currency: "USD",
      prices: PRICES,
      provider_token: provider,
      ...(shipping
        ? {
            need_name: true,
            need_phone_number: true,
            need_email: true,
            need_shipping_address: true,
            is_flexible: true,
          }
        : {}),
    });
  };
  bot.command("shipping", (ctx) => invoice(ctx, true));
  bot.command("noshipping", (ctx) => invoice(ctx, false));
  bot.command("stars", (ctx) =>
    // Stars: no provider token (""), one price, digital goods only
    ctx.api.sendInvoice({
      chat_id: ctx.chat.id,
      title: "Star Example",
      description: "A digital good, paid in Telegram Stars",
      payload: PAYLOAD,
      currency: "XTR",
      prices: [{ label: "Stars", amount: 1 }],
      provider_token: "",
    }),
  );

  bot.on("shipping_query", async (ctx) => {
    if (ctx.shippingQuery.invoice_payload !== PAYLOAD)
      return void (await ctx.answerShippingQuery(false, {
        error_message: "Something went wrong...",
      }));
    await ctx.answerShippingQuery(true, { shipping_options: SHIPPING_OPTIONS });
  });

  // Telegram waits 10 s for this answer: check quickly, never after slow work.
  bot.on("pre_checkout_query", async (ctx) => {
    if (ctx.preCheckoutQuery.invoice_payload !== PAYLOAD)
      return void (await ctx.answerPreCheckoutQuery(false, {
        error_message: "Something went wrong...",
      }));
    await ctx.answerPreCheckoutQuery(true);
  });

  bot.on("message:successful_payment", (ctx) => ctx.reply("Thank you for your payment."));
  return bot;
}
