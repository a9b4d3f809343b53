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
}
