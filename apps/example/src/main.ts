/**
 * The example bot. Without BOT_TOKEN it starts a local emulator in process,
 * plays a short scripted conversation, and (at a terminal) lets you talk to it.
 * With `--ui` it also opens the emulator's chat window and keeps running until Ctrl-C.
 * With BOT_TOKEN it runs against Telegram, by long polling or as a webhook. REDIS_URL moves
 * sessions to Redis (@bot/persistence-redis) and reminders to BullMQ (@bot/jobs/bullmq).
 */
import { ConfigError, loadConfig } from "./config.ts";
import { type Demo, followRealTime, repl, runScript, startDemo } from "./demo.ts";
import { runReal } from "./real.ts";

async function chatWindow(demo: Demo): Promise<void> {
  const { emulator, user } = demo;
  const bob = emulator.user({ first_name: "Bob", username: "bob" });
  emulator.group({ title: "Example group", members: [user, bob] });
  console.log(
    [
      "",
      `Chat window: ${emulator.uiUrl}`,
      `  Open it in a browser to talk to @${demo.bot.me.username} as ${user.user.first_name} or Bob,`,
      '  in the private chat or in "Example group". Ctrl-C stops.',
    ].join("\n"),
  );
  const stopClock = followRealTime(demo); // reminders fire in real time from here on
  await demo.polling;
  stopClock();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const ui = process.argv.slice(2).includes("--ui");
  if (config.token === undefined) {
    console.log(
      "No BOT_TOKEN: starting the @bot emulator (a local Telegram) with a demo bot and user.\n",
    );
    const demo = await startDemo({
      signals: true,
      ui,
      redisUrl: config.redisUrl,
      redisPrefix: config.redisPrefix,
      worker: config.mode === "worker",
    });
    console.log(
      `Emulator listening at ${demo.emulator.url}; the bot polls it as @${demo.bot.me.username}` +
        ` (${demo.services.kind} storage and jobs${config.mode === "worker" ? ", through the Redis update queue" : ""}).\n`,
    );
    await runScript(demo);
    if (ui) await chatWindow(demo);
    else if (config.interactive) await repl(demo);
    await demo.stop();
    console.log("\nDemo finished. Set BOT_TOKEN to run the same bot on Telegram.");
    return;
  }
  await runReal(config);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error("example: fatal:", error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
