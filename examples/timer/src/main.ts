/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C, alarms on the wall clock. Without: starts
 * the @bot emulator in process on a manual clock, sets a 5 s timer and moves the clock 5 s
 * forward (no real waiting), prints the conversation and exits.
 */
import { createEmulator, ManualClock } from "@bot/emulator";
import { createBot } from "./bot.ts";

const token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
  const { bot, jobs } = createBot(token);
  await jobs.start();
  console.log("Polling Telegram; Ctrl-C stops.");
  await bot.start({ signals: ["SIGINT", "SIGTERM"] });
} else {
  console.log("No BOT_TOKEN: running against the @bot emulator on a manual clock.\n");
  const clock = new ManualClock();
  const emulator = await createEmulator({ clock });
  const { token: fake } = emulator.createBot({ username: "timer_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const { bot, jobs } = createBot(fake, {
    bot: { clientOptions: { apiRoot: emulator.apiRoot } },
    clock,
  });
  await jobs.start();
  const polling = bot.start({ timeout: 1 });
  for (const text of ["/start", "/set 5"]) {
    console.log(`Alice: ${text}`);
    alice.send(text);
    console.log(`  bot: ${(await alice.nextMessage({ timeoutMs: 10_000 })).text}`);
  }
  console.log("(the clock moves 5 seconds forward)");
  await clock.advanceAsync(5_000);
  console.log(`  bot: ${(await alice.nextMessage({ timeoutMs: 10_000 })).text}`);
  await bot.stop(); // stops the jobs too
  await polling;
  await bot.api.close();
  await emulator.close();
}
