import type { AsyncLocalStorage } from "node:async_hooks";
import type { Update } from "@bot/types";
import type { UpdateDedup } from "./dedup.js";
import { type HandlerTimeoutError, UpdateNotConfirmedError } from "./errors.js";
import type { PollingHost } from "./polling-options.js";
import type { SchedulerTask, TaskHandle } from "./scheduler.js";
import type { UpdateWindow } from "./update-window.js";

/** One polling run (from `start()` until it settled), as its update tasks see it. */
export interface PollingRun {
  readonly host: PollingHost;
  readonly window: UpdateWindow;
  readonly dedup: UpdateDedup | undefined;
  /** Marks the async context of this run's handlers (so `stop()` can tell it is called from one). */
  readonly context: AsyncLocalStorage<PollingRun>;
  /** Tasks whose handler is running (to abort and release them at the end of the grace). */
  readonly live: Set<UpdateTask>;
  /**
   * Set by `stop()`: from then on an update starts only if its id is below `highestStarted`
   * (it must run so that finished higher ones can be confirmed contiguously); the others are
   * left unconfirmed.
   */
  stopping: boolean;
  /** The highest `update_id` whose task started. */
  highestStarted: number;
  /** Set when `start()` is about to settle: late finishers write nothing. */
  ended: boolean;
  /** Reports an error to the host's `reportError`. */
  report(error: unknown, update?: Update): Promise<void>;
  /** Publishes a diagnostics event. */
  publish(message: Record<string, unknown>): void;
  /** An update left the in-flight set: the fetch loop may have room again. */
  wake(): void;
  /** Waits, or less if the run stops meanwhile. */
  pause(ms: number): Promise<void>;
  /**
   * An update was not handled (storage down) and was left: fetch it again, after a back-off,
   * together with every update above it that had not started.
   */
  rewind(updateId: number): void;
}

/**
 * One update of a polling run, as a {@link SchedulerTask}: claim (with dedup), run the
 * handler, mark done. Its scheduler handle is the handler's options, so `ctx.signal` is the
 * task's signal (aborted at the deadline or at the end of a stop's grace).
 *
 * What counts as handled (the offset may pass it): a handler that settled (an error in it goes
 * to `bot.catch`), a duplicate, a deadline that passed. What does not (Telegram resends it):
 * an update that had not started when the stop came, or whose handler still ran when the
 * grace ended (its signal aborted: even if it settles afterwards, it did not finish in time),
 * and one whose `handleUpdate` rejected with an {@link UpdateNotConfirmedError} (its storage
 * was down): that one is fetched again after a back-off, with the updates above it that had
 * not started yet, so its chat's order holds.
 */
export class UpdateTask implements SchedulerTask {
  readonly update: Update;
  readonly #run: PollingRun;
  #handle: TaskHandle | undefined;
  #claimed = false;
  /** Left unconfirmed (not started before the stop): the window must not count it finished. */
  #left = false;
  /** Abandoned (deadline, or the grace ended): no handler start and no dedup write any more. */
  #over = false;
  /**
   * The stop's grace ended while the handler ran and its signal was aborted: whatever it does
   * next (most likely throw an AbortError), it did not finish its work in time, so the update
   * stays unconfirmed and its claim goes back.
   */
  #stopAborted = false;
  /** `handleUpdate` said the update was not handled (storage down): deliver it again. */
  #retry = false;

  /**
   * Creates the task of one update.
   *
   * @param run The polling run.
   * @param update The validated update.
   */
  constructor(run: PollingRun, update: Update) {
    this.#run = run;
    this.update = update;
  }

  run(handle: TaskHandle): Promise<void> | void {
    const run = this.#run;
    const id = this.update.update_id;
    // A lower update is delivered again first (storage was down): this one comes with it.
    if (run.window.isStale(id)) return this.#leave();
    if (id > run.highestStarted) {
      if (run.stopping) return this.#leave();
      run.highestStarted = id;
    }
    this.#handle = handle;
    return this.#run.dedup === undefined ? this.#handleUpdate() : this.#claimAndHandle();
  }

  finished(failed: boolean, error: unknown): void {
    if (failed) void this.#run.report(error, this.update);
    if (this.#left) return;
    if (this.#stopAborted) {
      this.#leave();
      return;
    }
    if (this.#retry) {
      this.#leave();
      this.#run.rewind(this.update.update_id);
      return;
    }
    this.#run.window.finish(this.update.update_id);
    this.#run.wake();
  }

  timedOut(error: HandlerTimeoutError): void {
    const run = this.#run;
    this.#over = true;
    run.live.delete(this);
    void run.report(error, this.update);
    // A timed-out update counts as handled: it must not hang the bot again after a restart.
    if (this.#claimed && !run.ended) void this.#write("finish");
    if (this.#left) return;
    run.window.finish(this.update.update_id);
    run.wake();
  }

  dropped(): void {
    this.#leave();
  }

  /**
   * Aborts the handler's signal (the grace of a stop ran out).
   *
   * @param reason The abort reason.
   */
  abort(reason: unknown): void {
    this.#stopAborted = true;
    this.#handle?.abort(reason);
  }

  /**
   * Gives up on a handler that still runs after the grace: it stays unconfirmed, and its dedup
   * claim goes back so the redelivery runs it.
   *
   * @returns A promise settled when the claim was released.
   */
  abandon(): Promise<void> {
    this.#over = true;
    this.#run.live.delete(this);
    return this.#claimed ? this.#write("release") : Promise.resolve();
  }

  #leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.#run.window.leave(this.update.update_id);
    this.#run.wake();
  }

  async #claimAndHandle(): Promise<void> {
    const run = this.#run;
    const dedup = run.dedup as UpdateDedup;
    const id = this.update.update_id;
    let failures = 0;
    for (let attempt = 0; ; attempt++) {
      // A stop ends the waits below (the update stays unconfirmed).
      if (this.#over || (run.stopping && attempt > 0)) return this.#leave();
      let claim: Awaited<ReturnType<UpdateDedup["claim"]>>;
      try {
        claim = await dedup.claim(id);
      } catch (error) {
        // Storage down: not handled, not confirmed; try again (the chat waits, nothing is lost).
        await run.report(error, this.update);
        await run.pause(Math.min(5000, 250 * 2 ** failures++));
        this.#handle?.restartDeadline();
        continue;
      }
      if (claim === "done") {
        run.publish({ type: "duplicate", updateId: id });
        return;
      }
      if (claim === "claimed") break;
      // Another claim holds it: a live holder will finish it, a dead one's lease runs out.
      // Confirming now could lose it, so wait (its chat waits too: order is kept).
      run.publish({ type: "busy", updateId: id });
      await run.pause(Math.min(1000, Math.ceil(dedup.leaseMs / 4)));
      this.#handle?.restartDeadline();
    }
    this.#claimed = true;
    if (this.#over) {
      await this.#write("release");
      return this.#leave();
    }
    await this.#handleUpdate();
    if (this.#over || run.ended) return;
    await this.#write(this.#stopAborted || this.#retry ? "release" : "finish");
  }

  async #handleUpdate(): Promise<void> {
    const run = this.#run;
    run.live.add(this);
    try {
      await run.context.run(run, () => run.host.handleUpdate(this.update, this.#handle));
    } catch (error) {
      // Not handled (storage down): `bot.catch` has the cause already; deliver it again.
      if (UpdateNotConfirmedError.is(error)) this.#retry = true;
      else await run.report(error, this.update);
    } finally {
      run.live.delete(this);
    }
  }

  async #write(what: "finish" | "release"): Promise<void> {
    const dedup = this.#run.dedup as UpdateDedup;
    try {
      if (what === "finish") await dedup.finish(this.update.update_id);
      else await dedup.release(this.update.update_id);
    } catch (error) {
      await this.#run.report(error, this.update);
    }
  }
}
