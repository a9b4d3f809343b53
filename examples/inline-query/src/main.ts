/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C (enable inline mode with @BotFather).
 * Without: starts the @bot emulator in process, types an inline query, prints the offered
 * articles and exits.
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
  const { token: fake } = emulator.createBot({ username: "inline_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  console.log("Alice types: @inline_bot hello world");
  const query = alice.inline("hello world");
  const deadline = Date.now() + 10_000;
  let answer: ReturnType<typeof emulator.events>[number] | undefined;
  while (answer === undefined && Date.now() < deadline) {
    answer = emulator.events().find((e) => e.type === "inline_answer" && e.queryId === query.id);
    if (answer === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  if (answer?.type === "inline_answer") {
    for (const r of answer.results as { title: string; input_message_content: object }[]) {
      console.log(`  offered: ${r.title} -> ${JSON.stringify(r.input_message_content)}`);
    }
  } else console.log("  no answer");
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
