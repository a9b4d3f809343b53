/**
 * An optional flood limiter for Telegram's limits (about 30 messages/s overall, 1/s per private
 * chat, 20/min per group). Its state lives in a pluggable {@link RateLimitStore}.
 */
import { OptionsError } from "./errors.js";
import { sleep } from "./sleep.js";

/** One bucket to reserve a slot in (generic cell rate algorithm). */
export interface RateRule {
  /** The bucket's key, already namespaced. */
  readonly key: string;
  /** The time between two sends at the sustained rate, in ms. */
  readonly intervalMs: number;
  /** How many sends may go at once after a quiet period (at least 1). */
  readonly burst: number;
}

/**
 * Where the limiter keeps its state. Both methods must be atomic, so several processes can share
 * one store (a Redis implementation runs each as one Lua script and sets a TTL on every key it
 * writes, equal to how long the key still matters).
 */
export interface RateLimitStore {
  /**
   * Reserves one slot in every bucket at once and tells how long the caller must wait before
   * sending. The reservation is made even when a wait is returned.
   *
   * Per key the store keeps a theoretical arrival time `tat` and a `blockedUntil` time. With
   * `wait = max(0, max over rules of (max(tat, now) + intervalMs - burst * intervalMs - now),
   * max over rules of (blockedUntil - now))`, it then sets each key's
   * `tat = max(tat, now) + intervalMs` (the send counts in every bucket, and a wait imposed by one
   * bucket does not hold the others back).
   *
   * @param rules The buckets.
   * @param now The current time in ms since the epoch.
   * @returns The wait in ms (0: send now).
   */
  reserve(rules: readonly RateRule[], now: number): Promise<number> | number;
  /**
   * Blocks a key until a time (a 429 cool-down): `blockedUntil = max(blockedUntil, untilMs)`.
   *
   * @param key The bucket's key, already namespaced.
   * @param untilMs The end of the cool-down in ms since the epoch.
   */
  block(key: string, untilMs: number): Promise<void> | void;
}

interface Slot {
  tat: number;
  blockedUntil: number;
}

/** A {@link RateLimitStore} in this process's memory. Expired keys are swept as it goes. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #slots = new Map<string, Slot>();
  #writes = 0;

  /**
   * Reserves one slot in every bucket; see {@link RateLimitStore.reserve}.
   *
   * @param rules The buckets.
   * @param now The current time in ms.
   * @returns The wait in ms.
   */
  reserve(rules: readonly RateRule[], now: number): number {
    let wait = 0;
    for (const rule of rules) {
      const slot = this.#slots.get(rule.key);
      if (!slot) continue;
      const byRate = Math.max(slot.tat, now) + rule.intervalMs - rule.burst * rule.intervalMs - now;
      wait = Math.max(wait, byRate, slot.blockedUntil - now);
    }
    for (const rule of rules) {
      const slot = this.#slots.get(rule.key);
      if (slot) slot.tat = Math.max(slot.tat, now) + rule.intervalMs;
      else this.#slots.set(rule.key, { tat: now + rule.intervalMs, blockedUntil: 0 });
    }
    if (++this.#writes % 1024 === 0) this.#sweep(now);
    return wait;
  }

  /**
   * Blocks a key until a time; see {@link RateLimitStore.block}.
   *
   * @param key The key.
   * @param untilMs The end of the cool-down.
   */
  block(key: string, untilMs: number): void {
    const slot = this.#slots.get(key);
    if (slot) slot.blockedUntil = Math.max(slot.blockedUntil, untilMs);
    else this.#slots.set(key, { tat: 0, blockedUntil: untilMs });
  }

  /** How many keys are held (for tests and metrics). */
  get size(): number {
    return this.#slots.size;
  }

  #sweep(now: number): void {
    for (const [key, slot] of this.#slots) {
      if (slot.tat < now && slot.blockedUntil < now) this.#slots.delete(key);
    }
  }
}

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
 * Spaces out sends to stay inside Telegram's flood limits, and shares 429 cool-downs through its
 * store. Give one to `new Client(token, { limiter })`.
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
   * @returns When the call may go.
   */
  async acquire(method: string, chatId: unknown, signal?: AbortSignal): Promise<void> {
    if (!this.#isLimited(method)) return;
    const rules: RateRule[] = [];
    if (this.#global) rules.push(rule(`${this.#namespace}:global`, this.#global));
    const key = this.#chatKey(chatId);
    if (key !== undefined) {
      const isPrivate = typeof chatId === "number" && chatId > 0;
      const rate = isPrivate ? this.#private : this.#group;
      if (rate) rules.push(rule(key, rate));
    }
    if (rules.length === 0) return;
    const wait = await this.#store.reserve(rules, this.#now());
    if (wait > 0) await sleep(wait, signal, method);
  }

  /**
   * Records a 429 cool-down for a chat (or the whole bot when `chatId` is undefined).
   *
   * @param chatId The chat that got the 429, if any.
   * @param untilMs The end of the cool-down in ms since the epoch.
   */
  async penalize(chatId: unknown, untilMs: number): Promise<void> {
    await this.#store.block(this.#chatKey(chatId) ?? `${this.#namespace}:global`, untilMs);
  }
}

function rule(key: string, rate: Rate): RateRule {
  return { key, intervalMs: rate.intervalMs / rate.limit, burst: rate.limit };
}
