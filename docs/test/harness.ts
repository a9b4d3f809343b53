import type { Bot, BotOptions, Context } from "@bot/dispatcher";
import { createEmulator, type Emulator, type ManualClock, type UserActor } from "@bot/emulator";

export interface Running {
  emu: Emulator;
  alice: UserActor;
  errors: unknown[];
  /** The text of Alice's next message from the bot. */
  next(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts an emulator and a snippet's bot on it (long polling), with Alice to talk to it.
 * Errors reaching `bot.catch` are collected: a test checks there were none.
 */
export async function run<C extends Context>(
  createBot: (token: string, options: BotOptions<C>) => Bot<C>,
  options: { clock?: ManualClock; beforeStart?: (bot: Bot<C>) => Promise<void> } = {},
): Promise<Running & { bot: Bot<C> }> {
  const emu = await createEmulator(options.clock ? { clock: options.clock } : {});
  const { token } = emu.createBot({ username: "docs_bot" });
  const alice = emu.user({ first_name: "Alice" });
  const bot = createBot(token, {
    clientOptions: { apiRoot: emu.apiRoot, retry: false },
  } as BotOptions<C>);
  const errors: unknown[] = [];
  bot.catch((err) => void errors.push(err.error));
  await options.beforeStart?.(bot);
  let live!: () => void;
  const started = new Promise<void>((resolve) => {
    live = resolve;
  });
  const polling = bot.start({ timeout: 1, signals: false, onStart: () => live() });
  await started;
  return {
    emu,
    alice,
    bot,
    errors,
    next: async () => (await alice.nextMessage({ timeoutMs: 10_000 })).text,
    stop: async () => {
      await bot.stop();
      await polling;
      await bot.api.close();
      await emu.close();
    },
  };
}
