import { createInterface } from "node:readline/promises";
import type { Bot } from "@bot/dispatcher";
import { createEmulator, type Emulator, ManualClock, type UserActor } from "@bot/emulator";
import type { Message } from "@bot/types";
import { createExampleBot, type ExampleContext, publishCommands } from "./bot.ts";
import { describeDelay, parseReminder } from "./reminders.ts";
import { createServices, type Services } from "./services.ts";
import { runWorker } from "./worker.ts";

/** A running offline demo: the emulator, the example bot polling it, and a demo user. */
export interface Demo {
  readonly emulator: Emulator;
  readonly bot: Bot<ExampleContext>;
  readonly user: UserActor;
  /** The clock shared by the emulator and the memory jobs; `undefined` with Redis (BullMQ keeps real time). */
  readonly clock: ManualClock | undefined;
  /** Where sessions and reminders live. */
  readonly services: Services;
  /** Resolves when polling stopped. */
  readonly polling: Promise<void>;
  /** Stops the bot (and with it the jobs), then the emulator, then closes Redis. */
  stop(): Promise<void>;
}

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** The demo user's first name (default "Alice"). */
  readonly userName?: string;
  /** Whether polling handles SIGINT/SIGTERM. */
  readonly signals?: boolean;
  /** Redis for sessions and reminders (default: memory). */
  readonly redisUrl?: string | undefined;
  /** The key prefix in Redis. */
  readonly redisPrefix?: string;
  /** Whether the emulator serves its chat window (`emulator.uiUrl`). */
  readonly ui?: boolean;
  /** Run as a worker on the Redis update queue instead of plain long polling (needs `redisUrl`). */
  readonly worker?: boolean;
}

/**
 * Starts the emulator in process, creates a demo bot and a demo user, and starts the example
 * bot polling the emulator. With the memory defaults the emulator and the reminders share a
 * `ManualClock`, so the demo can move time forward instead of waiting.
 *
 * @param options The demo user's name, signal handling, Redis, the chat window.
 * @returns The running demo.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const clock = options.redisUrl === undefined ? new ManualClock() : undefined;
  const services = await createServices({
    redisUrl: options.redisUrl,
    ...(options.redisPrefix === undefined ? {} : { redisPrefix: options.redisPrefix }),
    ...(clock === undefined ? {} : { clock }),
  });
  const emulator = await createEmulator({
    ui: options.ui === true,
    ...(clock === undefined ? {} : { clock }),
  });
  const demoBot = emulator.createBot({ username: "example_bot", first_name: "Example" });
  const user = emulator.user({ first_name: options.userName ?? "Alice", username: "alice" });
  const { bot, jobs } = createExampleBot(demoBot.token, {
    bot: { storage: services.storage, clientOptions: { apiRoot: emulator.apiRoot } },
    jobsDriver: services.jobsDriver,
  });
  await bot.init();
  await publishCommands(bot);
  await jobs.start();
  let polling: Promise<void>;
  if (options.worker === true) {
    if (services.queue === undefined) throw new Error("example: the worker mode needs Redis");
    if (options.signals)
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void bot.stop());
    polling = runWorker(bot, services.queue);
  } else {
    let live!: () => void;
    const started = new Promise<void>((resolve) => {
      live = resolve;
    });
    polling = bot.start({
      timeout: 10,
      signals: options.signals ? ["SIGINT", "SIGTERM"] : false,
      onStart: () => live(),
    });
    await Promise.race([started, polling]);
  }
  return {
    emulator,
    bot,
    user,
    clock,
    services,
    polling,
    async stop() {
      await bot.stop();
      await polling;
      await bot.api.close();
      await emulator.close();
      await services.close();
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
  const me = user.user.first_name;
  const say = async (text: string) => {
    out(`${me}: ${text}`);
    user.send(text);
    out(show(await user.nextMessage({ timeoutMs: 10_000 })));
  };
  const press = async (button: string) => {
    out(`${me} presses ${button}`);
    const edited = user.nextEdit({ timeoutMs: 10_000 });
    user.click(button);
    out(show(await edited, true));
  };
  const menu = await demo.bot.api.getMyCommands({});
  out(`(command menu: ${menu.map((c) => `/${c.command}`).join(" ")})`);
  await say("/start demo-link");
  await say("/help");
  await say("/count");
  await say("/count");
  await say("/whoami");
  await say("/menu");
  for (const button of ["➕", "➕", "➖"]) await press(button);

  await say("/onboard");
  await say("Ada");
  await press("TypeScript");
  out(show(await user.nextMessage({ timeoutMs: 10_000 })));
  await say("/profile");

  // With the memory defaults the demo moves the shared clock; BullMQ (Redis) runs on real time.
  const reminder =
    demo.clock === undefined ? "/remind 2s stretch your legs" : "/remind 10m stretch your legs";
  await say(reminder);
  const delay = parseReminder(reminder.slice("/remind".length))?.delayMs ?? 0;
  if (demo.clock !== undefined) {
    out(`(${describeDelay(delay)} pass on the emulator's clock)`);
    await demo.clock.advanceAsync(delay);
  } else out(`(waiting ${describeDelay(delay)}: BullMQ runs the reminder from Redis)`);
  out(show(await user.nextMessage({ timeoutMs: delay + 15_000 })));

  out(`${me} types "@${demo.bot.me.username} hello" in a chat (inline mode)`);
  const answered = emulator.waitFor((e) => (e?.type === "inline_answer" ? e.results : undefined), {
    timeoutMs: 10_000,
  });
  user.inline("hello");
  const results = (await answered) as { title?: string }[];
  out(`  bot offers: ${results.map((r) => `[${r.title}]`).join(" ")}`);

  await say("Hello, echo!");
  return lines;
}

/**
 * Lets the demo's manual clock follow real time (one second per second), so reminders set by
 * a person fire when due. Does nothing with Redis (BullMQ is on real time already).
 *
 * @param demo The running demo.
 * @returns Stops following.
 */
export function followRealTime(demo: Demo): () => void {
  const clock = demo.clock;
  if (clock === undefined) return () => {};
  const ticker = setInterval(() => void clock.advanceAsync(1_000), 1_000);
  return () => clearInterval(ticker);
}

/**
 * Lets a person talk to the bot as the demo user until they type /quit or end input. With the
 * memory defaults the emulator's clock follows real time, and `!wait 10m` jumps ahead.
 *
 * @param demo The running demo.
 */
export async function repl(demo: Demo): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  console.log(
    '\nYour turn: type messages as the demo user, "!press <button>" to press a button, "!wait 10m" to move the clock, /quit to stop.',
  );
  const clock = demo.clock;
  const stopClock = followRealTime(demo);
  demo.emulator
    .waitFor(
      (e) => {
        // replies, edits and messages the bot sends on its own (reminders), as they happen
        if (e?.type === "edit" && e.chatId === demo.user.id) console.log(show(e.message, true));
        if (e?.type === "message" && e.chatId === demo.user.id) console.log(show(e.message));
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
        else if (text.startsWith("!wait ")) {
          const ms = parseReminder(`${text.slice(6).trim()} x`)?.delayMs;
          if (clock === undefined || ms === undefined)
            console.log("  (!wait 10m: memory mode only)");
          else await clock.advanceAsync(ms);
        } else demo.user.send(text);
      } catch (error) {
        console.log(`  (${(error as Error).message})`);
      }
    }
  } finally {
    stopClock();
    rl.close();
  }
}
