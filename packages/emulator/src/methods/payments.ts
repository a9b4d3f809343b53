import type { LabeledPrice, Message, ShippingOption } from "@bot/types";
import { badRequest } from "../errors.js";
import { optBool, optInt, optString } from "../params.js";
import type { InvoiceRecord } from "../state.js";
import { sendAsBot, targetChat } from "./common.js";
import type { CallContext, MethodHandler } from "./context.js";

const encoder = new TextEncoder();

/**
 * Checks a list of `LabeledPrice`s.
 *
 * @param value The parameter.
 * @param what The parameter's name, for the error.
 * @returns The prices.
 */
export function checkPrices(value: unknown, what: string): LabeledPrice[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest(`${what} must be non-empty`);
  return value.map((p) => {
    const price = p as Partial<LabeledPrice> | null;
    if (
      typeof price?.label !== "string" ||
      price.label === "" ||
      typeof price.amount !== "number" ||
      !Number.isInteger(price.amount)
    )
      throw badRequest(`can't parse ${what}: each needs a label and an integer amount`);
    return { label: price.label, amount: price.amount };
  });
}

const total = (prices: readonly LabeledPrice[]) => prices.reduce((n, p) => n + p.amount, 0);

function sendInvoice(ctx: CallContext): Message {
  const record = targetChat(ctx);
  const p = ctx.params;
  const title = optString(p, "title") ?? "";
  const description = optString(p, "description") ?? "";
  const payload = optString(p, "payload") ?? "";
  const currency = optString(p, "currency") ?? "";
  const providerToken = optString(p, "provider_token") ?? "";
  if ([...title].length < 1 || [...title].length > 32) throw badRequest("TITLE_INVALID");
  if ([...description].length < 1 || [...description].length > 255)
    throw badRequest("DESCRIPTION_INVALID");
  const payloadBytes = encoder.encode(payload).length;
  if (payloadBytes < 1 || payloadBytes > 128) throw badRequest("PAYLOAD_INVALID");
  if (!/^[A-Z]{3}$/.test(currency)) throw badRequest("CURRENCY_INVALID");
  const stars = currency === "XTR";
  if (stars && providerToken !== "") throw badRequest("PAYMENT_PROVIDER_INVALID");
  if (!stars && providerToken === "") throw badRequest("PAYMENT_PROVIDER_INVALID");
  const prices = checkPrices(p.prices, "prices");
  if (stars && prices.length !== 1) throw badRequest("STARS_INVOICE_INVALID");
  if (total(prices) <= 0) throw badRequest("CURRENCY_TOTAL_AMOUNT_INVALID");
  const maxTip = optInt(p, "max_tip_amount") ?? 0;
  const tips = p.suggested_tip_amounts;
  if (tips !== undefined) {
    if (
      !Array.isArray(tips) ||
      tips.length > 4 ||
      tips.some(
        (t, i) => !Number.isInteger(t) || t <= 0 || t > maxTip || (i > 0 && t <= tips[i - 1]),
      )
    )
      throw badRequest("SUGGESTED_TIP_AMOUNTS_INVALID");
  }
  const invoice: InvoiceRecord = {
    payload,
    currency,
    prices,
    maxTipAmount: maxTip,
    // Stars payments ignore these (digital goods only)
    needName: !stars && optBool(p, "need_name") === true,
    needPhoneNumber: !stars && optBool(p, "need_phone_number") === true,
    needEmail: !stars && optBool(p, "need_email") === true,
    needShippingAddress: !stars && optBool(p, "need_shipping_address") === true,
    isFlexible: !stars && optBool(p, "is_flexible") === true,
  };
  if (invoice.isFlexible && !invoice.needShippingAddress)
    throw badRequest("is_flexible needs need_shipping_address");
  const message = sendAsBot(ctx, record, {
    invoice: {
      title,
      description,
      start_parameter: optString(p, "start_parameter") ?? "",
      currency,
      total_amount: total(prices),
    },
  });
  ctx.bot.invoices.set(`${record.chat.id}:${message.message_id}`, invoice);
  return message;
}

function takeQuery(ctx: CallContext, param: string, kind: "shipping" | "pre_checkout") {
  const id = optString(ctx.params, param) ?? "";
  const query = ctx.bot.paymentQueries.get(id);
  if (query === undefined || query.kind !== kind || query.answered)
    throw badRequest("query is too old and response timeout expired or query ID is invalid");
  return { id, query };
}

function answerShippingQuery(ctx: CallContext): true {
  const { id, query } = takeQuery(ctx, "shipping_query_id", "shipping");
  const ok = optBool(ctx.params, "ok");
  if (ok === undefined) throw badRequest("ok must be specified");
  let options: ShippingOption[] | undefined;
  const errorMessage = optString(ctx.params, "error_message");
  if (ok) {
    const raw = ctx.params.shipping_options;
    if (!Array.isArray(raw) || raw.length === 0) throw badRequest("SHIPPING_OPTIONS_EMPTY");
    const ids = new Set<string>();
    options = raw.map((o) => {
      const opt = o as Partial<ShippingOption> | null;
      if (typeof opt?.id !== "string" || opt.id === "" || typeof opt.title !== "string")
        throw badRequest("SHIPPING_OPTION_INVALID");
      if (ids.has(opt.id)) throw badRequest("SHIPPING_ID_DUPLICATE");
      ids.add(opt.id);
      return {
        id: opt.id,
        title: opt.title,
        prices: checkPrices(opt.prices, "shipping option prices"),
      };
    });
  } else if (errorMessage === undefined || errorMessage === "")
    throw badRequest("ERROR_MESSAGE_EMPTY");
  query.answered = true;
  ctx.world.events.emit({
    type: "shipping_answer",
    botId: ctx.bot.id,
    queryId: id,
    ok,
    shippingOptions: options,
    errorMessage: ok ? undefined : errorMessage,
  });
  return true;
}

function answerPreCheckoutQuery(ctx: CallContext): true {
  const { id, query } = takeQuery(ctx, "pre_checkout_query_id", "pre_checkout");
  const ok = optBool(ctx.params, "ok");
  if (ok === undefined) throw badRequest("ok must be specified");
  const errorMessage = optString(ctx.params, "error_message");
  if (!ok && (errorMessage === undefined || errorMessage === ""))
    throw badRequest("ERROR_MESSAGE_EMPTY");
  query.answered = true;
  ctx.world.events.emit({
    type: "pre_checkout_answer",
    botId: ctx.bot.id,
    queryId: id,
    ok,
    errorMessage: ok ? undefined : errorMessage,
  });
  return true;
}

function refundStarPayment(ctx: CallContext): true {
  const userId = optInt(ctx.params, "user_id");
  const charge = ctx.bot.charges.get(optString(ctx.params, "telegram_payment_charge_id") ?? "");
  if (charge === undefined || charge.userId !== userId) throw badRequest("CHARGE_NOT_FOUND");
  if (charge.currency !== "XTR") throw badRequest("CHARGE_NOT_FOUND");
  if (charge.refunded) throw badRequest("CHARGE_ALREADY_REFUNDED");
  charge.refunded = true;
  return true;
}

/** Invoices, shipping and pre-checkout answers, refunds of Stars. */
export const paymentMethods: Record<string, MethodHandler> = {
  sendInvoice,
  answerShippingQuery,
  answerPreCheckoutQuery,
  refundStarPayment,
};
