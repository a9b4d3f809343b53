/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, lets a user talk to the bot, prints the conversation and exits.
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
  const { token: fake } = emulator.createBot({ username: "echo_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  for (const text of ["/start", "/help", "Hello, echo!"]) {
    console.log(`Alice: ${text}`);
    alice.send(text);
    console.log(`  bot: ${(await alice.nextMessage({ timeoutMs: 10_000 })).text}`);
  }
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
