/**
 * With BOT_TOKEN (and DEVELOPER_CHAT_ID, your own chat id: /start tells it): long-polls
 * Telegram until Ctrl-C. Without: starts the @bot emulator in process, lets a user trigger
 * the bug, prints what the user and the developer receive, and exits.
 */
import { createEmulator } from "@bot/emulator";
import { createBot } from "./bot.ts";

const token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
  const developerChatId = Number(process.env.DEVELOPER_CHAT_ID);
  if (!Number.isSafeInteger(developerChatId)) {
    console.error("Set DEVELOPER_CHAT_ID to the chat that gets error reports.");
    process.exit(1);
  }
  const bot = createBot(token, { developerChatId });
  console.log("Polling Telegram; Ctrl-C stops.");
  await bot.start({ signals: ["SIGINT", "SIGTERM"] });
} else {
  console.log("No BOT_TOKEN: running against the @bot emulator.\n");
  const emulator = await createEmulator();
  const { token: fake } = emulator.createBot({ username: "error_handler_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const developer = emulator.user({ first_name: "Dev" });
  const bot = createBot(fake, {
    clientOptions: { apiRoot: emulator.apiRoot },
    developerChatId: developer.id,
    log: () => {},
  });
  const polling = bot.start({ timeout: 1 });
  const wait = { timeoutMs: 10_000 };
  developer.send("/start"); // a user must have started the bot before it can write to them
  await developer.nextMessage(wait);
  console.log("Alice: /bad_command");
  alice.send("/bad_command");
  console.log(`  bot: ${(await alice.nextMessage(wait)).text}`);
  console.log(`Dev receives:\n${(await developer.nextMessage(wait)).text}`);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
