/**
 * The 429 cool-down: when Telegram answers 429, every call to the same chat (or, when the 429 is
 * not about one chat, every call of the bot) waits until `retry_after` has passed. Cool-downs
 * live in one place, a {@link RateLimitStore}'s `block`, so a shared store (Redis) holds them for
 * every process of the bot; waiters are released spread over a short window, not all at once.
 */
import { ApiError, OptionsError } from "./errors.js";
import { MemoryRateLimitStore, type RateLimitStore, type RateRule } from "./rate-limit-store.js";
import { type Clock, sleep, systemClock } from "./sleep.js";
import type { ApiCall, Interceptor } from "./types.js";

/** Options of {@link Cooldowns} and the `cooldown` interceptor. */
export interface CooldownOptions {
  /** Where cool-downs are kept (default: a new {@link MemoryRateLimitStore}; the limiter's store when the client has a limiter). */
  readonly store?: RateLimitStore | undefined;
  /** A key prefix, e.g. the bot's id, when a store is shared (default: the bot id, else `"bot"`). */
  readonly namespace?: string | undefined;
  /** Waiters are released at the end of a cool-down plus up to this much at random, in ms (default 1000). */
  readonly spreadMs?: number | undefined;
  /**
   * A 429 for this many different chats within one second is taken for the bot-wide limit and
   * cools the whole bot down (default 3); `false` keeps such 429s per chat.
   */
  readonly botWideAfter?: number | false | undefined;
  /** A call is not held back longer than this; it fails with a 429 at once instead, unsent (default 60 000). */
  readonly maxWaitMs?: number | undefined;
  /** The clock (default: the client's clock, else the wall clock). */
  readonly clock?: Clock;
  /** The random source of the spread, in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/** A rule that reserves nothing and reads only the key's cool-down (its `tat` never passes now). */
function blockOnly(key: string): RateRule {
  return { key, intervalMs: 0, burst: 1 };
}

const WINDOW_MS = 1000;

/** The cool-downs of one bot, kept in a {@link RateLimitStore}. */
export class Cooldowns {
  readonly #store: RateLimitStore;
  readonly #prefix: string;
  readonly #botRule: readonly RateRule[];
  readonly #spreadMs: number;
  readonly #botWideAfter: number;
  readonly #maxWaitMs: number;
  readonly #random: () => number;
  /** The rules of recent chats (bounded: cleared when full), so a check allocates nothing. */
  readonly #rulesCache = new Map<number | string, readonly RateRule[]>();
  /** Recent chat 429s: chat key -> time, for the bot-wide heuristic (no cool-down state). */
  readonly #recent = new Map<string, number>();
  /** The clock it waits on, if one was given. */
  readonly clock: Clock | undefined;

  /**
   * Builds the cool-downs of a bot.
   *
   * @param options The store, key prefix and release spread.
   */
  constructor(options: CooldownOptions = {}) {
    this.#store = options.store ?? new MemoryRateLimitStore();
    if (typeof this.#store.reserve !== "function" || typeof this.#store.block !== "function") {
      throw new OptionsError("@bot/client: cooldown store must have reserve() and block()");
    }
    const namespace = options.namespace ?? "bot";
    this.#prefix = `${namespace}:cooldown:`;
    this.#botRule = [blockOnly(`${this.#prefix}bot`)];
    this.#spreadMs = options.spreadMs ?? 1000;
    this.#botWideAfter = options.botWideAfter === false ? 0 : (options.botWideAfter ?? 3);
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
    this.#random = options.random ?? Math.random;
    this.clock = options.clock;
  }

  #chatKey(chatId: unknown): string | undefined {
    return typeof chatId === "number" || typeof chatId === "string"
      ? `${this.#prefix}chat:${chatId}`
      : undefined;
  }

  #rules(chatId: unknown): readonly RateRule[] {
    if (typeof chatId !== "number" && typeof chatId !== "string") return this.#botRule;
    const cache = this.#rulesCache;
    let rules = cache.get(chatId);
    if (rules === undefined) {
      if (cache.size >= 4096) cache.clear();
      rules = [blockOnly(`${this.#prefix}chat:${chatId}`), this.#botRule[0] as RateRule];
      cache.set(chatId, rules);
    }
    return rules;
  }

  /**
   * How long a call must still wait, without reserving anything.
   *
   * @param chatId The call's `chat_id`, if any.
   * @param now The current time in ms.
   * @returns The wait in ms (0: go).
   */
  left(chatId: unknown, now: number): Promise<number> | number {
    return this.#store.reserve(this.#rules(chatId), now);
  }

  /**
   * Records the cool-down of a 429: for its chat, and for the whole bot when the call has no
   * `chat_id` or several chats were refused within a second.
   *
   * @param chatId The call's `chat_id`, if any.
   * @param retryAfterS Telegram's `retry_after`, in seconds.
   * @param now The current time in ms.
   * @returns When the store has it.
   */
  record(chatId: unknown, retryAfterS: number, now: number): Promise<void> | void {
    const until = now + retryAfterS * 1000;
    const key = this.#chatKey(chatId);
    if (key === undefined || this.#isBotWide(key, now)) {
      const botKey = (this.#botRule[0] as RateRule).key;
      if (key === undefined) return this.#store.block(botKey, until);
      return all(this.#store.block(key, until), this.#store.block(botKey, until));
    }
    return this.#store.block(key, until);
  }

  #isBotWide(key: string, now: number): boolean {
    if (this.#botWideAfter === 0) return false;
    const recent = this.#recent;
    for (const [k, at] of recent) if (now - at > WINDOW_MS) recent.delete(k);
    recent.delete(key);
    recent.set(key, now);
    return recent.size >= this.#botWideAfter;
  }

  /**
   * Waits until no cool-down holds the call back; released at the end plus a random spread.
   *
   * @param call The call.
   * @param clock The clock to wait on.
   * @param first What {@link Cooldowns.left} just said, if it was asked already.
   * @returns When the call may go; rejects with a 429 `ApiError` when the wait would exceed `maxWaitMs`.
   */
  async wait(call: ApiCall, clock: Clock, first?: Promise<number> | number): Promise<void> {
    const chatId = call.params?.chat_id;
    for (let left = await (first ?? this.left(chatId, clock.now())); left > 0; ) {
      if (left > this.#maxWaitMs) {
        const seconds = Math.ceil(left / 1000);
        throw new ApiError({
          method: call.method,
          errorCode: 429,
          description: `Too Many Requests: cooling down, retry after ${seconds} (not sent)`,
          parameters: { retry_after: seconds },
        });
      }
      await sleep(
        left + Math.floor(this.#random() * this.#spreadMs),
        call.options?.signal,
        call.method,
        clock,
      );
      left = await this.left(chatId, clock.now());
    }
  }
}

function all(a: Promise<void> | void, b: Promise<void> | void): Promise<void> | void {
  if (a === undefined && b === undefined) return;
  return Promise.all([a, b]).then(() => undefined);
}

/**
 * The cool-down interceptor: records every 429 an attempt meets (synchronously, before anything
 * else can send) and holds each call back while its chat or the bot cools down.
 *
 * @param options The cool-downs, or their options.
 * @returns An interceptor for `ClientOptions.interceptors`.
 */
export function cooldown(options: Cooldowns | CooldownOptions = {}): Interceptor {
  const cooldowns = options instanceof Cooldowns ? options : new Cooldowns(options);
  return (next, context) => {
    const clock = cooldowns.clock ?? context.clock ?? systemClock;
    context.onAttemptError((call, error) => {
      if (!(error instanceof ApiError) || error.code !== "BOT_CLIENT_API_TOO_MANY_REQUESTS") return;
      const recorded = cooldowns.record(call.params?.chat_id, error.retryAfter ?? 1, clock.now());
      if (recorded !== undefined) recorded.catch(() => undefined);
    });
    return (call: ApiCall) => {
      const left = cooldowns.left(call.params?.chat_id, clock.now());
      if (typeof left === "number" && left <= 0) return next(call);
      return cooldowns.wait(call, clock, left).then(() => next(call));
    };
  };
}
