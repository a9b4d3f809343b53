/**
 * With BOT_TOKEN (and PAYMENT_PROVIDER_TOKEN for card payments): long-polls Telegram until
 * Ctrl-C. Without: starts the @bot emulator in process, where a user pays an invoice with
 * shipping, one without, and one in Stars; prints it and exits.
 */
import { createEmulator } from "@bot/emulator";
import type { Message } from "@bot/types";
import { createBot } from "./bot.ts";

const token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
  const bot = createBot(token, { providerToken: process.env.PAYMENT_PROVIDER_TOKEN });
  console.log("Polling Telegram; Ctrl-C stops.");
  await bot.start({ signals: ["SIGINT", "SIGTERM"] });
} else {
  console.log(
    "No BOT_TOKEN: running against the @bot emulator (any provider token is accepted).\n",
  );
  const emulator = await createEmulator();
  const { token: fake } = emulator.createBot({ username: "shop_bot" });
  const alice = emulator.user({ first_name: "Alice", username: "alice" });
  const bot = createBot(fake, {
    bot: { clientOptions: { apiRoot: emulator.apiRoot } },
    providerToken: "emulator-provider",
  });
  const polling = bot.start({ timeout: 1 });
  const next = () => alice.nextMessage({ timeoutMs: 10_000 });
  const price = (m: Message) => `${(m.invoice?.total_amount ?? 0) / 100} ${m.invoice?.currency}`;

  console.log("Alice: /start");
  alice.send("/start");
  console.log(`  bot: ${(await next()).text}`);
  for (const [command, pay] of [
    ["/shipping", { shippingOption: "2" }],
    ["/noshipping", {}],
    ["/stars", {}],
  ] as const) {
    console.log(`Alice: ${command}`);
    alice.send(command);
    const invoice = await next();
    const amount =
      invoice.invoice?.currency === "XTR"
        ? `${invoice.invoice.total_amount} Stars`
        : price(invoice);
    console.log(`  bot: invoice "${invoice.invoice?.title}", ${amount}`);
    const outcome = await alice.pay(invoice, pay);
    if (outcome.status !== "paid") throw new Error(`payment ${outcome.status}`);
    const p = outcome.payment;
    const shipping =
      p.shipping_option_id === undefined ? "" : `, shipping option ${p.shipping_option_id}`;
    console.log(`Alice pays ${p.total_amount} (${p.currency}${shipping})`);
    console.log(`  bot: ${(await next()).text}`);
  }
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
