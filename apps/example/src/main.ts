/**
 * The example bot. Without BOT_TOKEN it starts a local emulator in process,
 * plays a short scripted conversation, and (at a terminal) lets you talk to it.
 * With `--ui` it also opens the emulator's chat window and keeps running until Ctrl-C.
 * With BOT_TOKEN it runs against Telegram, by long polling or as a webhook.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { type Demo, repl, runScript, startDemo } from "./demo.ts";
import { runReal } from "./real.ts";

/** The commands the chat window's menu shows (what `/help` lists). */
const COMMANDS = [
  { command: "start", description: "Greet you" },
  { command: "help", description: "What I can do" },
  { command: "count", description: "Count in this chat" },
  { command: "menu", description: "An inline keyboard that edits the message" },
  { command: "whoami", description: "Your name, formatted" },
];

async function chatWindow(demo: Demo): Promise<void> {
  const { emulator, user } = demo;
  await demo.bot.api.setMyCommands({ commands: COMMANDS });
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
  await demo.polling;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const ui = process.argv.slice(2).includes("--ui");
  if (config.token === undefined) {
    console.log(
      "No BOT_TOKEN: starting the @bot emulator (a local Telegram) with a demo bot and user.\n",
    );
    const demo = await startDemo({ signals: true, ui });
    console.log(
      `Emulator listening at ${demo.emulator.url}; the bot polls it as @${demo.bot.me.username}.\n`,
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
