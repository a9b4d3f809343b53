import { createInterface } from "node:readline/promises";
import type { Bot } from "@bot/dispatcher";
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import type { Message } from "@bot/types";
import { createExampleBot, type ExampleContext } from "./bot.ts";

/** A running offline demo: the emulator, the example bot polling it, and a demo user. */
export interface Demo {
  readonly emulator: Emulator;
  readonly bot: Bot<ExampleContext>;
  readonly user: UserActor;
  /** Resolves when polling stopped. */
  readonly polling: Promise<void>;
  /** Stops the bot, then the emulator. */
  stop(): Promise<void>;
}

/**
 * Starts the emulator in process, creates a demo bot and a demo user, and starts
 * the example bot polling the emulator.
 *
 * @param options The demo user's first name (default "Alice"), whether polling handles SIGINT/SIGTERM,
 *   and whether the emulator serves its chat window (`emulator.uiUrl`).
 * @returns The running demo.
 */
export async function startDemo(
  options: { userName?: string; signals?: boolean; ui?: boolean } = {},
): Promise<Demo> {
  const emulator = await createEmulator({ ui: options.ui === true });
  const demoBot = emulator.createBot({ username: "example_bot", first_name: "Example" });
  const user = emulator.user({ first_name: options.userName ?? "Alice", username: "alice" });
  const bot = createExampleBot(demoBot.token, { clientOptions: { apiRoot: emulator.apiRoot } });
  await bot.init();
  const polling = bot.start({
    timeout: 10,
    signals: options.signals ? ["SIGINT", "SIGTERM"] : false,
  });
  return {
    emulator,
    bot,
    user,
    polling,
    async stop() {
      await bot.stop();
      await polling;
      await bot.api.close();
      await emulator.close();
    },
  };
}

function show(m: Message, edited = false): string {
  const keyboard = m.reply_markup?.inline_keyboard
    .flat()
    .map((b) => `[${b.text}]`)
    .join(" ");
  const text = (m.text ?? "<non-text message>").replaceAll("\n", "\n       ");
  return `  bot${edited ? " (edited)" : ""}: ${text}${keyboard ? `  ${keyboard}` : ""}`;
}

/**
 * Plays a short scripted conversation and prints it.
 *
 * @param demo The running demo.
 * @param print Where lines go.
 * @returns The transcript.
 */
export async function runScript(
  demo: Demo,
  print: (line: string) => void = console.log,
): Promise<string[]> {
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    print(l);
  };
  const { user, emulator } = demo;
  const say = async (text: string) => {
    out(`${user.user.first_name}: ${text}`);
    user.send(text);
    out(show(await user.nextMessage({ timeoutMs: 10_000 })));
  };
  await say("/start demo-link");
  await say("/help");
  await say("/count");
  await say("/count");
  await say("/whoami");
  await say("/menu");
  for (const button of ["➕", "➕", "➖"]) {
    out(`${user.user.first_name} presses ${button}`);
    const edited = emulator.waitFor(
      (e) => (e?.type === "edit" && e.chatId === user.id ? e.message : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    user.click(button);
    out(show(await edited, true));
  }
  await say("Hello, echo!");
  return lines;
}

/**
 * Lets a person talk to the bot as the demo user until they type /quit or end input.
 *
 * @param demo The running demo.
 */
export async function repl(demo: Demo): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  console.log(
    '\nYour turn: type messages as the demo user, "!press <button>" to press a button, /quit to stop.',
  );
  demo.emulator
    .waitFor(
      (e) => {
        if (e?.type === "edit" && e.chatId === demo.user.id) console.log(show(e.message, true));
        return undefined;
      },
      { timeoutMs: 2_147_483_647 },
    )
    .catch(() => {});
  try {
    for await (const line of rl) {
      const text = line.trim();
      if (text === "/quit") break;
      if (text === "") continue;
      try {
        if (text.startsWith("!press ")) demo.user.click(text.slice(7).trim());
        else {
          demo.user.send(text);
          console.log(show(await demo.user.nextMessage({ timeoutMs: 10_000 })));
        }
      } catch (error) {
        console.log(`  (${(error as Error).message})`);
      }
    }
  } finally {
    rl.close();
  }
}
