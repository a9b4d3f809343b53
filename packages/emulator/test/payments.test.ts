import type { Message, Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "shop_bot" });
  alice = emu.user({ first_name: "Alice", last_name: "Liddell", username: "alice" });
  alice.send("/start");
  await take();
});
afterEach(() => emu.close());

async function take(): Promise<Update[]> {
  const got = await ok<Update[]>(emu, bot.token, "getUpdates");
  const last = got.at(-1);
  if (last !== undefined) await ok(emu, bot.token, "getUpdates", { offset: last.update_id + 1 });
  return got;
}
/** Waits for the next update of a kind (polling the emulator). */
async function next<K extends keyof Update>(kind: K): Promise<NonNullable<Update[K]>> {
  for (;;) {
    const got = await ok<Update[]>(emu, bot.token, "getUpdates", { timeout: 5 });
    const first = got[0];
    if (first === undefined) continue;
    await ok(emu, bot.token, "getUpdates", { offset: first.update_id + 1 });
    const value = first[kind];
    if (value !== undefined) return value as NonNullable<Update[K]>;
  }
}

const invoice = (extra: Record<string, unknown> = {}) =>
  ok<Message>(emu, bot.token, "sendInvoice", {
    chat_id: alice.id,
    title: "Tea",
    description: "A pound of sencha",
    payload: "order-42",
    provider_token: "emulator-provider",
    currency: "USD",
    prices: [
      { label: "Tea", amount: 1500 },
      { label: "Tax", amount: 150 },
    ],
    ...extra,
  });

describe("payments", () => {
  it("sendInvoice stores an invoice message with the total", async () => {
    const m = await invoice({ start_parameter: "tea" });
    expect(m.invoice).toEqual({
      title: "Tea",
      description: "A pound of sencha",
      start_parameter: "tea",
      currency: "USD",
      total_amount: 1650,
    });
    expect((await alice.nextMessage()).invoice?.total_amount).toBe(1650);
  });

  it("validates invoices like Telegram", async () => {
    const bad = async (extra: Record<string, unknown>) =>
      (
        await call(emu, bot.token, "sendInvoice", {
          chat_id: alice.id,
          title: "Tea",
          description: "d",
          payload: "p",
          provider_token: "x",
          currency: "USD",
          prices: [{ label: "Tea", amount: 100 }],
          ...extra,
        })
      ).body.description;
    expect(await bad({ title: "x".repeat(33) })).toBe("Bad Request: TITLE_INVALID");
    expect(await bad({ payload: "p".repeat(129) })).toBe("Bad Request: PAYLOAD_INVALID");
    expect(await bad({ currency: "usd" })).toBe("Bad Request: CURRENCY_INVALID");
    expect(await bad({ provider_token: "" })).toBe("Bad Request: PAYMENT_PROVIDER_INVALID");
    expect(await bad({ currency: "XTR" })).toBe("Bad Request: PAYMENT_PROVIDER_INVALID");
    expect(await bad({ prices: [] })).toMatch(/prices must be non-empty/);
    expect(await bad({ prices: [{ label: "x", amount: 0 }] })).toBe(
      "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID",
    );
    expect(await bad({ suggested_tip_amounts: [100] })).toBe(
      "Bad Request: SUGGESTED_TIP_AMOUNTS_INVALID",
    ); // above max_tip_amount (0)
  });

  it("pay: pre_checkout_query, the bot accepts, successful_payment arrives from the user", async () => {
    const m = await invoice({ max_tip_amount: 500, need_name: true, need_email: true });
    const paying = alice.pay(m, { tip: 200 });
    const query = await next("pre_checkout_query");
    expect(query).toMatchObject({
      from: alice.user,
      currency: "USD",
      total_amount: 1850,
      invoice_payload: "order-42",
      order_info: { name: "Alice Liddell", email: "alice@example.com" },
    });
    await ok(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: query.id,
      ok: true,
    });
    const outcome = await paying;
    if (outcome.status !== "paid") throw new Error(outcome.status);
    expect(outcome.payment).toMatchObject({
      currency: "USD",
      total_amount: 1850,
      invoice_payload: "order-42",
    });
    expect(outcome.payment.telegram_payment_charge_id).not.toBe("");
    const message = await next("message");
    expect(message.from).toEqual(alice.user);
    expect(message.successful_payment).toEqual(outcome.payment);
    // answered once only
    const again = await call(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: query.id,
      ok: true,
    });
    expect(again.status).toBe(400);
  });

  it("a declined pre-checkout ends the payment, and needs an error message", async () => {
    const m = await invoice();
    const paying = alice.pay(m);
    const query = await next("pre_checkout_query");
    const silent = await call(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: query.id,
      ok: false,
    });
    expect(silent.body.description).toBe("Bad Request: ERROR_MESSAGE_EMPTY");
    await ok(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: query.id,
      ok: false,
      error_message: "Sold out",
    });
    expect(await paying).toEqual({ status: "declined", errorMessage: "Sold out" });
    expect(await take()).toEqual([]); // no successful_payment
  });

  it("a flexible invoice asks for shipping first; the chosen option adds to the total", async () => {
    const m = await invoice({ need_shipping_address: true, is_flexible: true });
    const paying = alice.pay(m, { shippingOption: "express" });
    const shipping = await next("shipping_query");
    expect(shipping.invoice_payload).toBe("order-42");
    expect(shipping.shipping_address.country_code).toBe("US");
    const empty = await call(emu, bot.token, "answerShippingQuery", {
      shipping_query_id: shipping.id,
      ok: true,
    });
    expect(empty.body.description).toBe("Bad Request: SHIPPING_OPTIONS_EMPTY");
    await ok(emu, bot.token, "answerShippingQuery", {
      shipping_query_id: shipping.id,
      ok: true,
      shipping_options: [
        { id: "post", title: "Post", prices: [{ label: "Post", amount: 300 }] },
        {
          id: "express",
          title: "Express",
          prices: [
            { label: "Courier", amount: 900 },
            { label: "Fuel", amount: 100 },
          ],
        },
      ],
    });
    const query = await next("pre_checkout_query");
    expect(query.shipping_option_id).toBe("express");
    expect(query.total_amount).toBe(1650 + 1000);
    expect(query.order_info?.shipping_address).toEqual(shipping.shipping_address);
    await ok(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: query.id,
      ok: true,
    });
    const outcome = await paying;
    expect(outcome.status === "paid" && outcome.payment.shipping_option_id).toBe("express");
  });

  it("a shipping query answered with ok: false stops the payment", async () => {
    const m = await invoice({ need_shipping_address: true, is_flexible: true });
    const paying = alice.pay(m);
    const shipping = await next("shipping_query");
    await ok(emu, bot.token, "answerShippingQuery", {
      shipping_query_id: shipping.id,
      ok: false,
      error_message: "We don't ship there",
    });
    expect(await paying).toEqual({
      status: "shipping_failed",
      errorMessage: "We don't ship there",
    });
  });

  it("an unanswered pre-checkout times out, and a late answer is refused", async () => {
    const m = await invoice();
    const outcome = await alice.pay(m, { timeoutMs: 100 });
    expect(outcome).toEqual({ status: "timeout", stage: "pre_checkout" });
    const [u] = await take();
    const late = await call(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: u?.pre_checkout_query?.id,
      ok: true,
    });
    expect(late.status).toBe(400);
  });

  it("Telegram Stars: no provider, one price, no order info; refundStarPayment once", async () => {
    const m = await ok<Message>(emu, bot.token, "sendInvoice", {
      chat_id: alice.id,
      title: "Sticker pack",
      description: "Digital",
      payload: "stars-1",
      currency: "XTR",
      prices: [{ label: "Pack", amount: 50 }],
      need_name: true, // ignored for Stars
    });
    const paying = alice.pay(m);
    const query = await next("pre_checkout_query");
    expect(query.order_info).toBeUndefined();
    await ok(emu, bot.token, "answerPreCheckoutQuery", {
      pre_checkout_query_id: query.id,
      ok: true,
    });
    const outcome = await paying;
    if (outcome.status !== "paid") throw new Error(outcome.status);
    const charge = outcome.payment.telegram_payment_charge_id;
    expect(
      await ok(emu, bot.token, "refundStarPayment", {
        user_id: alice.id,
        telegram_payment_charge_id: charge,
      }),
    ).toBe(true);
    const twice = await call(emu, bot.token, "refundStarPayment", {
      user_id: alice.id,
      telegram_payment_charge_id: charge,
    });
    expect(twice.body.description).toBe("Bad Request: CHARGE_ALREADY_REFUNDED");
  });

  it("refuses tips over the maximum and messages that are not invoices", async () => {
    const m = await invoice({ max_tip_amount: 100 });
    await expect(alice.pay(m, { tip: 101 })).rejects.toThrow(/tip/);
    const text = await ok<Message>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "hi",
    });
    await expect(alice.pay(text)).rejects.toThrow(/not an invoice/);
  });
});
