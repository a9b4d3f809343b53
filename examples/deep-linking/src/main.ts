/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, follows the bot's deep links as a user would, prints it and exits.
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
  const { token: fake } = emulator.createBot({ username: "deep_link_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const wait = { timeoutMs: 10_000 };
  let text = "/start";
  // Opening https://t.me/<bot>?start=<payload> makes Telegram send "/start <payload>".
  for (let step = 0; step < 3; step++) {
    console.log(`Alice: ${text}`);
    alice.send(text);
    const reply = await alice.nextMessage(wait);
    const button = reply.reply_markup?.inline_keyboard[0]?.[0];
    console.log(`  bot: ${reply.text}${button ? ` [${button.text}]` : ""}`);
    const link = button && "url" in button ? button.url : reply.text?.split("\n")[1];
    const payload = link === undefined ? undefined : new URL(link).searchParams.get("start");
    if (payload === undefined || payload === null) break;
    text = `/start ${payload}`;
  }
  console.log("Alice clicks [Like this!]");
  alice.click("Like this!");
  console.log(`  bot (edited): ${(await alice.nextEdit(wait)).text}`);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
