/**
 * An optional flood limiter for Telegram's limits (about 30 messages/s overall, 1/s per private
 * chat, 20/min per group). Its state lives in a pluggable {@link RateLimitStore}.
 */
import type { Cooldowns } from "./cooldown.js";
import { OptionsError } from "./errors.js";
import { MemoryRateLimitStore, type RateLimitStore, type RateRule } from "./rate-limit-store.js";
import { type Clock, sleep, systemClock } from "./sleep.js";
import type { ApiCall, Interceptor } from "./types.js";

/** A rate: `limit` sends per `intervalMs`. */
export interface Rate {
  readonly limit: number;
  readonly intervalMs: number;
}

/** Options of {@link FloodLimiter}. */
export interface FloodLimiterOptions {
  /** Where the state lives (default: a new {@link MemoryRateLimitStore}). */
  readonly store?: RateLimitStore;
  /** A key prefix, e.g. the bot's id, when a store is shared (default `"bot"`). */
  readonly namespace?: string;
  /** Overall rate of the bot (default 30 per 1000 ms), or `false`. */
  readonly global?: Rate | false;
  /** Rate per private chat (default 1 per 1000 ms), or `false`. */
  readonly privateChat?: Rate | false;
  /** Rate per group, supergroup or channel (default 20 per 60 000 ms), or `false`. */
  readonly group?: Rate | false;
  /** Which methods are limited (default: `send*` but `sendChatAction`, `copyMessage(s)`, `forwardMessage(s)`). */
  readonly isLimited?: (method: string) => boolean;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
}

function checkRate(rate: Rate | false | undefined, fallback: Rate, what: string): Rate | false {
  if (rate === undefined) return fallback;
  if (rate === false) return false;
  if (
    typeof rate !== "object" ||
    !Number.isInteger(rate.limit) ||
    rate.limit < 1 ||
    !Number.isFinite(rate.intervalMs) ||
    rate.intervalMs <= 0
  ) {
    throw new OptionsError(
      `@bot/client: limiter ${what} must be { limit >= 1, intervalMs > 0 } or false`,
    );
  }
  return rate;
}

/**
 * The default choice of limited methods.
 *
 * @param method The method name.
 * @returns Whether the method sends a message.
 */
export function sendsMessage(method: string): boolean {
  return (
    (method.startsWith("send") && method !== "sendChatAction") ||
    method.startsWith("copyMessage") ||
    method.startsWith("forwardMessage")
  );
}

/**
 * Spaces out sends to stay inside Telegram's flood limits. Give one to
 * `new Client(token, { limiter })`; the client's 429 cool-downs then share its store and
 * namespace.
 */
export class FloodLimiter {
  readonly #store: RateLimitStore;
  readonly #namespace: string;
  readonly #global: Rate | false;
  readonly #private: Rate | false;
  readonly #group: Rate | false;
  readonly #isLimited: (method: string) => boolean;
  readonly #now: () => number;

  /**
   * Builds a limiter.
   *
   * @param options The store and the rates.
   */
  constructor(options: FloodLimiterOptions = {}) {
    this.#store = options.store ?? new MemoryRateLimitStore();
    if (typeof this.#store.reserve !== "function" || typeof this.#store.block !== "function") {
      throw new OptionsError("@bot/client: limiter store must have reserve() and block()");
    }
    this.#namespace = options.namespace ?? "bot";
    this.#global = checkRate(options.global, { limit: 30, intervalMs: 1000 }, "global");
    this.#private = checkRate(options.privateChat, { limit: 1, intervalMs: 1000 }, "privateChat");
    this.#group = checkRate(options.group, { limit: 20, intervalMs: 60_000 }, "group");
    this.#isLimited = options.isLimited ?? sendsMessage;
    this.#now = options.now ?? Date.now;
  }

  /** Where the state lives. */
  get store(): RateLimitStore {
    return this.#store;
  }

  /** The key prefix. */
  get namespace(): string {
    return this.#namespace;
  }

  #chatKey(chatId: unknown): string | undefined {
    return typeof chatId === "number" || typeof chatId === "string"
      ? `${this.#namespace}:chat:${chatId}`
      : undefined;
  }

  /**
   * Waits until a call may be sent, reserving its slot.
   *
   * @param method The method.
   * @param chatId The call's `chat_id`, if any.
   * @param signal Aborts the wait.
   * @param clock The clock to wait on (default: the wall clock).
   * @returns When the call may go, with how long it waited for its slot, in ms.
   */
  async acquire(
    method: string,
    chatId: unknown,
    signal?: AbortSignal,
    clock: Clock = systemClock,
  ): Promise<number> {
    if (!this.#isLimited(method)) return 0;
    const rules: RateRule[] = [];
    if (this.#global) rules.push(rule(`${this.#namespace}:global`, this.#global));
    const key = this.#chatKey(chatId);
    if (key !== undefined) {
      const isPrivate = typeof chatId === "number" && chatId > 0;
      const rate = isPrivate ? this.#private : this.#group;
      if (rate) rules.push(rule(key, rate));
    }
    if (rules.length === 0) return 0;
    const wait = await this.#store.reserve(rules, this.#now());
    if (wait > 0) await sleep(wait, signal, method, clock);
    return Math.max(0, wait);
  }
}

function rule(key: string, rate: Rate): RateRule {
  return { key, intervalMs: rate.intervalMs / rate.limit, burst: rate.limit };
}

/**
 * The flood-limit interceptor: each attempt waits for its slot in the limiter before it is sent.
 * Given the client's cool-downs, an attempt that had to wait for its slot checks them again
 * before it goes, so a 429 that another call met meanwhile (in this process or, with a shared
 * store, in another) holds it back too.
 *
 * @param limiter The limiter.
 * @param cooldowns The cool-downs to check again after a wait (the built-in chain passes its own).
 * @returns An interceptor for `ClientOptions.interceptors`.
 */
export function floodLimit(limiter: FloodLimiter, cooldowns?: Cooldowns): Interceptor {
  return (next, context) => {
    const clock = cooldowns?.clock ?? context.clock ?? systemClock;
    return (call: ApiCall) =>
      limiter
        .acquire(call.method, call.params?.chat_id, call.options?.signal, context.clock)
        .then((waited) =>
          waited > 0 && cooldowns !== undefined
            ? cooldowns.wait(call, clock).then(() => next(call))
            : next(call),
        );
  };
}
