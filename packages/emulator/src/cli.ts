import { parseArgs } from "node:util";
import { createEmulator } from "./emulator.js";

const USAGE =
  "Usage: bot-emulator [--port 8081] [--host 127.0.0.1] [--username demo_bot] [--token <id>:<secret>] [--ui]\n" +
  "  --ui  also serve the chat window: a web page to talk to the bot as a user\n";

/**
 * Runs `bot-emulator [--port 8081] [--host 127.0.0.1] [--username demo_bot] [--token t] [--ui]`:
 * starts an emulator with a demo bot and prints its token and URL; with `--ui` it also serves
 * the chat window and adds a second user and a group to try it with.
 *
 * @param argv The command-line arguments.
 * @returns Resolves once the server is listening.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string", default: "8081" },
      host: { type: "string", default: "127.0.0.1" },
      username: { type: "string", default: "demo_bot" },
      token: { type: "string" },
      ui: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write("@bot/emulator: --port must be an integer 0-65535\n");
    process.exitCode = 2;
    return;
  }
  const emu = await createEmulator({ port, host: values.host, ui: values.ui });
  const bot = emu.createBot({
    username: values.username,
    first_name: "Demo Bot",
    ...(values.token === undefined ? {} : { token: values.token }),
  });
  const user = emu.user({ first_name: "Demo", username: "demo_user" });
  const lines = [
    `Bot API emulator listening on ${emu.url}`,
    `  bot:      @${bot.username} (id ${bot.id})`,
    `  token:    ${bot.token}`,
    `  apiRoot:  ${emu.apiRoot}`,
    `  user:     ${user.user.first_name} (id ${user.id})`,
  ];
  if (emu.uiUrl !== undefined) {
    const bob = emu.user({ first_name: "Bob", username: "bob" });
    emu.group({ title: "Demo group", members: [user, bob] });
    lines.push(`  user:     ${bob.user.first_name} (id ${bob.id}), both in "Demo group"`);
    lines.push(`Chat window: ${emu.uiUrl}`);
  }
  lines.push(
    `Point your bot at it, e.g. grammY: new Bot(token, { client: { apiRoot: "${emu.apiRoot}" } })`,
    "",
  );
  process.stdout.write(lines.join("\n"));
  const stop = (): void => {
    void emu.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
