import { RuntimeError, SessionConflictError } from "./errors.js";
import type { KeyedLock } from "./keyed-lock.js";
import { serialise } from "./memory-storage.js";
import type { Storage } from "./storage.js";

/**
 * One session value for one update: loaded on first access under the key's lock, saved at
 * the end only if its JSON changed, through a versioned compare-and-set.
 */
export class SessionSlot<T> {
  readonly #storage: Storage;
  readonly #lock: KeyedLock;
  readonly #key: string;
  readonly #initial: () => T;
  readonly #ttlMs: number | undefined;
  #loading: Promise<T> | undefined;
  #value: T | undefined;
  #version: string | null = null;
  #snapshot = "";
  #release: (() => void) | undefined;
  #finished = false;

  /**
   * Creates an unloaded slot.
   *
   * @param storage The storage.
   * @param lock The lock table of that storage.
   * @param key The storage key.
   * @param initial The value of a key that does not exist yet.
   * @param ttlMs The TTL of each write.
   */
  constructor(
    storage: Storage,
    lock: KeyedLock,
    key: string,
    initial: () => T,
    ttlMs: number | undefined,
  ) {
    this.#storage = storage;
    this.#lock = lock;
    this.#key = key;
    this.#initial = initial;
    this.#ttlMs = ttlMs;
  }

  /** Whether a handler touched this slot. */
  get touched(): boolean {
    return this.#loading !== undefined;
  }

  /**
   * The value, loaded once.
   *
   * @returns The mutable value for this update.
   */
  load(): Promise<T> {
    if (this.#finished && this.#loading === undefined) {
      return Promise.reject(
        new RuntimeError(
          "SESSION_CLOSED",
          `@bot/dispatcher: session "${this.#key}" was read after its update finished`,
        ),
      );
    }
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async #load(): Promise<T> {
    const release = await this.#lock.acquire(this.#key);
    try {
      const entry = await this.#storage.get<T>(this.#key);
      if (entry === undefined) {
        this.#value = this.#initial();
        this.#version = null;
      } else {
        this.#value = entry.value;
        this.#version = entry.version;
      }
      this.#snapshot = serialise(this.#key, this.#value);
    } catch (error) {
      release();
      throw error;
    }
    this.#release = release;
    return this.#value;
  }

  /**
   * Writes the value if it changed, then releases the lock. Waits for a load in progress.
   *
   * @param write `false` to only release (the handler failed).
   * @returns Nothing; throws {@link SessionConflictError} when another process wrote first.
   */
  async finish(write: boolean): Promise<void> {
    this.#finished = true;
    if (this.#loading === undefined) return;
    try {
      await this.#loading;
    } catch {
      return; // the load failed; the handler saw that error already
    }
    try {
      if (!write) return;
      const json = serialise(this.#key, this.#value);
      if (json === this.#snapshot) return;
      const options = this.#ttlMs === undefined ? undefined : { ttlMs: this.#ttlMs };
      const version = await this.#storage.compareAndSet(
        this.#key,
        this.#version,
        JSON.parse(json) as unknown,
        options,
      );
      if (version === undefined) throw new SessionConflictError(this.#key);
      this.#version = version;
      this.#snapshot = json;
    } finally {
      this.#release?.();
      this.#release = undefined;
    }
  }
}
