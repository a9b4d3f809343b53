import * as v from "valibot";
import { LeaseLostError, RuntimeError } from "./errors.js";
import { type LeaseGrant, LeaseTable } from "./keyed-lock.js";
import type {
  Storage,
  StorageCommitResult,
  StorageEntry,
  StorageLease,
  StorageLeaseWrite,
  StorageLockOptions,
  StorageWriteOptions,
} from "./storage.js";

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /** The clock used for TTLs, in milliseconds. Defaults to `Date.now`. */
  readonly now?: (() => number) | undefined;
}

const OptionsSchema = v.strictObject({
  now: v.optional(v.pipe(v.function(), v.description("a clock returning milliseconds"))),
});

interface Slot {
  json: string;
  version: string;
  expiresAt: number;
}

/** Serialises a value the way a networked store would, with a typed error when it cannot. */
export function serialise(key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      `@bot/dispatcher: the value for "${key}" is not JSON-serialisable`,
      { cause },
    );
  }
  if (json === undefined) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      `@bot/dispatcher: the value for "${key}" is not JSON-serialisable`,
    );
  }
  return json;
}

/** The JSON of a lease write: the one the caller computed, else the value's own. */
function jsonOf(write: Extract<StorageLeaseWrite, { value: unknown }>): string {
  return typeof write.json === "string" ? write.json : serialise(write.key, write.value);
}

/** Checks a key and a TTL and returns the expiry time. */
export function checkWrite(
  key: string,
  options: StorageWriteOptions | undefined,
  now: number,
): number {
  if (typeof key !== "string" || key.length === 0) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      "@bot/dispatcher: a storage key must be a non-empty string",
    );
  }
  const ttl = options?.ttlMs;
  if (ttl === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isFinite(ttl) || ttl <= 0) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      "@bot/dispatcher: ttlMs must be a positive number",
    );
  }
  return now + ttl;
}

/**
 * The embedded {@link Storage}: a map in this process. Values are stored as JSON, so they
 * behave exactly as with a networked store (copies in, copies out). TTLs use an injectable
 * clock; expired keys are dropped when touched and swept as the map grows. `lock` gives
 * in-process leases (same clock for their TTL) with fencing tokens.
 */
export class MemoryStorage implements Storage {
  readonly #slots = new Map<string, Slot>();
  readonly #now: () => number;
  readonly #leases: LeaseTable;
  #counter = 0;
  #sweepAt = 1024;

  /**
   * Creates an empty store.
   *
   * @param options The clock to use for TTLs.
   */
  constructor(options: MemoryStorageOptions = {}) {
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new RuntimeError(
        "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
        `@bot/dispatcher: invalid MemoryStorage options: ${parsed.issues[0].message}`,
      );
    }
    this.#now = options.now ?? Date.now;
    this.#leases = new LeaseTable(this.#now);
  }

  /** The number of stored entries, counting expired ones not swept yet. */
  get size(): number {
    return this.#slots.size;
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.#now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, slot] of this.#slots) if (slot.expiresAt <= now) this.#slots.delete(key);
  }

  #write(key: string, json: string, expiresAt: number): string {
    this.#counter += 1;
    const version = this.#counter.toString(36);
    this.#slots.set(key, { json, version, expiresAt });
    if (this.#slots.size >= this.#sweepAt) {
      this.#sweep();
      this.#sweepAt = Math.max(1024, this.#slots.size * 2);
    }
    return version;
  }

  /**
   * Reads a key.
   *
   * @param key The key.
   * @returns A copy of the value and its version, or `undefined`.
   */
  async get<T = unknown>(key: string): Promise<StorageEntry<T> | undefined> {
    const slot = this.#live(key);
    if (slot === undefined) return undefined;
    return { value: JSON.parse(slot.json) as T, version: slot.version };
  }

  /**
   * Writes a key unconditionally.
   *
   * @param key The key.
   * @param value A JSON-serialisable value.
   * @param options The TTL, if any.
   * @returns The new version.
   */
  async set(key: string, value: unknown, options?: StorageWriteOptions): Promise<string> {
    const expiresAt = checkWrite(key, options, this.#now());
    return this.#write(key, serialise(key, value), expiresAt);
  }

  /**
   * Deletes a key.
   *
   * @param key The key.
   * @returns `true` when it existed.
   */
  async delete(key: string): Promise<boolean> {
    const existed = this.#live(key) !== undefined;
    this.#slots.delete(key);
    return existed;
  }

  /**
   * Writes a key only if its version matches.
   *
   * @param key The key.
   * @param expectedVersion The expected version, or `null` for "absent".
   * @param value A JSON-serialisable value.
   * @param options The TTL, if any.
   * @returns The new version, or `undefined` on a mismatch.
   */
  async compareAndSet(
    key: string,
    expectedVersion: string | null,
    value: unknown,
    options?: StorageWriteOptions,
  ): Promise<string | undefined> {
    const expiresAt = checkWrite(key, options, this.#now());
    const json = serialise(key, value);
    const current = this.#live(key);
    if ((current?.version ?? null) !== expectedVersion) return undefined;
    return this.#write(key, json, expiresAt);
  }

  /**
   * Writes a key only if it is absent.
   *
   * @param key The key.
   * @param value A JSON-serialisable value.
   * @param options The TTL, if any.
   * @returns `true` when written.
   */
  async setIfAbsent(key: string, value: unknown, options?: StorageWriteOptions): Promise<boolean> {
    const expiresAt = checkWrite(key, options, this.#now());
    const json = serialise(key, value);
    if (this.#live(key) !== undefined) return false;
    this.#write(key, json, expiresAt);
    return true;
  }

  /**
   * Locks keys in this process and reads them: see {@link Storage.lock}.
   *
   * @param keys Distinct keys.
   * @param options TTL (on this store's clock), wait deadline and abort signal.
   * @returns The lease with the keys' entries.
   */
  async lock(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease> {
    // free keys: taken synchronously (no promise chain, no timer)
    const grant =
      this.#leases.tryAcquire(keys, options) ?? (await this.#leases.acquire(keys, options));
    const entries: Array<StorageEntry | undefined> = new Array(grant.keys.length);
    for (let i = 0; i < grant.keys.length; i++) {
      const slot = this.#live(grant.keys[i] as string);
      entries[i] =
        slot === undefined ? undefined : { value: JSON.parse(slot.json), version: slot.version };
    }
    const leases = this.#leases;
    // own function properties (a wrapper may spread the lease), each closing over the grant
    return {
      keys: grant.keys,
      token: grant.token,
      entries,
      extend: async (ttlMs) => {
        if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
          throw new RuntimeError(
            "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
            "@bot/dispatcher: extend ttlMs must be a positive number",
          );
        }
        if (!leases.extend(grant, ttlMs)) throw new LeaseLostError(grant.keys);
      },
      commit: async (writes, commitOptions) => {
        try {
          return this.#commit(grant, writes);
        } finally {
          if (commitOptions?.release === true) leases.release(grant);
        }
      },
      release: async () => leases.release(grant),
    };
  }

  /** Applies the writes of a commit atomically (nothing awaits in between). */
  #commit(grant: LeaseGrant, writes: readonly StorageLeaseWrite[]): StorageCommitResult {
    if (!this.#leases.isHeld(grant)) throw new LeaseLostError(grant.keys);
    const now = this.#now();
    if (writes.length === 1 && grant.keys.length === 1) {
      const write = writes[0] as StorageLeaseWrite;
      if (write.key !== grant.keys[0]) this.#badCommit();
      const isDelete = "delete" in write && write.delete === true;
      let json: string | undefined;
      let expiresAt = 0;
      if (!isDelete) {
        const valued = write as Extract<StorageLeaseWrite, { value: unknown }>;
        expiresAt = checkWrite(write.key, { ttlMs: valued.ttlMs }, now);
        json = jsonOf(valued);
      }
      if ((this.#live(write.key)?.version ?? null) !== write.expectedVersion) {
        return { ok: false, conflict: write.key };
      }
      if (json === undefined) {
        this.#slots.delete(write.key);
        return { ok: true, versions: [undefined] };
      }
      return { ok: true, versions: [this.#write(write.key, json, expiresAt)] };
    }
    const seen = new Set<string>();
    const planned = writes.map((write) => {
      if (!grant.keys.includes(write.key) || seen.has(write.key)) this.#badCommit();
      seen.add(write.key);
      if ("delete" in write && write.delete === true)
        return { write, json: undefined, expiresAt: 0 };
      const valued = write as Extract<StorageLeaseWrite, { value: unknown }>;
      const expiresAt = checkWrite(write.key, { ttlMs: valued.ttlMs }, now);
      return { write, json: jsonOf(valued), expiresAt };
    });
    for (const { write } of planned) {
      if ((this.#live(write.key)?.version ?? null) !== write.expectedVersion) {
        return { ok: false, conflict: write.key };
      }
    }
    const versions = planned.map(({ write, json, expiresAt }) => {
      if (json === undefined) {
        this.#slots.delete(write.key);
        return undefined;
      }
      return this.#write(write.key, json, expiresAt);
    });
    return { ok: true, versions };
  }

  #badCommit(): never {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      "@bot/dispatcher: a commit writes each key of its lease at most once",
    );
  }
}
