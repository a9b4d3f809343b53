/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator in
 * process, lets a user walk through the conversation, prints it and exits.
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
  const { token: fake } = emulator.createBot({ username: "professor_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const steps: [string, () => void][] = [
    ["/start", () => alice.send("/start")],
    ["Girl", () => alice.send("Girl")],
    ["(a photo)", () => alice.sendPhoto()],
    ["/skip", () => alice.send("/skip")],
    ["I like tea and TypeScript.", () => alice.send("I like tea and TypeScript.")],
  ];
  for (const [label, act] of steps) {
    console.log(`Alice: ${label}`);
    act();
    const text = (await alice.nextMessage({ timeoutMs: 10_000 })).text ?? "";
    console.log(`  bot: ${text.replaceAll("\n", "\n       ")}`);
  }
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
