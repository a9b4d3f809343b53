import diagnostics from "node:diagnostics_channel";
import type { Update, UpdateKind } from "@bot/types";
import { PollingError, RuntimeError } from "./errors.js";
import { checkPollingOptions, type PollingHost, type PollingOptions } from "./polling-options.js";
import { KeyedScheduler, type TaskKey } from "./scheduler.js";
import { updateKey } from "./update-keys.js";
import { UpdateWindow } from "./update-window.js";

/** The `diagnostics_channel` name where polling publishes its events. */
export const POLLING_CHANNEL = "@bot/dispatcher:polling";

/** What the fetch loop learned from a failed `getUpdates`. */
type FetchFailure = { fatal: PollingError } | { waitMs: number; report: unknown };

function field(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Long polling with at-least-once delivery: fetches with `getUpdates`, runs updates through a
 * {@link KeyedScheduler} (bounded concurrency, in order per chat), and confirms an offset only
 * up to the highest update that finished together with every lower one.
 */
export class Poller {
  readonly #host: PollingHost;
  readonly #options: PollingOptions;
  readonly #scheduler: KeyedScheduler;
  readonly #key: (update: Update) => TaskKey;
  readonly #limit: number;
  readonly #channel = diagnostics.channel(POLLING_CHANNEL);
  #window = new UpdateWindow();
  #running = false;
  #stopping = false;
  #abort = new AbortController();
  #wake: (() => void) | undefined;
  #done: Promise<void> = Promise.resolve();
  #confirmed: number | undefined;
  #attempt = 0;

  /**
   * Creates a poller; nothing happens until `start()`.
   *
   * @param host What to drive (a `Bot`, or any {@link PollingHost}).
   * @param options Polling options.
   */
  constructor(host: PollingHost, options: PollingOptions = {}) {
    checkPollingOptions(options);
    this.#host = host;
    this.#options = options;
    this.#scheduler =
      options.scheduler ?? new KeyedScheduler({ concurrency: options.concurrency ?? 50 });
    this.#key = options.key ?? updateKey;
    this.#limit = options.limit ?? 100;
  }

  /** Whether polling runs (from `start()` until it resolved). */
  get running(): boolean {
    return this.#running;
  }

  /** The number of updates received and not finished yet. */
  get inFlight(): number {
    return this.#window.inFlight;
  }

  /**
   * Polls until stopped. Resolves after a stop, once running handlers finished (or the grace
   * period ran out) and the finished ones were confirmed. Rejects with a {@link PollingError}
   * on 401 (`POLLING_UNAUTHORIZED`), on 409 (`POLLING_CONFLICT`, `POLLING_WEBHOOK_ACTIVE`), or
   * when `host.init()` fails.
   *
   * @returns A promise settled when polling ended.
   */
  start(): Promise<void> {
    if (this.#running) {
      return Promise.reject(
        new PollingError("POLLING_ALREADY_RUNNING", "@bot/dispatcher: polling is already running"),
      );
    }
    this.#running = true;
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#window = new UpdateWindow();
    this.#confirmed = undefined;
    this.#done = this.#run();
    return this.#done;
  }

  /**
   * Stops fetching (the pending long poll is aborted), waits for running handlers up to the
   * grace period, confirms what finished.
   *
   * @returns A promise resolved when `start()` has settled; never rejects.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#stopping = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#done.catch(() => undefined);
  }

  async #run(): Promise<void> {
    const removeSignals = this.#installSignals();
    let fatal: unknown;
    try {
      await this.#host.init();
      if (this.#options.deleteWebhook === true && !this.#stopping) {
        await this.#host.api.deleteWebhook(
          { drop_pending_updates: this.#options.dropPendingUpdates ?? false },
          { signal: this.#abort.signal },
        );
      }
      const allowed = this.#options.allowedUpdates ?? this.#host.allowedUpdates();
      await this.#loop([...allowed]);
    } catch (error) {
      if (!(this.#stopping && this.#abort.signal.aborted && !RuntimeError.is(error))) {
        fatal = error;
      }
    }
    try {
      this.#stopping = true;
      this.#abort.abort();
      await this.#drain();
      if (fatal === undefined) await this.#finalConfirm();
    } finally {
      removeSignals();
      this.#running = false;
      this.#publish({ type: "stopped", confirmedOffset: this.#confirmed });
    }
    if (fatal !== undefined) throw fatal;
  }

  async #loop(allowed: UpdateKind[]): Promise<void> {
    const timeout = this.#options.timeout ?? 30;
    while (!this.#stopping) {
      await this.#waitForRoom();
      if (this.#stopping) return;
      const offset = this.#window.nextOffset(this.#confirmed);
      const idle = this.#window.inFlight === 0;
      let updates: Update[];
      try {
        updates = await this.#host.api.getUpdates(
          {
            ...(offset === undefined ? {} : { offset }),
            limit: this.#limit,
            timeout: idle ? timeout : 0,
            allowed_updates: allowed,
          },
          { signal: this.#abort.signal },
        );
      } catch (error) {
        if (this.#stopping) return;
        const failure = this.#classify(error);
        if ("fatal" in failure) throw failure.fatal;
        await this.#report(failure.report);
        await this.#sleep(failure.waitMs);
        continue;
      }
      this.#attempt = 0;
      if (offset !== undefined) this.#confirmed = offset;
      this.#window.markFetched();
      const fresh = this.#window.accept(updates);
      this.#publish({ type: "batch", offset, received: updates.length, fresh: fresh.length });
      for (const update of fresh) this.#dispatch(update);
    }
  }

  /** Waits until a fetch can bring new updates (see `stalledFetchMs`). */
  async #waitForRoom(): Promise<void> {
    const stalledMs = this.#options.stalledFetchMs ?? 1000;
    const started = Date.now();
    while (!this.#stopping) {
      const w = this.#window;
      if (w.inFlight === 0) return;
      const room = w.pending < this.#limit;
      if (room && w.advancedSinceFetch && w.pending <= this.#limit / 2) return;
      const waited = Date.now() - started;
      if (room && waited >= stalledMs) return;
      await new Promise<void>((resolve) => {
        const timer = room ? setTimeout(resolve, stalledMs - waited) : undefined;
        this.#wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #dispatch(update: Update): void {
    let key: TaskKey;
    try {
      key = this.#key(update);
    } catch (error) {
      void this.#report(error, update);
    }
    this.#scheduler
      .schedule(key, () => this.#handle(update))
      .catch((error: unknown) => this.#report(error, update))
      .finally(() => {
        this.#window.finish(update.update_id);
        this.#wake?.();
      });
  }

  async #handle(update: Update): Promise<void> {
    const dedup = this.#options.dedup;
    const dedupKey = dedup === undefined ? "" : `${dedup.prefix ?? "dedup:"}${update.update_id}`;
    if (dedup !== undefined) {
      try {
        if ((await dedup.storage.get(dedupKey)) !== undefined) {
          this.#publish({ type: "duplicate", updateId: update.update_id });
          return;
        }
      } catch (error) {
        await this.#report(error, update); // storage down: handle anyway (at-least-once)
      }
    }
    try {
      await this.#host.handleUpdate(update);
    } catch (error) {
      await this.#report(error, update);
    }
    if (dedup !== undefined) {
      try {
        await dedup.storage.set(dedupKey, 1, { ttlMs: dedup.ttlMs ?? 86_400_000 });
      } catch (error) {
        await this.#report(error, update);
      }
    }
  }

  #classify(error: unknown): FetchFailure {
    const status = field(error, "errorCode");
    if (status === 401) {
      return {
        fatal: new PollingError(
          "POLLING_UNAUTHORIZED",
          "@bot/dispatcher: the bot token was rejected (401); polling stopped",
          error,
        ),
      };
    }
    if (status === 409) {
      const description = String(field(error, "description") ?? field(error, "message") ?? "");
      return /webhook/i.test(description)
        ? {
            fatal: new PollingError(
              "POLLING_WEBHOOK_ACTIVE",
              "@bot/dispatcher: a webhook is set, so getUpdates is refused (409); start polling with { deleteWebhook: true } to remove it",
              error,
            ),
          }
        : {
            fatal: new PollingError(
              "POLLING_CONFLICT",
              "@bot/dispatcher: another getUpdates request is running for this bot (409); make sure only one instance polls",
              error,
            ),
          };
    }
    const retryAfter = field(error, "retryAfter");
    if (status === 429 && typeof retryAfter === "number" && retryAfter >= 0) {
      this.#attempt = 0;
      return { waitMs: retryAfter * 1000, report: error };
    }
    const initial = this.#options.backoff?.initialMs ?? 500;
    const max = this.#options.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    const report = new PollingError(
      "POLLING_FETCH_FAILED",
      "@bot/dispatcher: getUpdates failed; retrying after a back-off",
      error,
    );
    return { waitMs: Math.round(base * (0.5 + Math.random() * 0.5)), report };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#stopping) return resolve();
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.#wake = undefined;
    });
  }

  async #drain(): Promise<void> {
    if (this.#window.inFlight === 0) return;
    const graceMs = this.#options.graceMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.#window.drained().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      await this.#report(
        new PollingError(
          "POLLING_STOP_TIMEOUT",
          `@bot/dispatcher: ${this.#window.inFlight} update(s) still running after the ${graceMs} ms grace period; they are not confirmed and will be delivered again`,
        ),
      );
    }
  }

  async #finalConfirm(): Promise<void> {
    const offset = this.#window.nextOffset(this.#confirmed);
    if (offset === undefined || offset === this.#confirmed) return;
    try {
      await this.#host.api.getUpdates(
        { offset, limit: 1, timeout: 0 },
        { signal: AbortSignal.timeout(5000) },
      );
      this.#confirmed = offset;
      this.#publish({ type: "confirmed", offset });
    } catch (error) {
      await this.#report(
        new PollingError(
          "POLLING_FETCH_FAILED",
          "@bot/dispatcher: could not confirm the last handled updates on stop; they will be delivered again",
          error,
        ),
      );
    }
  }

  #installSignals(): () => void {
    const signals = this.#options.signals ?? ["SIGINT", "SIGTERM"];
    if (signals === false || signals.length === 0) return () => undefined;
    const onSignal = () => {
      remove();
      void this.stop();
    };
    const remove = () => {
      for (const s of signals) process.removeListener(s, onSignal);
    };
    for (const s of signals) process.on(s, onSignal);
    return remove;
  }

  async #report(error: unknown, update?: Update): Promise<void> {
    this.#publish({ type: "error", error, updateId: update?.update_id });
    try {
      await this.#host.reportError(error, update);
    } catch (failure) {
      this.#publish({ type: "error-handler-failed", error: failure });
    }
  }

  #publish(message: Record<string, unknown>): void {
    if (this.#channel.hasSubscribers) this.#channel.publish(message);
  }
}
