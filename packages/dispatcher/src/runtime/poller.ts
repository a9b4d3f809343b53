import { AsyncLocalStorage } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import type { Update, UpdateKind } from "@bot/types";
import type { BotInfo } from "../core/api.js";
import { checkBatch } from "./batch.js";
import { UpdateDedup } from "./dedup.js";
import { PollingError, RuntimeError } from "./errors.js";
import { checkPollingOptions, type PollingHost, type PollingOptions } from "./polling-options.js";
import { KeyedScheduler, type TaskKey } from "./scheduler.js";
import { updateKey } from "./update-keys.js";
import { type PollingRun, UpdateTask } from "./update-task.js";
import { UpdateWindow } from "./update-window.js";

/** After the grace: how long aborted handlers get to settle, and the final confirmation's budget. */
const SETTLE_MS = 500;
const CONFIRM_MS = 1000;

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
  readonly #key: (update: Update) => TaskKey;
  readonly #limit: number;
  readonly #channel = diagnostics.channel(POLLING_CHANNEL);
  /** Marks the async context of handlers, so `stop()` knows when a handler calls it. */
  readonly #context = new AsyncLocalStorage<PollingRun>();
  readonly #scheduler: KeyedScheduler;
  #run: PollingRun | undefined;
  #window = new UpdateWindow();
  #running = false;
  #stopping = false;
  #abort = new AbortController();
  #wake: (() => void) | undefined;
  #done: Promise<void> = Promise.resolve();
  #confirmed: number | undefined;
  #attempt = 0;
  /**
   * The lowest update left to be delivered again (storage down) that the watermark has not
   * passed yet; the fetch loop backs off before fetching it again.
   */
  #rewindFrom: number | undefined;
  /** Rewinds not yet backed off for. */
  #rewindPending = false;
  /** Counts rewinds, so a batch fetched while one happened is dropped (it is fetched again). */
  #rewinds = 0;
  #rewindAttempt = 0;

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
    this.#scheduler = options.scheduler ?? this.#newScheduler();
    this.#key = options.key ?? updateKey;
    this.#limit = options.limit ?? 100;
  }

  #newScheduler(): KeyedScheduler {
    return new KeyedScheduler({
      concurrency: this.#options.concurrency ?? 50,
      timeoutMs: this.#options.handlerTimeoutMs ?? 30_000,
    });
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
   * Polls until stopped. Resolves after a stop, once nothing of this poller runs: handlers finished
   * (or were abandoned at the end of the grace) and the finished ones were confirmed. Rejects with
   * a {@link PollingError} on 401 (`BOT_DISPATCHER_POLLING_UNAUTHORIZED`), on 409
   * (`BOT_DISPATCHER_POLLING_CONFLICT`, `BOT_DISPATCHER_POLLING_WEBHOOK_ACTIVE`), or when
   * `host.init()` fails.
   *
   * @returns A promise settled when polling ended.
   */
  start(): Promise<void> {
    if (this.#running) {
      return Promise.reject(
        new PollingError(
          "BOT_DISPATCHER_POLLING_ALREADY_RUNNING",
          "@bot/dispatcher: polling is already running",
        ),
      );
    }
    this.#running = true;
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#window = new UpdateWindow();
    this.#confirmed = undefined;
    this.#rewindFrom = undefined;
    this.#rewindPending = false;
    this.#rewindAttempt = 0;
    this.#done = this.#poll();
    return this.#done;
  }

  /**
   * Stops gracefully: fetching stops (the pending long poll is aborted), updates not started
   * yet do not start (they stay unconfirmed, so Telegram delivers them again; only one below
   * an update that already started still runs, so that the finished ones can be confirmed:
   * the offset confirms a contiguous prefix), running handlers get `graceMs`, then their
   * `ctx.signal` is aborted; what finished is confirmed.
   *
   * Called from one of this poller's own handlers (a `/shutdown` command), it only starts the
   * stop and resolves at once, so the handler can finish and its update be confirmed.
   *
   * @returns A promise resolved when `start()` has settled (or at once from a handler); never rejects.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#stopping = true;
    if (this.#run !== undefined) this.#run.stopping = true;
    this.#abort.abort();
    this.#wake?.();
    const caller = this.#context.getStore();
    if (caller !== undefined && caller === this.#run) return;
    await this.#done.catch(() => undefined);
  }

  async #poll(): Promise<void> {
    const removeSignals = this.#installSignals();
    let fatal: unknown;
    let run: PollingRun | undefined;
    try {
      await this.#host.init();
      run = this.#newRun();
      this.#run = run;
      if (this.#stopping) run.stopping = true;
      if (this.#options.deleteWebhook === true && !this.#stopping) {
        await this.#host.api.deleteWebhook(
          { drop_pending_updates: this.#options.dropPendingUpdates ?? false },
          { signal: this.#abort.signal },
        );
      }
      const allowed = this.#options.allowedUpdates ?? this.#host.allowedUpdates();
      await this.#loop(run, [...allowed]);
    } catch (error) {
      if (!(this.#stopping && this.#abort.signal.aborted && !RuntimeError.is(error))) {
        fatal = error;
      }
    }
    try {
      this.#stopping = true;
      if (run !== undefined) run.stopping = true;
      this.#abort.abort();
      if (run !== undefined) await this.#drain(run);
      if (fatal === undefined) await this.#finalConfirm();
    } finally {
      if (run !== undefined) run.ended = true;
      this.#run = undefined;
      removeSignals();
      this.#running = false;
      this.#publish({ type: "stopped", confirmedOffset: this.#confirmed });
    }
    if (fatal !== undefined) throw fatal;
  }

  /** The state this run's update tasks share. */
  #newRun(): PollingRun {
    const dedupOption = this.#options.dedup;
    let dedup: UpdateDedup | undefined;
    if (dedupOption !== undefined) {
      const o = dedupOption === true ? {} : dedupOption;
      const storage = o.storage ?? this.#host.storage;
      const botId = this.#host.botInfo?.id;
      if (storage === undefined || botId === undefined) {
        throw new PollingError(
          "BOT_DISPATCHER_POLLING_INVALID_OPTIONS",
          "@bot/dispatcher: dedup needs a storage and the bot's id (host.storage and host.botInfo)",
        );
      }
      const timeoutMs = this.#scheduler.timeoutMs;
      dedup = new UpdateDedup({
        storage,
        botId,
        prefix: o.prefix,
        ttlMs: o.ttlMs,
        leaseMs: o.leaseMs ?? Math.max(60_000, timeoutMs + 10_000),
      });
    }
    const poller = this;
    return {
      host: this.#host,
      window: this.#window,
      dedup,
      context: this.#context,
      live: new Set(),
      stopping: false,
      highestStarted: -1,
      ended: false,
      report: (error, update) => this.#report(error, update),
      publish: (message) => this.#publish(message),
      wake: () => this.#wake?.(),
      pause(ms) {
        return poller.#pause(this, ms);
      },
      rewind: (updateId) => this.#rewind(updateId),
    };
  }

  /**
   * An update was not handled (storage down) and left unconfirmed: the pending updates above it
   * turn stale (those not started leave, so none runs ahead of it), and the fetch loop fetches
   * it again after a back-off.
   */
  #rewind(updateId: number): void {
    this.#window.rewind(updateId);
    if (this.#rewindFrom === undefined || updateId < this.#rewindFrom) this.#rewindFrom = updateId;
    this.#rewindPending = true;
    this.#rewinds += 1;
    this.#publish({ type: "rewind", updateId });
    this.#wake?.();
  }

  /** The back-off before fetching a rewound update again: bounded exponential, with jitter. */
  #rewindBackoff(): number {
    const initial = this.#options.backoff?.initialMs ?? 500;
    const max = this.#options.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** this.#rewindAttempt);
    this.#rewindAttempt = Math.min(this.#rewindAttempt + 1, 30);
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  /** Waits `ms`, or less when the run stops. */
  #pause(run: PollingRun, ms: number): Promise<void> {
    if (run.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const onAbort = () => done();
      const signal = this.#abort.signal;
      signal.addEventListener("abort", onAbort, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve();
      }
    });
  }

  async #loop(run: PollingRun, allowed: UpdateKind[]): Promise<void> {
    const timeout = this.#options.timeout ?? 30;
    let first = true;
    while (!this.#stopping) {
      await this.#waitForRoom();
      if (this.#stopping) return;
      if (this.#rewindFrom !== undefined) {
        const watermark = this.#window.watermark;
        if (watermark !== undefined && watermark >= this.#rewindFrom) {
          // What was delivered again got handled: the storage is back.
          this.#rewindFrom = undefined;
          this.#rewindAttempt = 0;
        }
      }
      if (this.#rewindPending) {
        this.#rewindPending = false;
        // Ends early on stop (what is left stays unconfirmed and is delivered after a restart).
        await this.#pause(run, this.#rewindBackoff());
        if (this.#stopping) return;
      }
      const rewinds = this.#rewinds;
      const offset = this.#window.nextOffset(this.#confirmed);
      const idle = this.#window.inFlight === 0;
      let result: unknown;
      try {
        const request = this.#host.api.getUpdates(
          {
            ...(offset === undefined ? {} : { offset }),
            limit: this.#limit,
            timeout: idle ? timeout : 0,
            allowed_updates: allowed,
          },
          { signal: this.#abort.signal },
        );
        if (first) {
          first = false;
          this.#started();
        }
        result = await request;
      } catch (error) {
        if (this.#stopping) return;
        const failure = this.#classify(error);
        if ("fatal" in failure) throw failure.fatal;
        await this.#report(failure.report);
        await this.#sleep(failure.waitMs);
        continue;
      }
      // The request carried the offset, so Telegram forgot what is below it, whatever came back.
      if (offset !== undefined) this.#confirmed = offset;
      // An update was left to be delivered again while this fetch ran: back off first, then
      // fetch again (the batch would bring it back at once).
      if (this.#rewinds !== rewinds) continue;
      let batch: ReturnType<typeof checkBatch>;
      try {
        batch = checkBatch(result);
      } catch (error) {
        await this.#report(error);
        await this.#sleep(this.#backoff());
        continue;
      }
      this.#attempt = 0;
      this.#window.markFetched();
      const fresh = this.#window.accept(batch.entries);
      this.#publish({
        type: "batch",
        offset,
        received: batch.entries.length,
        fresh: fresh.length,
        invalid: batch.invalid.size + batch.unplaceable,
      });
      if (batch.unplaceable > 0) {
        await this.#report(
          new PollingError(
            "BOT_DISPATCHER_POLLING_INVALID_UPDATE",
            `@bot/dispatcher: getUpdates returned ${batch.unplaceable} element(s) without a valid update_id; skipped`,
          ),
        );
      }
      for (const update of fresh) {
        const invalid = batch.invalid.get(update.update_id);
        if (invalid === undefined) this.#dispatch(run, update);
        else {
          void this.#report(invalid);
          this.#window.finish(update.update_id); // skipped: the offset passes it
        }
      }
    }
  }

  /** The first `getUpdates` is under way: call `onStart`. */
  #started(): void {
    const onStart = this.#options.onStart;
    this.#publish({ type: "started" });
    if (onStart === undefined) return;
    try {
      const r = onStart(this.#host.botInfo as BotInfo);
      if (r instanceof Promise) r.catch((error: unknown) => this.#report(error));
    } catch (error) {
      void this.#report(error);
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

  #dispatch(run: PollingRun, update: Update): void {
    let key: TaskKey;
    try {
      key = this.#key(update);
    } catch (error) {
      void this.#report(error, update);
    }
    this.#scheduler.submit(key, new UpdateTask(run, update));
  }

  #classify(error: unknown): FetchFailure {
    const status = field(error, "errorCode");
    if (status === 401) {
      return {
        fatal: new PollingError(
          "BOT_DISPATCHER_POLLING_UNAUTHORIZED",
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
              "BOT_DISPATCHER_POLLING_WEBHOOK_ACTIVE",
              "@bot/dispatcher: a webhook is set, so getUpdates is refused (409); start polling with { deleteWebhook: true } to remove it",
              error,
            ),
          }
        : {
            fatal: new PollingError(
              "BOT_DISPATCHER_POLLING_CONFLICT",
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
    const report = new PollingError(
      "BOT_DISPATCHER_POLLING_FETCH_FAILED",
      "@bot/dispatcher: getUpdates failed; retrying after a back-off",
      error,
    );
    return { waitMs: this.#backoff(), report };
  }

  /** The next exponential back-off with jitter, in milliseconds. */
  #backoff(): number {
    const initial = this.#options.backoff?.initialMs ?? 500;
    const max = this.#options.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return Math.round(base * (0.5 + Math.random() * 0.5));
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

  /**
   * Lets running handlers finish for `graceMs`; nothing new starts. Then aborts their signals,
   * gives them {@link SETTLE_MS}, and gives up on the rest (unconfirmed, claims released).
   */
  async #drain(run: PollingRun): Promise<void> {
    // Updates not started leave when their turn comes (they see `run.stopping`), unless a
    // higher one started already: those run, so what finished can be confirmed contiguously.
    if (this.#window.inFlight === 0) return;
    const graceMs = this.#options.graceMs ?? 6000;
    if (await this.#drained(graceMs)) return;
    const stuck = this.#window.inFlight;
    const reason = new PollingError(
      "BOT_DISPATCHER_POLLING_STOP_TIMEOUT",
      `@bot/dispatcher: ${stuck} update(s) still running after the ${graceMs} ms grace period; their signals are aborted, and those that do not finish are not confirmed and will be delivered again`,
    );
    for (const task of run.live) task.abort(reason);
    await this.#report(reason);
    if (await this.#drained(SETTLE_MS)) return;
    const left = [...run.live].map((task) => task.abandon());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(left),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SETTLE_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Waits until nothing is in flight, at most `ms`; tells whether it drained. */
  async #drained(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.#window.drained().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return drained;
  }

  async #finalConfirm(): Promise<void> {
    const offset = this.#window.nextOffset(this.#confirmed);
    if (offset === undefined || offset === this.#confirmed) return;
    try {
      await this.#host.api.getUpdates(
        { offset, limit: 1, timeout: 0 },
        { signal: AbortSignal.timeout(CONFIRM_MS) },
      );
      this.#confirmed = offset;
      this.#publish({ type: "confirmed", offset });
    } catch (error) {
      await this.#report(
        new PollingError(
          "BOT_DISPATCHER_POLLING_FETCH_FAILED",
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
