import type { DedupStorage } from "./contract.js";

/** What a claim found. */
export type ClaimResult = "new" | "done" | "busy";

const DONE = "done";

/**
 * Dedup by `update_id` on a shared `Storage`. A claim writes a `running` marker that lives
 * for a lease; a finished update turns it into a `done` marker kept for `ttlMs`. A marker
 * still `running` after a crash expires with its lease, so Telegram's next resend runs it.
 */
export class Dedup {
  readonly #storage: DedupStorage;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #leaseMs: number;

  /**
   * Creates the dedup.
   *
   * @param storage Where markers live.
   * @param prefix The key prefix.
   * @param ttlMs How long a `done` marker is kept.
   * @param leaseMs How long a `running` marker is kept.
   */
  constructor(storage: DedupStorage, prefix: string, ttlMs: number, leaseMs: number) {
    this.#storage = storage;
    this.#prefix = prefix;
    this.#ttlMs = ttlMs;
    this.#leaseMs = leaseMs;
  }

  /**
   * Claims an update.
   *
   * @param updateId The update's id.
   * @returns `"new"` when this caller should run it, `"done"` when it already ran, `"busy"`
   *   when another process holds it right now.
   */
  async claim(updateId: number): Promise<ClaimResult> {
    const key = this.#prefix + updateId;
    for (let attempt = 0; attempt < 3; attempt++) {
      const written = await this.#storage.compareAndSet(key, null, "running", {
        ttlMs: this.#leaseMs,
      });
      if (written !== undefined) return "new";
      const entry = await this.#storage.get(key);
      if (entry === undefined) continue; // expired in between: try again
      return entry.value === DONE ? "done" : "busy";
    }
    return "busy";
  }

  /**
   * Marks a claimed update as finished.
   *
   * @param updateId The update's id.
   */
  async finish(updateId: number): Promise<void> {
    await this.#storage.set(this.#prefix + updateId, DONE, { ttlMs: this.#ttlMs });
  }

  /**
   * Gives a claim back, so a resend runs the update.
   *
   * @param updateId The update's id.
   */
  async release(updateId: number): Promise<void> {
    await this.#storage.delete(this.#prefix + updateId);
  }
}
