import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import type { Message } from "@bot/types";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot, PAYLOAD } from "../src/bot.ts";

let emulator: Emulator;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
let alice: UserActor;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "shop_bot" });
  alice = emulator.user({ first_name: "Alice", last_name: "Liddell", username: "alice" });
  bot = createBot(token, {
    bot: { clientOptions: { apiRoot: emulator.apiRoot, retry: false } },
    providerToken: "emulator-provider",
  });
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start({ timeout: 1 });
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
  expect(errors).toEqual([]);
});

async function invoiceFor(command: string): Promise<Message> {
  alice.send(command);
  return alice.nextMessage({ timeoutMs: 10_000 });
}

it("/start explains the commands", async () => {
  alice.send("/start");
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toMatch(/^Use \/shipping/);
});

it("/shipping: address and contact asked, two shipping options, option B adds 3.50", async () => {
  const invoice = await invoiceFor("/shipping");
  expect(invoice.invoice).toEqual({
    title: "Payment Example",
    description: "Example of a payment process with @bot",
    start_parameter: "",
    currency: "USD",
    total_amount: 100,
  });
  const outcome = await alice.pay(invoice, { shippingOption: "2" });
  if (outcome.status !== "paid") throw new Error(outcome.status);
  expect(outcome.payment).toMatchObject({
    currency: "USD",
    total_amount: 100 + 150 + 200,
    invoice_payload: PAYLOAD,
    shipping_option_id: "2",
    order_info: {
      name: "Alice Liddell",
      email: "alice@example.com",
      shipping_address: { country_code: "US" },
    },
  });
  expect(outcome.payment.order_info?.phone_number).toMatch(/^\+1555/);
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Thank you for your payment.");
  // the shipping answer offered both options
  const shipping = emulator.events().find((e) => e.type === "shipping_answer");
  expect(
    shipping?.type === "shipping_answer" && shipping.shippingOptions?.map((o) => o.id),
  ).toEqual(["1", "2"]);
});

it("/noshipping: no shipping query, no order info, the price as is", async () => {
  const before = emulator.events().filter((e) => e.type === "shipping_answer").length;
  const invoice = await invoiceFor("/noshipping");
  const outcome = await alice.pay(invoice);
  if (outcome.status !== "paid") throw new Error(outcome.status);
  expect(outcome.payment.total_amount).toBe(100);
  expect(outcome.payment.order_info).toBeUndefined();
  expect(emulator.events().filter((e) => e.type === "shipping_answer")).toHaveLength(before);
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Thank you for your payment.");
});

it("/stars: an invoice in Telegram Stars, paid", async () => {
  const invoice = await invoiceFor("/stars");
  expect(invoice.invoice).toMatchObject({ currency: "XTR", total_amount: 1 });
  const outcome = await alice.pay(invoice);
  expect(outcome.status).toBe("paid");
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Thank you for your payment.");
});

it("the pre-checkout answer comes well within Telegram's 10 s", async () => {
  const invoice = await invoiceFor("/noshipping");
  const outcome = await alice.pay(invoice, { timeoutMs: 5_000 });
  expect(outcome.status).toBe("paid");
  await alice.nextMessage({ timeoutMs: 10_000 });
});

it("without a provider token, card invoices are refused with a hint and Stars still work", async () => {
  const emu2 = await createEmulator();
  const { token } = emu2.createBot({ username: "shop_bot" });
  const bob = emu2.user({ first_name: "Bob" });
  const bare = createBot(token, {
    bot: { clientOptions: { apiRoot: emu2.apiRoot, retry: false } },
  });
  const run = bare.start({ timeout: 1 });
  try {
    bob.send("/shipping");
    expect((await bob.nextMessage({ timeoutMs: 10_000 })).text).toMatch(
      /set PAYMENT_PROVIDER_TOKEN/,
    );
    bob.send("/stars");
    expect((await bob.nextMessage({ timeoutMs: 10_000 })).invoice?.currency).toBe("XTR");
  } finally {
    await bare.stop();
    await run;
    await bare.api.close();
    await emu2.close();
  }
});
