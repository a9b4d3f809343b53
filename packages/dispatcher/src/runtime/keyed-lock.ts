import { LockTimeoutError, RuntimeError } from "./errors.js";
import type { StorageLockOptions } from "./storage.js";

/** What {@link LeaseTable.acquire} grants: the fencing token and the keys it holds. */
export interface LeaseGrant {
  /** The fencing token (greater than every earlier grant's of this table). */
  readonly token: number;
  /** The keys, in the order asked for. */
  readonly keys: readonly string[];
}

interface Waiter {
  readonly token: number;
  readonly grant: () => void;
}

interface KeyState {
  /** The holder's token; `0` when free. */
  holder: number;
  /** When the holder's lease ends (the injected clock); `Infinity` while a grant is being assembled. */
  expiresAt: number;
  readonly waiters: Waiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Whether every key is a non-empty string and none repeats (no allocation for one key). */
function distinctKeys(keys: readonly unknown[]): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k !== "string" || k.length === 0) return false;
  }
  if (keys.length === 1) return true;
  if (keys.length <= 8) {
    for (let i = 1; i < keys.length; i++)
      for (let j = 0; j < i; j++) if (keys[i] === keys[j]) return false;
    return true;
  }
  return new Set(keys).size === keys.length;
}

/**
 * Checks the arguments of a lock call (shared by every in-process implementation).
 *
 * @param keys The keys to lock.
 * @param options The lock options.
 * @throws {RuntimeError} `BOT_DISPATCHER_STORAGE_INVALID_KEY` or
 *   `BOT_DISPATCHER_STORAGE_INVALID_VALUE`.
 */
export function checkLock(keys: readonly string[], options: StorageLockOptions): void {
  if (!Array.isArray(keys) || keys.length === 0 || !distinctKeys(keys)) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      "@bot/dispatcher: lock needs a non-empty list of distinct, non-empty string keys",
    );
  }
  const { ttlMs, waitMs, signal } = options ?? ({} as StorageLockOptions);
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      "@bot/dispatcher: lock ttlMs must be a positive number",
    );
  }
  if (typeof waitMs !== "number" || !Number.isFinite(waitMs) || waitMs < 0) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      "@bot/dispatcher: lock waitMs must be a number >= 0",
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      "@bot/dispatcher: lock signal must be an AbortSignal",
    );
  }
}

/**
 * In-process leases on string keys: exclusive, first come first served, with a TTL on an
 * injectable clock and a fencing token per grant. The keys of one `acquire` are taken in sorted
 * order, so two grants never wait for each other in a cycle. It backs `MemoryStorage.lock` and
 * is the dispatcher's fallback lock for a storage without `lock`. Waiting uses real timers (the
 * wait deadline, and a wake-up when the holder's lease is due to end).
 */
export class LeaseTable {
  readonly #keys = new Map<string, KeyState>();
  readonly #now: () => number;
  #counter = 0;
  #sweepAt = 1024;

  /**
   * Creates an empty table.
   *
   * @param now The clock of the TTLs, in milliseconds.
   */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The number of keys held or awaited (including expired holds not swept yet). */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Waits until every key is free, then holds them all.
   *
   * @param keys Distinct keys.
   * @param options TTL, wait deadline and abort signal.
   * @returns The grant.
   * @throws {LockTimeoutError} when `waitMs` passed first (nothing stays held).
   */
  async acquire(keys: readonly string[], options: StorageLockOptions): Promise<LeaseGrant> {
    return this.tryAcquire(keys, options) ?? this.#acquireWaiting(keys, options);
  }

  /**
   * Holds every key at once when all are free (synchronously: no promise, no timer), else
   * holds nothing.
   *
   * @param keys Distinct keys.
   * @param options TTL, wait deadline and abort signal.
   * @returns The grant, or `undefined` when some key is held or awaited.
   * @throws {RuntimeError} on invalid arguments; the signal's reason when it is aborted.
   */
  tryAcquire(keys: readonly string[], options: StorageLockOptions): LeaseGrant | undefined {
    checkLock(keys, options);
    options.signal?.throwIfAborted();
    if (this.#keys.size >= this.#sweepAt) this.#sweep();
    if (keys.length === 1) {
      const key = keys[0] as string;
      if (!this.#free1(key)) return undefined;
      this.#counter += 1;
      const token = this.#counter;
      this.#hold(key, token, this.#now() + options.ttlMs);
      return { token, keys: [key] };
    }
    for (const key of keys) if (!this.#free1(key)) return undefined;
    this.#counter += 1;
    const token = this.#counter;
    const expiresAt = this.#now() + options.ttlMs;
    for (const key of keys) this.#hold(key, token, expiresAt);
    return { token, keys: [...keys] };
  }

  /** Whether a key can be taken at once (free or expired, nobody waiting). */
  #free1(key: string): boolean {
    const state = this.#keys.get(key);
    if (state === undefined) return true;
    if (state.waiters.length > 0) return false;
    return state.holder === 0 || state.expiresAt <= this.#now();
  }

  /** Takes a key known to be free (see {@link LeaseTable.#free1}) until `expiresAt`. */
  #hold(key: string, token: number, expiresAt: number): void {
    const state = this.#keys.get(key);
    if (state === undefined) {
      this.#keys.set(key, { holder: token, expiresAt, waiters: [], timer: undefined });
      return;
    }
    state.holder = token;
    state.expiresAt = expiresAt;
    this.#schedule(key, state);
  }

  async #acquireWaiting(keys: readonly string[], options: StorageLockOptions): Promise<LeaseGrant> {
    const { ttlMs, waitMs, signal } = options;
    this.#counter += 1;
    const token = this.#counter;
    const order = [...keys].sort();
    let i = 0;
    while (i < order.length && this.#take(order[i] as string, token)) i++;
    if (i < order.length) {
      await new Promise<void>((resolve, reject) => {
        let waiting: Waiter | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        };
        const fail = (error: unknown) => {
          done();
          if (waiting !== undefined) {
            const key = order[i] as string;
            const state = this.#keys.get(key);
            const at = state?.waiters.indexOf(waiting) ?? -1;
            if (at >= 0) state?.waiters.splice(at, 1);
            waiting = undefined;
            this.#pump(key);
          }
          for (let j = 0; j < i; j++) this.#free(order[j] as string, token);
          i = -1;
          reject(error);
        };
        const onAbort = () => fail(signal?.reason);
        const next = () => {
          while (i < order.length) {
            const key = order[i] as string;
            if (this.#take(key, token)) {
              i++;
              continue;
            }
            waiting = {
              token,
              grant: () => {
                waiting = undefined;
                i++;
                next();
              },
            };
            this.#enqueue(key, waiting);
            return;
          }
          done();
          resolve();
        };
        if (waitMs <= 0) {
          fail(new LockTimeoutError(keys, waitMs));
          return;
        }
        timer = setTimeout(() => fail(new LockTimeoutError(keys, waitMs)), waitMs);
        timer.unref?.();
        signal?.addEventListener("abort", onAbort, { once: true });
        next();
      });
    }
    const expiresAt = this.#now() + ttlMs;
    for (const key of order) {
      const state = this.#keys.get(key) as KeyState;
      state.expiresAt = expiresAt;
      this.#schedule(key, state);
    }
    return { token, keys: [...keys] };
  }

  /**
   * Tells whether a grant still holds all its keys (none expired, none released).
   *
   * @param grant The grant.
   * @returns `true` while it holds.
   */
  isHeld(grant: LeaseGrant): boolean {
    const now = this.#now();
    for (const key of grant.keys) {
      const state = this.#keys.get(key);
      if (state === undefined || state.holder !== grant.token || state.expiresAt <= now) {
        return false;
      }
    }
    return true;
  }

  /**
   * Pushes a grant's expiry to `ttlMs` from now.
   *
   * @param grant The grant.
   * @param ttlMs The new time to live.
   * @returns `false` (and no change) when the grant no longer holds.
   */
  extend(grant: LeaseGrant, ttlMs: number): boolean {
    if (!this.isHeld(grant)) return false;
    const expiresAt = this.#now() + ttlMs;
    for (const key of grant.keys) {
      const state = this.#keys.get(key) as KeyState;
      state.expiresAt = expiresAt;
      this.#schedule(key, state);
    }
    return true;
  }

  /**
   * Releases a grant's keys. A grant that no longer holds frees nothing a newer holder has.
   *
   * @param grant The grant.
   * @returns `true` when the grant still held every key.
   */
  release(grant: LeaseGrant): boolean {
    const held = this.isHeld(grant);
    for (const key of grant.keys) this.#free(key, grant.token);
    return held;
  }

  #take(key: string, token: number): boolean {
    const state = this.#keys.get(key);
    if (state === undefined) {
      this.#keys.set(key, { holder: token, expiresAt: Infinity, waiters: [], timer: undefined });
      return true;
    }
    if (state.waiters.length > 0) return false; // first come, first served
    if (state.holder !== 0 && state.expiresAt > this.#now()) return false;
    state.holder = token;
    state.expiresAt = Infinity;
    return true;
  }

  #enqueue(key: string, waiter: Waiter): void {
    const state = this.#keys.get(key) as KeyState;
    state.waiters.push(waiter);
    this.#pump(key);
  }

  #free(key: string, token: number): void {
    const state = this.#keys.get(key);
    if (state === undefined || state.holder !== token) return;
    state.holder = 0;
    this.#pump(key);
  }

  /** Hands a free (or expired) key to the first waiter; forgets a free key nobody awaits. */
  #pump(key: string): void {
    const state = this.#keys.get(key);
    if (state === undefined) return;
    while (state.waiters.length > 0 && (state.holder === 0 || state.expiresAt <= this.#now())) {
      const waiter = state.waiters.shift() as Waiter;
      state.holder = waiter.token;
      state.expiresAt = Infinity;
      waiter.grant();
    }
    if (state.holder === 0 && state.waiters.length === 0) {
      if (state.timer !== undefined) clearTimeout(state.timer);
      this.#keys.delete(key);
      return;
    }
    this.#schedule(key, state);
  }

  /** Wakes the waiters of a key when its holder's lease is due to end. */
  #schedule(key: string, state: KeyState): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    if (state.waiters.length === 0 || !Number.isFinite(state.expiresAt)) return;
    const delay = Math.max(1, Math.min(state.expiresAt - this.#now(), 2_147_483_647));
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.#keys.get(key) === state) this.#pump(key);
    }, delay);
    state.timer.unref?.();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, state] of this.#keys) {
      if (state.waiters.length === 0 && (state.holder === 0 || state.expiresAt <= now)) {
        if (state.timer !== undefined) clearTimeout(state.timer);
        this.#keys.delete(key);
      }
    }
    this.#sweepAt = Math.max(1024, this.#keys.size * 2);
  }
}

const tables = new WeakMap<object, LeaseTable>();

/**
 * The in-process lease table shared by everything in this process that uses one storage object
 * without a `lock` of its own.
 *
 * @param storage The storage the keys belong to.
 * @returns Its lease table.
 */
export function lockFor(storage: object): LeaseTable {
  let table = tables.get(storage);
  if (table === undefined) {
    table = new LeaseTable();
    tables.set(storage, table);
  }
  return table;
}
