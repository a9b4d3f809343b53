/**
 * An in-process mutex per string key. `acquire` resolves with a release function once every
 * earlier holder of the key released it. Entries are removed when the last holder releases.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Waits for the key.
   *
   * @param key The key to lock.
   * @returns A function that releases the key (idempotent).
   */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous === undefined ? mine : previous.then(() => mine);
    this.#tails.set(key, tail);
    if (previous !== undefined) await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** The number of keys currently held or awaited. */
  get size(): number {
    return this.#tails.size;
  }
}

const locks = new WeakMap<object, KeyedLock>();

/**
 * The lock table shared by everything in this process that uses one storage object.
 *
 * @param storage The storage the keys belong to.
 * @returns Its lock table.
 */
export function lockFor(storage: object): KeyedLock {
  let lock = locks.get(storage);
  if (lock === undefined) {
    lock = new KeyedLock();
    locks.set(storage, lock);
  }
  return lock;
}
