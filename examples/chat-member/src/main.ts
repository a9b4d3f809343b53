/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C (make the bot an administrator of a group
 * to see the greetings). Without: starts the @bot emulator in process, adds the bot to a group
 * and a channel, lets people join and leave, prints it and exits.
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
  const handle = emulator.createBot({ username: "member_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bob = emulator.user({ first_name: "Bob" });
  const carol = emulator.user({ first_name: "Carol" });
  const bot = createBot(handle.token, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const group = emulator.group({ title: "Book club", members: [alice], bots: [] });
  const news = emulator.channel({ title: "News", members: [alice], bots: [] });
  const next = (chat?: { id: number }) =>
    alice.nextMessage({ timeoutMs: 10_000, ...(chat ? { chat } : {}) });

  console.log("Alice: /start");
  alice.send("/start");
  console.log(`  bot: ${(await next()).text}`);
  console.log("Alice adds the bot to Book club (as an administrator) and to the channel News");
  alice.add(group, handle);
  emulator.setMember(group, handle, "administrator");
  alice.add(news, handle);
  for (const [what, act] of [
    ["Bob joins Book club", () => bob.join(group)],
    ["Alice adds Carol", () => alice.add(group, carol)],
    ["Carol leaves", () => carol.leave(group)],
    ["Alice removes Bob", () => alice.remove(group, bob)],
  ] as const) {
    console.log(what);
    act();
    console.log(`  bot (in Book club): ${(await next(group)).text}`);
  }
  console.log("Alice: /show_chats");
  alice.send("/show_chats");
  console.log(`  bot: ${(await next()).text}`);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
