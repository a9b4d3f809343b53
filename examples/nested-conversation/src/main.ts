/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator in
 * process, walks through the three levels of the conversation, prints it and exits.
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
  const { token: fake } = emulator.createBot({ username: "family_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const script: [string, () => void][] = [
    ["/start", () => alice.send("/start")],
    ["[Add family member]", () => alice.click("Add family member")],
    ["[Parent]", () => alice.click("Parent")],
    ["[Female]", () => alice.click("Female")],
    ["[Name]", () => alice.click("Name")],
    ["Mary", () => alice.send("Mary")],
    ["[Done]", () => alice.click("Done")],
    ["[Add yourself]", () => alice.click("Add yourself")],
    ["I write bots", () => alice.send("I write bots")],
    ["[Done]", () => alice.click("Done")],
  ];
  for (const [label, act] of script) {
    console.log(`Alice: ${label}`);
    act();
    const m = await alice.nextMessage({ timeoutMs: 10_000 });
    const buttons = m.reply_markup?.inline_keyboard
      .flat()
      .map((b) => `[${b.text}]`)
      .join(" ");
    console.log(
      `  bot: ${(m.text ?? "").replaceAll("\n", "\n       ")}${buttons ? `  ${buttons}` : ""}`,
    );
  }
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
