/**
 * Shared set-up of the end-to-end outage tests: `@bot/emulator` (real HTTP), a bot whose
 * sessions live in a `RedisStorage` reached through a {@link PausableProxy}, and a handler that
 * appends each message's text to its chat's `chatData.log` (so the stored log shows what was
 * handled, how often and in which order).
 */
import { Bot, type BotError, type Context, type DataFlavor, dataSessions } from "@bot/dispatcher";
import { storageKey } from "@bot/dispatcher/advanced";
import { createEmulator, type Emulator } from "@bot/emulator";
import { RedisStorage } from "../src/index.js";
import { connect, dropPrefix, uniquePrefix } from "./helpers.js";

export type LogContext = Context & DataFlavor<{ log?: string[] }>;

/** What reached `bot.catch`. */
export interface Caught {
  readonly error: unknown;
  readonly updateId: number | undefined;
  /** `performance.now()` when it arrived. */
  readonly at: number;
}

/** A gate the handler of a message "slow" waits on, after it read its session. */
export class Gate {
  #open: () => void = () => {};
  readonly opened: Promise<void> = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  #reach: () => void = () => {};
  /** Resolves once the handler read its session and waits at the gate. */
  readonly reached: Promise<void> = new Promise<void>((resolve) => {
    this.#reach = resolve;
  });
  open(): void {
    this.#open();
  }
  arrive(): void {
    this.#reach();
  }
}

export interface World {
  readonly emu: Emulator;
  readonly bot: Bot<LogContext>;
  readonly botId: number;
  readonly prefix: string;
  readonly caught: Caught[];
  /** Every handler run that got to the end (`<chat>:<text>`), re-runs included. */
  readonly runs: string[];
  readonly gate: Gate;
  /** The stored log of a chat, read directly from Redis (not through the proxy). */
  log(chatId: number): Promise<string[] | undefined>;
  close(): Promise<void>;
}

/**
 * Builds the emulator, the bot and its storage.
 *
 * @param redisUrl Where the bot's storage connects (the proxy, or a closed port).
 * @param lockTtlMs The session lease TTL (short, so a lease held through an outage expires soon).
 * @param emulatorOptions Options of the emulator (webhook retry timings).
 * @returns The world.
 */
export async function world(
  redisUrl: string,
  lockTtlMs: number,
  emulatorOptions: Parameters<typeof createEmulator>[0] = {},
): Promise<World> {
  const emu = await createEmulator(emulatorOptions);
  const prefix = uniquePrefix("outage-e2e");
  // The store opens its own connection (url), on first use: it may not be reachable yet.
  const storage = new RedisStorage({ url: redisUrl, prefix });
  const emuBot = emu.createBot({ username: "outage_bot" });
  const bot = new Bot<LogContext>(emuBot.token, {
    clientOptions: { apiRoot: emu.apiRoot },
    storage,
  });
  const caught: Caught[] = [];
  bot.catch((err: BotError<LogContext>) => {
    caught.push({ error: err.error, updateId: err.update?.update_id, at: performance.now() });
  });
  bot.use(dataSessions({ lock: { ttlMs: lockTtlMs, waitMs: 15_000 } }));
  const runs: string[] = [];
  const gate = new Gate();
  bot.on("message:text", async (ctx) => {
    const data = await ctx.chatData;
    if (ctx.message.text === "slow") {
      gate.arrive();
      await gate.opened;
    }
    data.log = [...(data.log ?? []), ctx.message.text];
    runs.push(`${ctx.chatId}:${ctx.message.text}`);
  });
  const direct = await connect();
  const reader = new RedisStorage({ client: direct, prefix });
  return {
    emu,
    bot,
    botId: emuBot.id,
    prefix,
    caught,
    runs,
    gate,
    async log(chatId) {
      const entry = await reader.get<{ log?: string[] }>(
        storageKey(emuBot.id, "data", "chat", chatId),
      );
      return entry?.value.log;
    },
    async close() {
      gate.open();
      await bot.stop();
      await storage.close().catch(() => {});
      await emu.close();
      await dropPrefix(direct, prefix);
      await direct.close();
    },
  };
}

/**
 * Waits until a check holds.
 *
 * @param check The condition.
 * @param timeoutMs How long to wait at most.
 * @param what What is awaited (for the failure message).
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
