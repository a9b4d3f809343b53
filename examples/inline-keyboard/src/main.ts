/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, lets a user open the menu and click a button, prints it and exits.
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
  const { token: fake } = emulator.createBot({ username: "keyboard_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  console.log("Alice: /start");
  alice.send("/start");
  const shown = await alice.nextMessage({ timeoutMs: 10_000 });
  const labels = shown.reply_markup?.inline_keyboard.flat().map((b) => `[${b.text}]`);
  console.log(`  bot: ${shown.text} ${labels?.join(" ")}`);
  console.log("Alice clicks [Option 2]");
  alice.click("Option 2");
  console.log(`  bot (edited): ${(await alice.nextEdit({ timeoutMs: 10_000 })).text}`);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
