/**
 * `bot.work(source)`: runs the updates of a durable source (a queue other processes fill) with
 * the bot's middleware and the one dedup. The dispatcher knows only the {@link UpdateSource}
 * contract; `@bot/persistence-redis/queue` implements it on Redis Streams.
 *
 * @module
 */
import type { Update } from "@bot/types";
import * as v from "valibot";
import { UpdateDedup } from "./dedup.js";
import { RuntimeError } from "./errors.js";
import type { PollingDedupOptions } from "./polling-options.js";
import type { Storage } from "./storage.js";

/**
 * Runs one update for a source. Resolves `true` when the update is handled (the source may
 * acknowledge it: the handler settled, or dedup found it handled already), `false` when it is
 * not (the source's stop aborted it, or it never started): the source keeps it for a rerun.
 */
export type UpdateSourceHandler = (update: Update, signal: AbortSignal) => Promise<boolean>;

/** What `bot.work` passes to {@link UpdateSource.run}. */
export interface UpdateSourceRunOptions {
  /** How many handlers may run at once in this process (different ordering keys in parallel). */
  readonly concurrency: number;
  /** On stop: how long running handlers may take before their signal aborts, in ms. */
  readonly graceMs: number;
  /** Routes an error that is not a handler's (storage, transport) to `bot.catch`. */
  report(error: unknown, update?: Update): void;
}

/**
 * A durable source of updates that `bot.work` drains: it hands updates to the handler in
 * per-chat order and acknowledges each one only once the handler resolved `true`.
 */
export interface UpdateSource {
  /**
   * Runs until `signal` aborts, then stops gracefully (stops taking updates, lets running ones
   * finish up to `graceMs`, acknowledges what finished) and resolves.
   *
   * @param handler Runs one update.
   * @param options Concurrency, grace and the error route.
   * @param signal Aborted to stop.
   */
  run(
    handler: UpdateSourceHandler,
    options: UpdateSourceRunOptions,
    signal: AbortSignal,
  ): Promise<void>;
}

/** Options of `bot.work`. */
export interface WorkOptions {
  /** How many handlers run at once in this process. Default 10. */
  readonly concurrency?: number | undefined;
  /** On stop: how long running handlers may take, in ms. Default 10 000. */
  readonly graceMs?: number | undefined;
  /** Stops the worker when aborted (as `bot.stop()` does). */
  readonly signal?: AbortSignal | undefined;
  /**
   * The `update_id` dedup that makes a rerun after a crash harmless (a handler that finished does
   * not run again). Default on, on the bot's storage (use a shared one, e.g. `RedisStorage`),
   * with key prefix `"queue:"` so it never meets the marks of an ingesting webhook. `false`
   * turns it off: then every rerun runs its handler again.
   */
  readonly dedup?: boolean | PollingDedupOptions | undefined;
}

const int = (name: string, min: number, max: number) =>
  v.optional(
    v.pipe(
      v.number(`${name} must be a number`),
      v.integer(`${name} must be an integer`),
      v.minValue(min, `${name} must be at least ${min}`),
      v.maxValue(max, `${name} must be at most ${max}`),
    ),
  );

const Schema = v.strictObject({
  concurrency: int("concurrency", 1, 100_000),
  graceMs: int("graceMs", 0, 2_147_483_647),
  signal: v.optional(
    v.custom<AbortSignal>((s) => s instanceof AbortSignal, "signal must be an AbortSignal"),
  ),
  dedup: v.optional(
    v.union(
      [
        v.boolean(),
        v.strictObject({
          storage: v.optional(
            v.custom<Storage>(
              (s) => typeof s === "object" && s !== null,
              "dedup.storage must be a Storage",
            ),
          ),
          ttlMs: int("dedup.ttlMs", 1, Number.MAX_SAFE_INTEGER),
          leaseMs: int("dedup.leaseMs", 1, Number.MAX_SAFE_INTEGER),
          prefix: v.optional(v.string()),
        }),
      ],
      "dedup must be a boolean or an object",
    ),
  ),
});

/** What `runWork` needs of the bot. */
export interface WorkHost {
  readonly storage: Storage;
  readonly botInfo: { readonly id: number };
  init(): Promise<void>;
  handleUpdate(update: Update, options: { signal: AbortSignal }): Promise<void>;
  reportError(error: unknown, where?: Update): Promise<void>;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Validates the options, builds the handler (dedup claim, middleware, dedup finish) and runs
 * the source until the signal aborts.
 *
 * @param host The bot.
 * @param source The source.
 * @param options The work options.
 * @param signal Aborted by `bot.stop()` (or the caller's signal).
 * @returns A promise settled when the source stopped.
 */
export async function runWork(
  host: WorkHost,
  source: UpdateSource,
  options: WorkOptions,
  signal: AbortSignal,
): Promise<void> {
  const parsed = v.safeParse(Schema, options);
  if (!parsed.success)
    throw new RuntimeError(
      "BOT_DISPATCHER_WORK_INVALID_OPTIONS",
      `@bot/dispatcher: invalid work options: ${parsed.issues[0].message}`,
    );
  if (
    typeof source !== "object" ||
    source === null ||
    typeof (source as { run?: unknown }).run !== "function"
  )
    throw new RuntimeError(
      "BOT_DISPATCHER_WORK_INVALID_OPTIONS",
      "@bot/dispatcher: work needs an UpdateSource (an object with run)",
    );
  await host.init();
  const o = options.dedup ?? true;
  const dedup =
    o === false
      ? undefined
      : new UpdateDedup({
          storage: (o === true ? undefined : o.storage) ?? host.storage,
          botId: host.botInfo.id,
          prefix: (o === true ? undefined : o.prefix) ?? "queue:",
          ...(o !== true && o.ttlMs !== undefined ? { ttlMs: o.ttlMs } : {}),
          ...(o !== true && o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
        });
  const report = (error: unknown, update?: Update) => void host.reportError(error, update);

  const handler: UpdateSourceHandler = async (update, taskSignal) => {
    const id = update.update_id;
    if (dedup !== undefined) {
      let failures = 0;
      for (;;) {
        if (taskSignal.aborted) return false;
        let claim: Awaited<ReturnType<UpdateDedup["claim"]>>;
        try {
          claim = await dedup.claim(id);
        } catch (error) {
          // Storage down: not handled; the chat waits, nothing is lost.
          report(error, update);
          await pause(Math.min(5000, 250 * 2 ** failures++), taskSignal);
          continue;
        }
        if (claim === "done") return true;
        if (claim === "claimed") break;
        // Another claim holds it: a live holder finishes it, a dead one's lease runs out.
        await pause(Math.min(1000, Math.ceil(dedup.leaseMs / 4)), taskSignal);
      }
    }
    try {
      await host.handleUpdate(update, { signal: taskSignal });
    } catch (error) {
      report(error, update);
    }
    if (taskSignal.aborted) {
      // The stop's grace ended while it ran: not finished in time, so it runs again elsewhere.
      await dedup?.release(id).catch((error: unknown) => report(error, update));
      return false;
    }
    await dedup?.finish(id).catch((error: unknown) => report(error, update));
    return true;
  };

  await source.run(
    handler,
    {
      concurrency: parsed.output.concurrency ?? 10,
      graceMs: parsed.output.graceMs ?? 10_000,
      report,
    },
    signal,
  );
}
