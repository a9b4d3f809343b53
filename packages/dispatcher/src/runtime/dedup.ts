import { randomBytes } from "node:crypto";
import * as v from "valibot";
import { brandStorageUnavailable, causedByStorageOutage, RuntimeError } from "./errors.js";
import type { Storage } from "./storage.js";
import { storageKey } from "./storage-key.js";

/** What a claim found. */
export type ClaimResult =
  /** This caller holds the update now: run it, then `finish` (or `release` if it did not run). */
  | "claimed"
  /** The update was handled already (by any process): skip it. */
  | "done"
  /** Another claim holds it (a live process is running it, or a dead one's lease has not run out). */
  | "busy";

/** Options of {@link UpdateDedup}. */
export interface UpdateDedupOptions {
  /** Where the marks live; use a durable, shared one for dedup across restarts and processes. */
  readonly storage: Storage;
  /**
   * Scopes the keys, so two bots on one storage never share marks: the bot's id (the part of
   * the token before the colon, or `getMe().id`).
   */
  readonly botId: number | string;
  /**
   * Put in front of every key. Default `""`: keys are `<botId>:dedup:<update_id>`
   * (`storageKey(botId, "dedup", updateId)`, the scheme sessions use too).
   */
  readonly prefix?: string | undefined;
  /** How long a "done" mark is kept, in milliseconds. Default 24 h (Telegram keeps updates that long). */
  readonly ttlMs?: number | undefined;
  /**
   * How long a claim lives, in milliseconds, when its holder neither finishes nor releases it
   * (the process died). Default 60 s. Keep it longer than a handler may run (with polling:
   * longer than `handlerTimeoutMs`), or a second process may run an update the first still runs.
   */
  readonly leaseMs?: number | undefined;
}

const positive = (name: string) =>
  v.optional(
    v.pipe(
      v.number(`${name} must be a number`),
      v.integer(`${name} must be an integer`),
      v.minValue(1, `${name} must be at least 1`),
      v.maxValue(Number.MAX_SAFE_INTEGER, `${name} must be a safe integer`),
    ),
  );

const OptionsSchema = v.strictObject({
  storage: v.custom<Storage>(
    (s) =>
      typeof s === "object" &&
      s !== null &&
      ["get", "set", "delete", "setIfAbsent"].every(
        (m) => typeof (s as Record<string, unknown>)[m] === "function",
      ),
    "storage must be a Storage (get, set, delete, setIfAbsent)",
  ),
  botId: v.union(
    [v.pipe(v.number(), v.safeInteger()), v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/))],
    "botId must be an integer or a short id of letters, digits, _ and -",
  ),
  prefix: v.optional(v.pipe(v.string("prefix must be a string"), v.maxLength(200))),
  ttlMs: positive("ttlMs"),
  leaseMs: positive("leaseMs"),
});

const DONE = "done";

/**
 * The one dedup of `@bot/dispatcher`, by `update_id`, used by long polling and by the webhook
 * runner. Claim before the handler runs, finish after it, release when it did not run:
 *
 * - `claim` writes a claim mark with `setIfAbsent` and a lease TTL. Only one caller (in any
 *   process sharing the storage) gets `"claimed"`.
 * - `finish` replaces it with a "done" mark kept for `ttlMs`: the update never runs again.
 * - `release` deletes this process's claim, so a redelivery runs the update.
 * - A claim whose holder died expires with its lease; the next delivery runs the update.
 *
 * So after `kill -9` only an update whose handler was running can run again, never a
 * finished one, provided the storage is durable.
 */
export class UpdateDedup {
  readonly #storage: Storage;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  /** This instance's claim mark, so `release` never deletes another holder's claim. */
  readonly #claimMark = `running:${randomBytes(6).toString("base64url")}`;
  /**
   * Ids this instance claimed and has not finished or released yet. A claim mark of this
   * instance on an id not in it is one whose release failed (the storage was down): the
   * redelivery takes it back at once instead of waiting out the lease.
   */
  readonly #held = new Set<number>();

  /**
   * Creates the dedup.
   *
   * @param options Storage, bot id, TTLs.
   * @throws {RuntimeError} `BOT_DISPATCHER_DEDUP_INVALID_OPTIONS` for bad options.
   */
  constructor(options: UpdateDedupOptions) {
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new RuntimeError(
        "BOT_DISPATCHER_DEDUP_INVALID_OPTIONS",
        `@bot/dispatcher: invalid dedup options: ${parsed.issues[0].message}`,
      );
    }
    this.#storage = options.storage;
    this.#prefix = `${options.prefix ?? ""}${storageKey(options.botId, "dedup")}:`;
    this.#ttlMs = options.ttlMs ?? 86_400_000;
    this.#leaseMs = options.leaseMs ?? 60_000;
  }

  /** The claim lease in milliseconds. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /**
   * The storage key of an update's mark.
   *
   * @param updateId The update's id.
   * @returns `<prefix><botId>:dedup:<updateId>`.
   */
  key(updateId: number): string {
    return this.#prefix + updateId;
  }

  /**
   * Claims an update before its handler runs.
   *
   * @param updateId The update's id.
   * @returns `"claimed"` when this caller should run it, `"done"` when it ran already,
   *   `"busy"` when another claim holds it now.
   * @throws {RuntimeError} `BOT_DISPATCHER_DEDUP_UNAVAILABLE` when the storage failed (the cause is
   *   attached).
   */
  async claim(updateId: number): Promise<ClaimResult> {
    const key = this.key(updateId);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await this.#storage.setIfAbsent(key, this.#claimMark, { ttlMs: this.#leaseMs })) {
          this.#held.add(updateId);
          return "claimed";
        }
        const entry = await this.#storage.get(key);
        if (entry === undefined) continue; // expired in between: try again
        if (entry.value === DONE) return "done";
        if (
          entry.value === this.#claimMark &&
          !this.#held.has(updateId) &&
          typeof this.#storage.compareAndSet === "function"
        ) {
          // Our own claim, left behind by a release that failed: take it again (atomically,
          // so a claim that expired and was taken by another holder meanwhile stays theirs).
          const taken = await this.#storage.compareAndSet(key, entry.version, this.#claimMark, {
            ttlMs: this.#leaseMs,
          });
          if (taken === undefined) continue;
          this.#held.add(updateId);
          return "claimed";
        }
        return "busy";
      }
      return "busy";
    } catch (error) {
      throw unavailable("claim", error);
    }
  }

  /**
   * Marks a claimed update as handled, for `ttlMs`.
   *
   * @param updateId The update's id.
   * @throws {RuntimeError} `BOT_DISPATCHER_DEDUP_UNAVAILABLE` when the storage failed.
   */
  async finish(updateId: number): Promise<void> {
    try {
      await this.#storage.set(this.key(updateId), DONE, { ttlMs: this.#ttlMs });
    } catch (error) {
      throw unavailable("finish", error);
    } finally {
      this.#held.delete(updateId);
    }
  }

  /**
   * Gives this process's claim back (the handler did not run, or was abandoned unfinished),
   * so a redelivery runs the update. A mark that is not this instance's claim is left alone.
   *
   * @param updateId The update's id.
   * @throws {RuntimeError} `BOT_DISPATCHER_DEDUP_UNAVAILABLE` when the storage failed.
   */
  async release(updateId: number): Promise<void> {
    const key = this.key(updateId);
    try {
      const entry = await this.#storage.get(key);
      if (entry?.value === this.#claimMark) await this.#storage.delete(key);
    } catch (error) {
      throw unavailable("release", error);
    } finally {
      this.#held.delete(updateId);
    }
  }
}

function unavailable(what: string, cause: unknown): RuntimeError {
  const error = new RuntimeError(
    "BOT_DISPATCHER_DEDUP_UNAVAILABLE",
    `@bot/dispatcher: the dedup storage failed to ${what} a mark`,
    { cause },
  );
  // A storage outage behind it stays recognisable: `isStorageUnavailable(error)` is true.
  return causedByStorageOutage(cause) ? brandStorageUnavailable(error) : error;
}
