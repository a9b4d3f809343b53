import { RuntimeError, SessionConflictError } from "./errors.js";
import { acquireLease } from "./lease.js";
import { serialise } from "./memory-storage.js";
import type { Storage } from "./storage.js";

/** The lease settings of a session: its TTL (renewed while the update runs) and wait deadline. */
export interface SessionLockSettings {
  /** Lease time to live in milliseconds; renewed every third of it while the update runs. */
  readonly ttlMs: number;
  /** How long an update waits for a session another update holds, in milliseconds. */
  readonly waitMs: number;
}

/** Default lease TTL: a dead process frees its sessions after it. */
export const DEFAULT_LOCK_TTL_MS = 10_000;
/** Default wait: longer than the TTL, so a dead holder's lease ends before a waiter gives up. */
export const DEFAULT_LOCK_WAIT_MS = 15_000;

/**
 * One session value of one update. The {@link SessionScope} of the update locks and loads it
 * (with every other session of the update, in one fixed order) and saves it at the end, only if
 * its JSON changed.
 */
export class SessionSlot<T = unknown> {
  /** The storage holding the value. */
  readonly storage: Storage;
  /** The lease settings. */
  readonly lock: SessionLockSettings;
  /** The TTL of the saved value. */
  readonly ttlMs: number | undefined;
  /** Whether its owner (the middleware) finished; a first read after that is refused. */
  closed = false;
  /** Whether to save at the end (the handlers succeeded). */
  write = false;
  /** Settled when the slot is loaded (or failed to load). */
  ready: Promise<void> | undefined;
  /** Set when loading failed. */
  error: { readonly error: unknown } | undefined;
  /** The storage key, once resolved. */
  key: string | undefined;
  value: T | undefined;
  version: string | null = null;
  /** The JSON of the value when first handed to a handler (`undefined`: never handed out). */
  snapshot: string | undefined;
  /**
   * A slot of the same storage whose key is known to sort before this one's (so the lock order
   * between the two needs neither key computed): `userData` after its `chatData`.
   */
  after: SessionSlot | undefined;
  readonly #resolveKey: (ctx: object) => string | undefined;
  readonly #ctx: object;
  readonly #initial: () => T;
  readonly #what: string;
  #loading: Promise<T> | undefined;

  /**
   * Creates an unloaded slot.
   *
   * @param storage The storage.
   * @param resolveKey The storage key of a context, computed when the update first reads a session (`undefined`: none).
   * @param ctx The update's context.
   * @param initial The value of a key that does not exist yet.
   * @param ttlMs The TTL of each write.
   * @param lock The lease settings.
   * @param what What to call it in errors (`chatData`, `session "wizard"`).
   */
  constructor(
    storage: Storage,
    resolveKey: (ctx: object) => string | undefined,
    ctx: object,
    initial: () => T,
    ttlMs: number | undefined,
    lock: SessionLockSettings,
    what: string,
  ) {
    this.storage = storage;
    this.#resolveKey = resolveKey;
    this.#ctx = ctx;
    this.#initial = initial;
    this.ttlMs = ttlMs;
    this.lock = lock;
    this.#what = what;
  }

  /**
   * Computes the key (once).
   *
   * @returns The key, or `undefined` when the update has none.
   */
  resolveKey(): string | undefined {
    this.key ??= this.#resolveKey(this.#ctx);
    return this.key;
  }

  /**
   * Sets the loaded entry.
   *
   * @param entry The stored entry, or `undefined` for a new session.
   */
  loaded(entry: { readonly value: unknown; readonly version: string } | undefined): void {
    if (entry === undefined) {
      this.value = this.#initial();
      this.version = null;
    } else {
      this.value = entry.value as T;
      this.version = entry.version;
    }
  }

  /**
   * The value, once the scope loaded it.
   *
   * @param scope Starts loading (`lockPending` locks this session and the update's pending
   * sessions before it in the lock order).
   * @returns The mutable value.
   */
  load(scope: { lockPending(read?: SessionSlot): void }): Promise<T> {
    if (this.#loading !== undefined) return this.#loading;
    if (this.closed) {
      return Promise.reject(
        new RuntimeError(
          "BOT_DISPATCHER_SESSION_CLOSED",
          `@bot/dispatcher: ${this.#what} was read after its update finished`,
        ),
      );
    }
    if (this.ready === undefined) scope.lockPending(this as SessionSlot);
    this.#loading = (this.ready as Promise<void>).then(() => {
      if (this.error !== undefined) throw this.error.error;
      if (this.key === undefined) {
        throw new RuntimeError(
          "BOT_DISPATCHER_SESSION_NO_KEY",
          `@bot/dispatcher: this update has no ${this.#what} key`,
        );
      }
      this.snapshot ??= serialise(this.key, this.value);
      return this.value as T;
    });
    return this.#loading;
  }

  /** Whether a handler read the value. */
  get touched(): boolean {
    return this.#loading !== undefined;
  }

  /**
   * The value and its JSON when it changed since loading and should be saved.
   *
   * @returns The new value to write, or `undefined` for nothing to write.
   */
  pendingWrite(): { readonly value: unknown; readonly json: string } | undefined {
    if (!this.write || this.error !== undefined || this.key === undefined) return undefined;
    if (this.snapshot === undefined) return undefined; // never handed to a handler
    const json = serialise(this.key, this.value);
    if (json === this.snapshot) return undefined;
    // the store copies the value (the handlers are done with it), or writes `json` as is
    return { value: this.value, json };
  }
}

/**
 * Read-modify-write of one shared value (`botData`) under a short lease: lock, read, apply
 * `update` (synchronous), write, release. The lease is a leaf: nothing else is awaited while it
 * is held, so it never takes part in a deadlock. A conflict (another process wrote without the
 * lease) is retried.
 *
 * @param storage The storage.
 * @param key The key.
 * @param initial The value of a key that does not exist yet.
 * @param update Changes the value in place or returns the new one; must not be async.
 * @param lock The lease settings.
 * @param signal Aborts the wait.
 * @returns The new value.
 */
export async function updateUnderLease<T>(
  storage: Storage,
  key: string,
  initial: () => T,
  update: (value: T) => T | undefined,
  lock: SessionLockSettings,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const lease = await acquireLease(storage, [key], { ...lock, signal });
    let released = false;
    try {
      const entry = lease.entries[0];
      const value = entry === undefined ? initial() : (entry.value as T);
      const before = serialise(key, value);
      const result = update(value);
      if (
        typeof result === "object" &&
        result !== null &&
        typeof (result as { then?: unknown }).then === "function"
      ) {
        throw new RuntimeError(
          "BOT_DISPATCHER_SESSION_INVALID_UPDATE",
          "@bot/dispatcher: the update function of updateBotData must be synchronous (it runs under the lock)",
        );
      }
      const next = result === undefined ? value : result;
      const json = serialise(key, next);
      if (json === before) return next;
      released = true;
      const write = { key, expectedVersion: entry?.version ?? null, value: JSON.parse(json) };
      const outcome = await lease.commit([write], { release: true }).catch(async (error) => {
        await lease.release().catch(() => false);
        throw error;
      });
      if (outcome.ok) return next;
    } finally {
      if (!released) await lease.release().catch(() => false);
    }
  }
  throw new SessionConflictError(key);
}
