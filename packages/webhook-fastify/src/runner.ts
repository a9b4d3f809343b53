import { type HandlerTimeoutError, UpdateNotConfirmedError } from "@bot/dispatcher";
import {
  KeyedScheduler,
  type SchedulerTask,
  type TaskHandle,
  type UpdateDedup,
  updateChatId,
  updateUserId,
} from "@bot/dispatcher/advanced";
import type { Update } from "@bot/types";
import type { WebhookBot, WebhookHandleOptions, WebhookQueue } from "./contract.js";
import { deadlineChannel, droppedChannel, duplicateChannel } from "./diagnostics.js";
import { WebhookError } from "./errors.js";
import { ReplySlot } from "./reply.js";

/** Why a request got the answer it got, when not a plain success. */
export type AnswerReason =
  | "duplicate"
  | "busy"
  | "overloaded"
  | "queue"
  | "closing"
  | "deadline"
  | "abandoned"
  | "unavailable";

/**
 * Answers one request. `target` is whatever the caller passed to {@link Runner.accept} (the
 * Fastify reply); `body` is a webhook reply (JSON) on a 200, if a handler offered one.
 */
export type Respond = (
  target: unknown,
  status: 200 | 503,
  reason: AnswerReason | undefined,
  body: string | undefined,
) => void;

/** Logs the runner needs. */
export interface RunnerLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Settings of one {@link Runner}. */
export interface RunnerSettings {
  readonly bot: WebhookBot;
  readonly path: string;
  readonly delivery: "await" | "ack" | "queue";
  readonly queue: WebhookQueue | undefined;
  readonly deadlineMs: number;
  readonly handlerTimeoutMs: number;
  readonly concurrency: number;
  readonly maxPending: number;
  readonly closeGraceMs: number;
  /** The one dedup of `@bot/dispatcher`, made on first use (it needs the bot's id). */
  readonly dedup: (() => Promise<UpdateDedup>) | undefined;
  readonly log: RunnerLog;
  readonly respond: Respond;
}

/** The ordering key of an update: its chat, else its user. */
function keyOf(update: Update): number | undefined {
  return updateChatId(update) ?? updateUserId(update);
}

/** A task's outcome, as the runner records it for dedup. */
const RAN = 1;
const NOT_RUN = 2;

/**
 * One accepted update on its way through the runner. It is the task handed to the
 * dispatcher's {@link KeyedScheduler} (its hooks tell the runner how it ended) and the
 * options object handed to `bot.handleUpdate` (its `signal`, and itself as the
 * `webhookReply` sink in `await` mode), so a request costs this object and the scheduler's.
 */
class Job extends ReplySlot implements WebhookHandleOptions, SchedulerTask {
  /** The update (kept to report a timeout or a drop with it). */
  readonly update: Update;
  readonly id: number;
  readonly #runner: Runner;
  /**
   * Who waits for the answer (`await` mode), until answered. Private: this object is the
   * handler's options, and the reply leads to the request's headers (the secret).
   */
  #target: unknown;
  #handle: TaskHandle | undefined;
  /** Answered 503 at its deadline before it started: it must not run (Telegram resends it). */
  withdrawn = false;
  /** The sweep tick at which an open request is answered anyway. */
  expiresAt = 0;
  /** Neighbours in the list of open `await` requests (oldest first). */
  olderOpen: Job | undefined;
  newerOpen: Job | undefined;
  readonly webhookReply: ReplySlot | undefined;

  constructor(runner: Runner, update: Update, target: unknown) {
    super();
    this.#runner = runner;
    this.update = update;
    this.id = update.update_id;
    this.#target = target;
    this.webhookReply = target === undefined ? undefined : this;
  }

  /**
   * The handler's abort signal: aborted at the per-update deadline and when a close gives up.
   * Made on first read only (most handlers never read it).
   */
  get signal(): AbortSignal | undefined {
    return this.#handle?.signal;
  }

  /** Whether the scheduler started it. */
  get started(): boolean {
    return this.#handle !== undefined;
  }

  /**
   * What `JSON.stringify` shows of these options.
   *
   * @returns The update's id.
   */
  toJSON(): { updateId: number } {
    return { updateId: this.id };
  }

  /**
   * Takes whom to answer, once.
   *
   * @returns The target, or `undefined` when already answered (or in `ack` mode).
   */
  takeTarget(): unknown {
    const target = this.#target;
    this.#target = undefined;
    return target;
  }

  run(handle: TaskHandle): Promise<void> | undefined {
    this.#handle = handle;
    return this.#runner.run(this);
  }

  finished(failed: boolean, error: unknown): void {
    this.#runner.finished(this, failed, error);
  }

  timedOut(error: HandlerTimeoutError): void {
    this.#runner.timedOut(this, error);
  }

  dropped(): void {
    this.#runner.dropped(this);
  }
}

/**
 * Runs validated updates of one webhook: dedup, the delivery mode, and the `await` deadline,
 * on the dispatcher's one keyed queue ({@link KeyedScheduler}: per-chat order, bounded
 * concurrency, the per-update deadline, drop-not-started on close) and its one dedup
 * ({@link UpdateDedup}: claim before, finish after, release when not run). Knows nothing of
 * HTTP: it answers through {@link RunnerSettings.respond}.
 */
export class Runner {
  readonly #s: RunnerSettings;
  readonly #bot: WebhookBot;
  readonly #respond: Respond;
  readonly #scheduler: KeyedScheduler;
  #dedup: UpdateDedup | undefined;
  #dedupReady: Promise<UpdateDedup> | undefined;
  /** Dedup writes under way (finish or release). */
  readonly #writes = new Set<Promise<void>>();
  /** Update ids claimed and not finished in this process. */
  readonly #mine = new Set<number>();
  /** Claims under way (an update between its claim and its submit). */
  #claiming = 0;
  #claimsDone: Array<() => void> = [];
  /**
   * `await`-mode requests still open, oldest first, linked through the jobs. Every request
   * gets the same deadline, so the list is also in deadline order.
   */
  #oldestOpen: Job | undefined;
  #newestOpen: Job | undefined;
  /** One shared interval checks every open request's deadline (no timer per request). */
  #sweep: NodeJS.Timeout | undefined;
  #tick = 0;
  readonly #tickMs: number;
  readonly #deadlineTicks: number;
  #closing = false;
  #abandoned = 0;

  /**
   * Creates a runner.
   *
   * @param settings The resolved settings.
   */
  constructor(settings: RunnerSettings) {
    this.#s = settings;
    this.#bot = settings.bot;
    this.#respond = settings.respond;
    this.#scheduler = new KeyedScheduler({
      concurrency: settings.concurrency,
      timeoutMs: settings.handlerTimeoutMs,
    });
    // Deadlines fire within one tick after they pass: at most 1 s late, or a tenth of a short deadline.
    this.#tickMs = Math.max(1, Math.min(1000, Math.ceil(settings.deadlineMs / 10)));
    this.#deadlineTicks = Math.ceil(settings.deadlineMs / this.#tickMs);
  }

  /** Whether `close` was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Accepts one validated update; `respond` is called exactly once for `target`, now or later.
   *
   * @param update The update.
   * @param target Whom to answer (passed back to `respond`).
   */
  accept(update: Update, target: unknown): void {
    if (this.#s.dedup === undefined) this.#deliver(update, target);
    else void this.#acceptOnce(update, target);
  }

  #getDedup(): Promise<UpdateDedup> {
    if (this.#dedup !== undefined) return Promise.resolve(this.#dedup);
    this.#dedupReady ??= (this.#s.dedup as () => Promise<UpdateDedup>)().then(
      (dedup) => {
        this.#dedup = dedup;
        return dedup;
      },
      (error: unknown) => {
        this.#dedupReady = undefined; // try again with the next update
        throw error;
      },
    );
    return this.#dedupReady;
  }

  async #acceptOnce(update: Update, target: unknown): Promise<void> {
    const id = update.update_id;
    if (this.#mine.has(id)) return this.#duplicate(id, target); // running here: it will finish here
    this.#claiming += 1;
    try {
      let claim: Awaited<ReturnType<UpdateDedup["claim"]>>;
      try {
        claim = await (await this.#getDedup()).claim(id);
      } catch (error) {
        this.#s.log.error(
          { err: error, updateId: id },
          "@bot/webhook-fastify: dedup storage failed; Telegram will resend",
        );
        return this.#respond(target, 503, "busy", undefined);
      }
      if (claim === "done") return this.#duplicate(id, target);
      // Claimed by another process (or by one that died: its lease runs out, then it runs).
      if (claim === "busy") return this.#respond(target, 503, "busy", undefined);
      this.#mine.add(id);
      if (this.#closing) {
        this.#track(this.#release(id));
        return this.#respond(target, 503, "closing", undefined);
      }
      this.#deliver(update, target);
    } finally {
      this.#claiming -= 1;
      if (this.#claiming === 0 && this.#claimsDone.length > 0) {
        const waiters = this.#claimsDone;
        this.#claimsDone = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /** Hands an update to the delivery mode. */
  #deliver(update: Update, target: unknown): void {
    const delivery = this.#s.delivery;
    if (this.#scheduler.closed && delivery !== "queue") {
      // Past the close grace (a body that was still arriving): never answer 200 to drop it.
      if (this.#s.dedup !== undefined) this.#track(this.#release(update.update_id));
      this.#respond(target, 503, "closing", undefined);
      return;
    }
    if (delivery === "await") {
      const job = new Job(this, update, target);
      // +1: the interval phase is arbitrary, so never answer before the deadline.
      job.expiresAt = this.#tick + this.#deadlineTicks + 1;
      const newest = this.#newestOpen;
      if (newest === undefined) this.#oldestOpen = job;
      else {
        newest.newerOpen = job;
        job.olderOpen = newest;
      }
      this.#newestOpen = job;
      if (this.#sweep === undefined) this.#startSweep();
      this.#scheduler.submit(keyOf(update), job);
    } else if (delivery === "ack") {
      if (this.#scheduler.size >= this.#s.maxPending) {
        if (this.#s.dedup !== undefined) this.#track(this.#release(update.update_id));
        this.#respond(target, 503, "overloaded", undefined);
        return;
      }
      this.#respond(target, 200, undefined, undefined);
      this.#scheduler.submit(keyOf(update), new Job(this, update, undefined));
    } else {
      void this.#enqueue(update, target);
    }
  }

  #duplicate(id: number, target: unknown): void {
    if (duplicateChannel.hasSubscribers)
      duplicateChannel.publish({ path: this.#s.path, updateId: id });
    this.#respond(target, 200, "duplicate", undefined);
  }

  async #enqueue(update: Update, target: unknown): Promise<void> {
    const id = update.update_id;
    try {
      await (this.#s.queue as WebhookQueue).enqueue(update);
    } catch (error) {
      this.#s.log.error(
        { err: error, updateId: id },
        "@bot/webhook-fastify: enqueue failed; Telegram will resend",
      );
      await this.#release(id);
      return this.#respond(target, 503, "queue", undefined);
    }
    await this.#done(id);
    this.#respond(target, 200, undefined, undefined);
  }

  /** Answers an open `await` request once. */
  #answer(job: Job, status: 200 | 503, reason: AnswerReason | undefined): void {
    const target = job.takeTarget();
    if (target === undefined) return;
    // Only `await` jobs have a target, and each is in the open list until now.
    const { olderOpen, newerOpen } = job;
    if (olderOpen === undefined) this.#oldestOpen = newerOpen;
    else olderOpen.newerOpen = newerOpen;
    if (newerOpen === undefined) this.#newestOpen = olderOpen;
    else newerOpen.olderOpen = olderOpen;
    job.olderOpen = undefined;
    job.newerOpen = undefined;
    const body = job.close();
    this.#respond(target, status, reason, status === 200 ? body : undefined);
  }

  #startSweep(): void {
    this.#sweep = setInterval(() => {
      this.#tick += 1;
      for (let job = this.#oldestOpen; job !== undefined; job = this.#oldestOpen) {
        if (job.expiresAt > this.#tick) break;
        if (deadlineChannel.hasSubscribers)
          deadlineChannel.publish({ path: this.#s.path, updateId: job.id, started: job.started });
        if (job.started) {
          this.#s.log.warn(
            { updateId: job.id, deadlineMs: this.#s.deadlineMs },
            "@bot/webhook-fastify: handler still running at the deadline; answered 200 so Telegram does not resend",
          );
          this.#answer(job, 200, "deadline");
        } else {
          // Still waiting behind its chat's earlier updates: it must not be answered 200 and
          // then lost. Answer 503 (Telegram resends it) and skip it when its turn comes.
          // Its claim goes back now: Telegram's resend must run, not count as a duplicate.
          job.withdrawn = true;
          this.#settleDedup(job.id, NOT_RUN);
          this.#s.log.warn(
            { updateId: job.id, deadlineMs: this.#s.deadlineMs },
            "@bot/webhook-fastify: update still queued behind its chat at the deadline; answered 503 so Telegram resends it",
          );
          this.#answer(job, 503, "deadline");
        }
      }
      if (this.#oldestOpen === undefined) {
        clearInterval(this.#sweep);
        this.#sweep = undefined;
      }
    }, this.#tickMs);
    this.#sweep.unref();
  }

  /**
   * Runs a job's handler (the scheduler calls this through the job when its turn came).
   *
   * @param job The job.
   * @returns The handler's promise, or nothing for a withdrawn job.
   */
  run(job: Job): Promise<void> | undefined {
    if (job.withdrawn) return undefined;
    return this.#bot.handleUpdate(job.update, job);
  }

  /**
   * The handler settled before the per-update deadline.
   *
   * @param job The job.
   * @param failed Whether `handleUpdate` rejected (only a throwing `bot.catch` does).
   * @param error What it rejected with.
   */
  finished(job: Job, failed: boolean, error: unknown): void {
    if (failed && UpdateNotConfirmedError.is(error)) {
      this.#notConfirmed(job);
      return;
    }
    if (failed) {
      // Telegram must not resend because of it: it is answered 200 like any handled update.
      this.#s.log.error(
        { err: error, updateId: job.id },
        "@bot/webhook-fastify: the bot's error handler threw",
      );
    }
    // Answer as soon as the handler is done, before the bookkeeping.
    this.#answer(job, 200, undefined);
    if (!job.withdrawn) this.#settleDedup(job.id, RAN); // a withdrawn one's claim went back already
  }

  /**
   * `handleUpdate` said the update was not handled (its storage was down; `bot.catch` has the
   * storage error): in `await` mode the request gets 503 (with `Retry-After`) so Telegram sends
   * it again, and so do the not-started updates of the same chat still waiting behind it (so
   * none of them runs ahead of it). Its dedup claim goes back, so the resend runs. In `ack`
   * mode the 200 is already sent: the update is not delivered again (logged).
   *
   * @param job The job.
   */
  #notConfirmed(job: Job): void {
    if (job.webhookReply === undefined) {
      this.#s.log.error(
        { updateId: job.id },
        "@bot/webhook-fastify: storage unavailable; in ack mode the update was answered 200 already and is not delivered again",
      );
      this.#settleDedup(job.id, NOT_RUN);
      return;
    }
    this.#s.log.warn(
      { updateId: job.id },
      "@bot/webhook-fastify: storage unavailable; answered 503 so Telegram resends the update",
    );
    this.#answer(job, 503, "unavailable");
    if (!job.withdrawn) this.#settleDedup(job.id, NOT_RUN);
    const chat = keyOf(job.update);
    if (chat === undefined) return;
    for (let open = this.#oldestOpen; open !== undefined; ) {
      const next = open.newerOpen;
      if (!open.started && !open.withdrawn && open.id > job.id && keyOf(open.update) === chat) {
        open.withdrawn = true;
        this.#settleDedup(open.id, NOT_RUN);
        this.#answer(open, 503, "unavailable");
      }
      open = next;
    }
  }

  /**
   * The per-update deadline (`handlerTimeoutMs`) passed: the scheduler aborted the signal and
   * released the chat's line. The update counts as handled (with an error): it is reported to
   * `bot.catch`, answered 200 and marked done, so it is not run twice.
   *
   * @param job The job.
   * @param error The dispatcher's typed timeout error.
   */
  timedOut(job: Job, error: HandlerTimeoutError): void {
    this.#report(error, job.update, "handler");
    this.#answer(job, 200, "deadline");
    this.#settleDedup(job.id, RAN);
  }

  /**
   * The scheduler dropped a job that had not started (the close grace ran out). An open
   * request gets 503 so Telegram resends it; an `ack`-mode update was answered 200 already,
   * so it is reported (log, diagnostics channel and `bot.catch`) with the update: never lost
   * in silence.
   *
   * @param job The job.
   */
  dropped(job: Job): void {
    this.#abandoned += 1;
    const open = job.webhookReply !== undefined && !job.withdrawn;
    if (open) this.#answer(job, 503, "abandoned");
    else if (!job.withdrawn) {
      if (droppedChannel.hasSubscribers)
        droppedChannel.publish({ path: this.#s.path, updateId: job.id, update: job.update });
      this.#report(
        new WebhookError(
          "BOT_WEBHOOK_UPDATE_DROPPED",
          `@bot/webhook-fastify: update ${job.id} was answered 200 (ack mode) but had not started when the close grace ran out; it was not handled`,
        ),
        job.update,
        "other",
      );
    }
    if (!job.withdrawn) this.#settleDedup(job.id, NOT_RUN);
  }

  #report(error: unknown, update: Update, source: "handler" | "other"): void {
    const reportError = this.#bot.reportError;
    if (reportError === undefined) {
      this.#s.log.error(
        { err: error, updateId: update.update_id },
        "@bot/webhook-fastify: update failed",
      );
      return;
    }
    void Promise.resolve()
      .then(() => reportError.call(this.#bot, error, update, source))
      .catch((reportFailure: unknown) =>
        this.#s.log.error(
          { err: reportFailure, updateId: update.update_id },
          "@bot/webhook-fastify: the bot's error handler threw",
        ),
      );
  }

  #settleDedup(id: number, outcome: number): void {
    if (this.#s.dedup === undefined) return;
    this.#track(outcome === RAN ? this.#done(id) : this.#release(id));
  }

  async #done(id: number): Promise<void> {
    if (this.#s.dedup === undefined) return;
    try {
      await (await this.#getDedup()).finish(id);
    } catch (error) {
      this.#s.log.error(
        { err: error, updateId: id },
        "@bot/webhook-fastify: could not mark an update as done",
      );
    } finally {
      this.#mine.delete(id);
    }
  }

  async #release(id: number): Promise<void> {
    if (this.#s.dedup === undefined) return;
    this.#mine.delete(id);
    try {
      await (await this.#getDedup()).release(id);
    } catch (error) {
      this.#s.log.error(
        { err: error, updateId: id },
        "@bot/webhook-fastify: could not release a dedup claim",
      );
    }
  }

  /** Keeps a dedup write in view, so `settled` can wait for it. */
  #track(write: Promise<void>): void {
    this.#writes.add(write);
    void write.then(() => this.#writes.delete(write));
  }

  /** Resolves once no claim is under way and the scheduler is idle. */
  async #drained(): Promise<void> {
    for (;;) {
      if (this.#claiming > 0) await new Promise<void>((resolve) => this.#claimsDone.push(resolve));
      await this.#scheduler.idle();
      if (this.#claiming === 0) return;
    }
  }

  /**
   * Stops accepting updates and lets queued and running ones finish for up to the grace
   * period. After it, updates not started are dropped (`await`: their requests get 503, so
   * Telegram resends them; `ack`: reported as `BOT_WEBHOOK_UPDATE_DROPPED`), running handlers see
   * their signal aborted, and `await`-mode requests still open get 503. Handlers past their
   * per-update deadline are not waited for. Every open request is answered when this
   * resolves, so the HTTP server can close.
   *
   * @returns Resolves once drained or the grace period ran out; never rejects.
   */
  async close(): Promise<void> {
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.#drained().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#s.closeGraceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!drained) this.#abandon();
    this.#scheduler.close();
  }

  /**
   * Waits for the dedup writes (finish or release) still under way. Unbounded on purpose:
   * the plugin runs it after the server closed, where no timeout of Fastify applies.
   *
   * @returns Resolves once every dedup write settled (they never reject).
   */
  async settled(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all(this.#writes);
  }

  #abandon(): void {
    const left = this.#scheduler.size + this.#scheduler.running;
    // Not started: dropped (503 or reported, claims released). Running: signal aborted.
    this.#scheduler.close();
    this.#scheduler.abort(
      new WebhookError(
        "BOT_WEBHOOK_CLOSING",
        "@bot/webhook-fastify: the server is closing and the close grace ran out",
      ),
    );
    // Requests still open belong to running handlers: 503, Telegram resends them.
    while (this.#oldestOpen !== undefined) this.#answer(this.#oldestOpen, 503, "abandoned");
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#s.log.error(
      { left, abandoned: this.#abandoned, delivery: this.#s.delivery },
      "@bot/webhook-fastify: close grace ran out with updates unfinished",
    );
  }
}
