/**
 * The atomic store behind the flood limiter and the 429 cool-downs: GCRA buckets and cool-down
 * blocks, in memory by default; a Redis store (`@bot/persistence-redis`) shares them between
 * processes.
 */
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
   * bucket does not hold the others back). A rule with `intervalMs: 0` on a key that only
   * cool-downs use reserves nothing and reads only its `blockedUntil`: that is how cool-downs are
   * checked.
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
      // A missing slot is the same as `tat <= now`: a zero-interval rule need not create one.
      else if (rule.intervalMs > 0) {
        this.#slots.set(rule.key, { tat: now + rule.intervalMs, blockedUntil: 0 });
      }
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
