/**
 * The example bot. Without BOT_TOKEN it starts a local emulator in process,
 * plays a short scripted conversation, and (at a terminal) lets you talk to it.
 * With BOT_TOKEN it runs against Telegram, by long polling or as a webhook.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { repl, runScript, startDemo } from "./demo.ts";
import { runReal } from "./real.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.token === undefined) {
    console.log(
      "No BOT_TOKEN: starting the @bot emulator (a local Telegram) with a demo bot and user.\n",
    );
    const demo = await startDemo({ signals: true });
    console.log(
      `Emulator listening at ${demo.emulator.url}; the bot polls it as @${demo.bot.me.username}.\n`,
    );
    await runScript(demo);
    if (config.interactive) await repl(demo);
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
