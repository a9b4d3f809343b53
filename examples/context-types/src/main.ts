/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, clicks the button a few times, prints it and exits.
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
  const { token: fake } = emulator.createBot({ username: "context_types_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const wait = { timeoutMs: 10_000 };
  console.log("Alice: /start");
  alice.send("/start");
  console.log(`  bot: ${(await alice.nextMessage(wait)).text} [Click me!]`);
  for (let i = 0; i < 3; i++) {
    console.log("Alice clicks [Click me!]");
    alice.click("Click me!");
    console.log(`  bot (edited): ${(await alice.nextEdit(wait)).text}`);
  }
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
