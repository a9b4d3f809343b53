import { updateChatId, updateUserId } from "@bot/dispatcher";
import type { Update } from "@bot/types";
import type { WebhookBot, WebhookHandleOptions, WebhookQueue } from "./contract.js";
import type { ClaimResult, Dedup } from "./dedup.js";
import { deadlineChannel, duplicateChannel } from "./diagnostics.js";
import { ReplySlot } from "./reply.js";

/** Why a request got the answer it got, when not a plain success. */
export type AnswerReason =
  | "duplicate"
  | "busy"
  | "overloaded"
  | "queue"
  | "closing"
  | "deadline"
  | "abandoned";

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
  readonly concurrency: number;
  readonly maxPending: number;
  readonly closeGraceMs: number;
  readonly dedup: Dedup | undefined;
  readonly log: RunnerLog;
  readonly respond: Respond;
}

/**
 * One accepted update on its way through the runner. It is also the options object handed to
 * `bot.handleUpdate` (its `signal`, and itself as the `webhookReply` sink in `await` mode), so
 * a request costs one object here.
 */
class Job extends ReplySlot implements WebhookHandleOptions {
  /** The update, dropped as soon as the handler starts (finished jobs may linger for the GC). */
  update: Update | undefined;
  readonly id: number;
  /** Per-chat ordering key: the chat id, else the user id. */
  readonly key: number | undefined;
  /**
   * Who waits for the answer (`await` mode), until answered. Private: this object is the
   * handler's options, and the reply leads to the request's headers (the secret).
   */
  #target: unknown;
  /** The sweep tick at which an open request is answered anyway. */
  expiresAt = 0;
  /** The next job of the same key, waiting for this one. */
  next: Job | undefined;
  /** The job of the same key before this one, until this one starts. */
  prev: Job | undefined;
  started = false;
  /** The next job waiting for a free slot. */
  nextReady: Job | undefined;
  /** Neighbours in the list of open `await` requests (oldest first). */
  olderOpen: Job | undefined;
  newerOpen: Job | undefined;
  readonly signal: AbortSignal;
  readonly webhookReply: ReplySlot | undefined;

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

  constructor(update: Update, target: unknown, signal: AbortSignal) {
    super();
    this.update = update;
    this.id = update.update_id;
    this.key = updateChatId(update) ?? updateUserId(update);
    this.#target = target;
    this.signal = signal;
    this.webhookReply = target === undefined ? undefined : this;
  }
}

/**
 * Runs validated updates of one webhook: dedup, the delivery mode, per-chat order with
 * bounded concurrency, the `await` deadline and the drain on close. Knows nothing of HTTP:
 * it answers through {@link RunnerSettings.respond}.
 *
 * The scheduling is inlined (a line per key and one ready list, both linked through the jobs)
 * because it runs once per request: no promise, closure or array per update beyond the
 * handler's own.
 */
export class Runner {
  readonly #s: RunnerSettings;
  readonly #bot: WebhookBot;
  readonly #respond: Respond;
  readonly #concurrency: number;
  /** Per key: the last job of its line (the first one is running or ready). */
  readonly #lines = new Map<number, Job>();
  #readyHead: Job | undefined;
  #readyTail: Job | undefined;
  /** Jobs accepted and not started. */
  #queued = 0;
  #running = 0;
  #idle: Array<() => void> = [];
  /** Dedup writes under way (finish or release). */
  readonly #writes = new Set<Promise<void>>();
  /** Update ids claimed and not finished in this process. */
  readonly #mine = new Set<number>();
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
  readonly #abort = new AbortController();
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
    this.#concurrency = settings.concurrency;
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

  async #acceptOnce(update: Update, target: unknown): Promise<void> {
    const dedup = this.#s.dedup as Dedup;
    const id = update.update_id;
    if (this.#mine.has(id)) return this.#duplicate(id, target); // running here: it will finish here
    let claim: ClaimResult;
    try {
      claim = await dedup.claim(id);
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
    if (this.#closing) {
      await this.#release(id);
      return this.#respond(target, 503, "closing", undefined);
    }
    this.#mine.add(id);
    this.#deliver(update, target);
  }

  /** Hands an update to the delivery mode. */
  #deliver(update: Update, target: unknown): void {
    const delivery = this.#s.delivery;
    if (delivery === "await") {
      const job = new Job(update, target, this.#abort.signal);
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
      this.#submit(job);
    } else if (delivery === "ack") {
      if (this.#queued >= this.#s.maxPending) {
        void this.#release(update.update_id).then(() =>
          this.#respond(target, 503, "overloaded", undefined),
        );
        return;
      }
      this.#respond(target, 200, undefined, undefined);
      this.#submit(new Job(update, undefined, this.#abort.signal));
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
          deadlineChannel.publish({ path: this.#s.path, updateId: job.id });
        this.#s.log.warn(
          { updateId: job.id, deadlineMs: this.#s.deadlineMs },
          "@bot/webhook-fastify: handler still running at the deadline; answered 200 so Telegram does not resend",
        );
        this.#answer(job, 200, "deadline");
      }
      if (this.#oldestOpen === undefined) {
        clearInterval(this.#sweep);
        this.#sweep = undefined;
      }
    }, this.#tickMs);
    this.#sweep.unref();
  }

  /** Puts a job in its key's line: it starts now, or once the jobs before it finished. */
  #submit(job: Job): void {
    this.#queued += 1;
    const key = job.key;
    if (key !== undefined) {
      const last = this.#lines.get(key);
      this.#lines.set(key, job);
      if (last !== undefined) {
        last.next = job;
        job.prev = last;
        return;
      }
    }
    this.#ready(job);
  }

  /** A job whose turn in its line came: start it if a slot is free, else wait for one. */
  #ready(job: Job): void {
    if (this.#running < this.#concurrency && this.#readyHead === undefined) {
      this.#start(job);
    } else if (this.#readyTail === undefined) {
      this.#readyHead = job;
      this.#readyTail = job;
    } else {
      this.#readyTail.nextReady = job;
      this.#readyTail = job;
    }
  }

  #start(job: Job): void {
    job.started = true;
    job.prev = undefined;
    this.#queued -= 1;
    this.#running += 1;
    void this.#run(job);
  }

  async #run(job: Job): Promise<void> {
    const update = job.update as Update;
    job.update = undefined;
    let ran = false;
    if (this.#abort.signal.aborted) {
      this.#abandoned += 1;
      this.#answer(job, 503, "abandoned");
    } else {
      ran = true;
      try {
        await this.#bot.handleUpdate(update, job);
      } catch (error) {
        // Only a throwing `bot.catch` gets here. Telegram must not resend because of it.
        this.#s.log.error(
          { err: error, updateId: job.id },
          "@bot/webhook-fastify: the bot's error handler threw",
        );
      }
      // Answer as soon as the handler is done, before the bookkeeping.
      this.#answer(job, 200, undefined);
    }
    this.#finish(job, ran);
  }

  /** Frees the job's slot and key, and starts what waited for them. */
  #finish(job: Job, ran: boolean): void {
    this.#running -= 1;
    if (this.#s.dedup !== undefined) this.#track(ran ? this.#done(job.id) : this.#release(job.id));
    const key = job.key;
    if (key !== undefined) {
      const next = job.next;
      job.next = undefined;
      if (next === undefined) this.#lines.delete(key);
      else {
        next.prev = undefined;
        if (this.#abort.signal.aborted) {
          this.#lines.delete(key);
          this.#drop(next);
        } else this.#ready(next);
      }
    }
    while (this.#running < this.#concurrency && this.#readyHead !== undefined) {
      const ready = this.#readyHead;
      this.#readyHead = ready.nextReady;
      ready.nextReady = undefined;
      if (this.#readyHead === undefined) this.#readyTail = undefined;
      this.#start(ready);
    }
    if (this.#running === 0 && this.#queued === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const wake of waiters) wake();
    }
  }

  async #done(id: number): Promise<void> {
    const dedup = this.#s.dedup;
    if (dedup === undefined) return;
    try {
      await dedup.finish(id);
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
    const dedup = this.#s.dedup;
    if (dedup === undefined) return;
    this.#mine.delete(id);
    try {
      await dedup.release(id);
    } catch (error) {
      this.#s.log.error(
        { err: error, updateId: id },
        "@bot/webhook-fastify: could not release a dedup claim",
      );
    }
  }

  #idlePromise(): Promise<void> {
    if (this.#queued === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Keeps a dedup write in view, so `close` can wait for it. */
  #track(write: Promise<void>): void {
    this.#writes.add(write);
    void write.then(() => this.#writes.delete(write));
  }

  /**
   * Stops accepting updates and lets queued and running ones finish for up to the grace
   * period. After it, updates not started are dropped, running handlers see their signal
   * aborted, and `await`-mode requests still open get 503 (Telegram resends them). Every
   * open request is answered when this resolves, so the HTTP server can close.
   *
   * @returns Resolves once drained or the grace period ran out; never rejects.
   */
  async close(): Promise<void> {
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.#idlePromise().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#s.closeGraceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!drained) this.#abandon();
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
    const left = this.#queued + this.#running;
    this.#abort.abort();
    // Requests still open get 503 (Telegram resends them); jobs not started are dropped.
    while (this.#oldestOpen !== undefined) this.#answer(this.#oldestOpen, 503, "abandoned");
    let ready = this.#readyHead;
    this.#readyHead = undefined;
    this.#readyTail = undefined;
    while (ready !== undefined) {
      const job = ready;
      ready = job.nextReady;
      job.nextReady = undefined;
      // A ready job heads its line: the line goes with it.
      if (job.key !== undefined) this.#lines.delete(job.key);
      this.#drop(job);
    }
    // The lines left are headed by a running job: drop what waits behind it.
    for (const [key, last] of this.#lines) {
      let first = last;
      while (first.prev !== undefined && !first.prev.started) first = first.prev;
      if (first.started) continue;
      const head = first.prev;
      first.prev = undefined;
      if (head === undefined) this.#lines.delete(key);
      else {
        head.next = undefined;
        this.#lines.set(key, head);
      }
      this.#drop(first);
    }
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#s.log.error(
      { left, abandoned: this.#abandoned, delivery: this.#s.delivery },
      "@bot/webhook-fastify: close grace ran out with updates unfinished",
    );
  }

  /**
   * Drops a job that has not started and the jobs queued behind it (after the abort nothing
   * starts): open requests get 503 and dedup claims go back, so Telegram's resend runs them.
   */
  #drop(first: Job): void {
    let job: Job | undefined = first;
    while (job !== undefined) {
      const next: Job | undefined = job.next;
      job.next = undefined;
      job.prev = undefined;
      job.update = undefined;
      this.#queued -= 1;
      this.#abandoned += 1;
      this.#answer(job, 503, "abandoned");
      if (this.#s.dedup !== undefined) this.#track(this.#release(job.id));
      job = next;
    }
  }
}
