/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, lets a user pick numbers until the list overflows into the store, clears
 * the store, presses an old button, prints it all and exits.
 */
import { createEmulator } from "@bot/emulator";
import { createBot } from "./bot.ts";

const token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
  const bot = createBot(token);
  console.log("Polling Telegram; Ctrl-C stops.");
  await bot.start({ signals: ["SIGINT", "SIGTERM"] });
} else {
  console.log("No BOT_TOKEN: running against the @bot emulator.\n");
  const emulator = await createEmulator();
  const { token: fake } = emulator.createBot({ username: "callback_data_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const wait = { timeoutMs: 10_000 };
  console.log("Alice: /start");
  alice.send("/start");
  console.log(`  bot: ${(await alice.nextMessage(wait)).text}`);
  // 30 clicks: the list outgrows the 64 bytes of a button and moves to the store
  const picks = Array.from({ length: 30 }, (_, i) => String(((i * 7) % 5) + 1));
  for (const [i, n] of picks.entries()) {
    alice.click(n);
    const edited = await alice.nextEdit(wait);
    if (i < 3 || i >= picks.length - 2) {
      const data = edited.reply_markup?.inline_keyboard[0]?.[0]?.callback_data ?? "";
      console.log(
        `Alice clicks [${n}]\n  bot (edited): ${edited.text}\n    (button data: ${data})`,
      );
    } else if (i === 3) console.log("  ...");
  }
  console.log("Alice: /clear");
  alice.send("/clear");
  console.log(`  bot: ${(await alice.nextMessage(wait)).text}`);
  console.log("Alice clicks [1] on the old keyboard");
  alice.click("1");
  console.log(`  bot (edited): ${(await alice.nextEdit(wait)).text}`);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
