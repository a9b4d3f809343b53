/**
 * A stored value with its version. The version is an opaque string that changes on every
 * write and is never reused for one key, so it can guard a compare-and-set.
 */
export interface StorageEntry<T = unknown> {
  /** The stored value (a JSON-serialisable value). */
  readonly value: T;
  /** The opaque version of this value. */
  readonly version: string;
}

/** Options of a write. */
export interface StorageWriteOptions {
  /** Time to live in milliseconds; the key disappears after it. Omit to keep it forever. */
  readonly ttlMs?: number | undefined;
}

/** Options of {@link Storage.lock}. */
export interface StorageLockOptions {
  /** How long the lease lives unless extended, in milliseconds (a dead holder frees the keys after it). */
  readonly ttlMs: number;
  /**
   * How long to wait for the keys, in milliseconds; `0` tries once. Then it rejects with
   * `BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT`.
   */
  readonly waitMs: number;
  /** Stops waiting (rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
}

/** One write of {@link StorageLease.commit}: a value, or a delete, guarded by the version read before. */
export type StorageLeaseWrite =
  | {
      /** A key of the lease. */
      readonly key: string;
      /** The version read before, or `null` when the key was absent. */
      readonly expectedVersion: string | null;
      /** The new JSON-serialisable value. */
      readonly value: unknown;
      /**
       * `JSON.stringify(value)`, when the caller has it already (the sessions compute it to see
       * whether a value changed): a storage may write it instead of serialising `value` again.
       */
      readonly json?: string | undefined;
      /** The TTL of the new value, if any. */
      readonly ttlMs?: number | undefined;
    }
  | {
      /** A key of the lease. */
      readonly key: string;
      /** The version read before, or `null` when the key was absent. */
      readonly expectedVersion: string | null;
      /** Deletes the key. */
      readonly delete: true;
    };

/** What {@link StorageLease.commit} did: every write (`ok`), or none because a version did not match. */
export type StorageCommitResult =
  | {
      readonly ok: true;
      /** The new version of each write, in order (`undefined` for a delete). */
      readonly versions: ReadonlyArray<string | undefined>;
    }
  | {
      readonly ok: false;
      /** The first key whose version did not match; nothing was written. */
      readonly conflict: string;
    };

/**
 * Exclusive hold of some keys, granted by {@link Storage.lock}, until it is released or its TTL
 * passes without {@link StorageLease.extend}. The lock of a key is separate from its value:
 * taking or losing it never changes the value, and plain `set`/`compareAndSet` ignore it (a
 * writer that skips the lock is stopped only by the version check).
 */
export interface StorageLease {
  /** The locked keys, in the order they were asked for. */
  readonly keys: readonly string[];
  /**
   * The fencing token: a safe integer that is greater than the token of every earlier lease on
   * any of these keys in this storage. A write under a lease is accepted only while the lease
   * holds, so a holder that lost its lease (and may not know it yet) can never overwrite the
   * value of a newer holder.
   */
  readonly token: number;
  /** The value of each key when the lease was granted (same order as `keys`; `undefined`: absent). */
  readonly entries: ReadonlyArray<StorageEntry | undefined>;
  /**
   * Pushes the expiry to `ttlMs` from now (the holder renews while it runs).
   *
   * @param ttlMs The new time to live, in milliseconds.
   * @returns Nothing; rejects with `BOT_DISPATCHER_STORAGE_LEASE_LOST` when the lease is no longer
   *   held.
   */
  extend(ttlMs: number): Promise<void>;
  /**
   * Writes, atomically and only while the lease holds: every write is a compare-and-set on a key
   * of this lease; when one version does not match, nothing is written.
   *
   * @param writes The writes (may be empty).
   * @param options `release: true` also releases the lease, whatever the outcome (one round trip).
   * @returns The new versions, or the conflicting key.
   * @throws {LeaseLostError} `BOT_DISPATCHER_STORAGE_LEASE_LOST` when the lease expired or was
   *   released; nothing written.
   */
  commit(
    writes: readonly StorageLeaseWrite[],
    options?: { readonly release?: boolean | undefined },
  ): Promise<StorageCommitResult>;
  /**
   * Releases the keys. Refused (no effect) when this lease is no longer the holder: releasing an
   * expired lease never frees a newer holder's keys.
   *
   * @returns `true` when this lease held the keys and released them.
   */
  release(): Promise<boolean>;
}

/**
 * The key-value contract for sessions, dedup and other state. Every method is async and
 * atomic per key. Values must be JSON-serialisable; they are copied in and out, so mutating a
 * value after `set` or after `get` never changes what is stored.
 *
 * It is shaped so a Redis implementation can do every call in one round trip: `get` is
 * `HMGET value version`, `compareAndSet` and `setIfAbsent` are small Lua scripts
 * (compare the version, write value + new version + `PEXPIRE`).
 */
export interface Storage {
  /**
   * Reads a key.
   *
   * @param key The key.
   * @returns The value and its version, or `undefined` when absent or expired.
   */
  get<T = unknown>(key: string): Promise<StorageEntry<T> | undefined>;

  /**
   * Writes a key unconditionally.
   *
   * @param key The key.
   * @param value A JSON-serialisable value.
   * @param options The TTL, if any.
   * @returns The new version.
   */
  set(key: string, value: unknown, options?: StorageWriteOptions): Promise<string>;

  /**
   * Deletes a key.
   *
   * @param key The key.
   * @returns `true` when the key existed.
   */
  delete(key: string): Promise<boolean>;

  /**
   * Writes a key only if its current version is `expectedVersion` (`null`: only if absent).
   *
   * @param key The key.
   * @param expectedVersion The version read before, or `null` when the key was absent.
   * @param value A JSON-serialisable value.
   * @param options The TTL, if any.
   * @returns The new version, or `undefined` when the version did not match (nothing written).
   */
  compareAndSet(
    key: string,
    expectedVersion: string | null,
    value: unknown,
    options?: StorageWriteOptions,
  ): Promise<string | undefined>;

  /**
   * Writes a key only if it is absent (Redis `SET NX PX`). Used for dedup markers.
   *
   * @param key The key.
   * @param value A JSON-serialisable value.
   * @param options The TTL, if any.
   * @returns `true` when the key was written, `false` when it already existed.
   */
  setIfAbsent(key: string, value: unknown, options?: StorageWriteOptions): Promise<boolean>;

  /**
   * Optional capability: locks some keys for one holder with a lease (exclusive, with a TTL and a
   * fencing token) and reads them in the same step. Waiters are served first come, first served.
   * A store shared by several processes implements it so they serialise on a key (Redis: `SET NX
   * PX` with the token, Lua scripts that check the token to renew, release and write). Without
   * it, the dispatcher serialises in this process only and relies on `compareAndSet` across
   * processes (a lost race surfaces as `BOT_DISPATCHER_SESSION_CONFLICT`).
   *
   * Deadlock freedom: an implementation takes the keys of one call atomically or in one fixed
   * order (e.g. sorted). The dispatcher takes an update's keys in one canonical order (storage,
   * then key): a session is locked when first read, with the update's unread sessions before it,
   * so a later lease of an update is always for keys after every key it holds.
   *
   * @param keys Distinct, non-empty keys.
   * @param options TTL, wait deadline and abort signal.
   * @returns The lease, with the keys' current entries.
   * @throws {LockTimeoutError} `BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT` when the keys stayed held past
   *   `waitMs`.
   */
  lock?(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease>;
}
