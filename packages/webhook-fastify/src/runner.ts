import { KeyedScheduler, updateKey } from "@bot/dispatcher";
import type { Update } from "@bot/types";
import type { WebhookBot, WebhookQueue } from "./contract.js";
import type { ClaimResult, Dedup } from "./dedup.js";
import { deadlineChannel, duplicateChannel } from "./diagnostics.js";
import { ReplySlot } from "./reply.js";

/** How a request should be answered. */
export interface Answer {
  /** The HTTP status. */
  readonly status: 200 | 503;
  /** A JSON body (a webhook reply), if any. */
  readonly body?: string;
  /** Why, for the log and diagnostics, when not a plain success. */
  readonly reason?:
    | "duplicate"
    | "busy"
    | "overloaded"
    | "queue"
    | "closing"
    | "deadline"
    | "abandoned";
}

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
}

const OK: Answer = { status: 200 };
const DUPLICATE: Answer = { status: 200, reason: "duplicate" };
const DEADLINE: Answer = { status: 200, reason: "deadline" };
const OVERLOADED: Answer = { status: 503, reason: "overloaded" };

/** What a scheduled task needs, dropped as soon as it starts. */
interface Held {
  update: Update | undefined;
  slot: ReplySlot | undefined;
  handled: Pending | undefined;
  ran: boolean;
}

/** One open `await`-mode request: its reply slot, its deadline and how to answer it. */
class Pending {
  readonly slot = new ReplySlot();
  readonly promise: Promise<Answer>;
  readonly expiresAt: number;
  updateId = 0;
  #resolve!: (answer: Answer) => void;

  constructor(expiresAt: number) {
    this.expiresAt = expiresAt;
    this.promise = new Promise<Answer>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Answers once: a 200 carries the webhook reply, if one was offered. */
  settle(answer: Answer): void {
    const body = this.slot.close();
    this.#resolve(answer.status === 200 && body !== undefined ? { ...answer, body } : answer);
  }
}

/**
 * Runs validated updates of one webhook: dedup, the delivery mode, per-chat order with
 * bounded concurrency, the `await` deadline and the drain on close. Knows nothing of HTTP.
 */
export class Runner {
  readonly #s: RunnerSettings;
  readonly #scheduler: KeyedScheduler;
  /** Update ids claimed and not finished in this process. */
  readonly #mine = new Set<number>();
  /** `await`-mode requests still waiting for their update. */
  readonly #waiting = new Set<Pending>();
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
    this.#scheduler = new KeyedScheduler({ concurrency: settings.concurrency });
    // Deadlines fire within one tick after they pass: at most 1 s late, or a tenth of a short deadline.
    this.#tickMs = Math.max(1, Math.min(1000, Math.ceil(settings.deadlineMs / 10)));
    this.#deadlineTicks = Math.ceil(settings.deadlineMs / this.#tickMs);
  }

  /** Whether `close` was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Accepts one validated update and tells how to answer the request.
   *
   * @param update The update.
   * @returns The answer (synchronously on the ack hot path); never rejects.
   */
  accept(update: Update): Answer | Promise<Answer> {
    return this.#s.dedup === undefined ? this.#deliver(update) : this.#acceptOnce(update);
  }

  async #acceptOnce(update: Update): Promise<Answer> {
    const dedup = this.#s.dedup as Dedup;
    const id = update.update_id;
    if (this.#mine.has(id)) return this.#duplicate(id); // running here: it will finish here
    let claim: ClaimResult;
    try {
      claim = await dedup.claim(id);
    } catch (error) {
      this.#s.log.error(
        { err: error, updateId: id },
        "@bot/webhook-fastify: dedup storage failed; Telegram will resend",
      );
      return { status: 503, reason: "busy" };
    }
    if (claim === "done") return this.#duplicate(id);
    // Claimed by another process (or by one that died: its lease runs out, then it runs).
    if (claim === "busy") return { status: 503, reason: "busy" };
    if (this.#closing) {
      await this.#release(id);
      return { status: 503, reason: "closing" };
    }
    this.#mine.add(id);
    return this.#deliver(update);
  }

  /** Hands an update to the delivery mode; synchronous where it can be (the hot path). */
  #deliver(update: Update): Answer | Promise<Answer> {
    const s = this.#s;
    if (s.delivery === "queue") return this.#enqueue(update);
    if (s.delivery === "ack") {
      if (this.#scheduler.size >= s.maxPending) {
        return this.#release(update.update_id).then(() => OVERLOADED);
      }
      void this.#schedule(update, undefined);
      return OK;
    }
    return this.#await(update);
  }

  #duplicate(id: number): Answer {
    if (duplicateChannel.hasSubscribers)
      duplicateChannel.publish({ path: this.#s.path, updateId: id });
    return DUPLICATE;
  }

  async #enqueue(update: Update): Promise<Answer> {
    const id = update.update_id;
    try {
      await (this.#s.queue as WebhookQueue).enqueue(update);
    } catch (error) {
      this.#s.log.error(
        { err: error, updateId: id },
        "@bot/webhook-fastify: enqueue failed; Telegram will resend",
      );
      await this.#release(id);
      return { status: 503, reason: "queue" };
    }
    await this.#done(id);
    return OK;
  }

  #await(update: Update): Promise<Answer> {
    // +1: the interval phase is arbitrary, so never answer before the deadline.
    const pending = new Pending(this.#tick + this.#deadlineTicks + 1);
    pending.updateId = update.update_id;
    this.#waiting.add(pending);
    this.#startSweep();
    void this.#schedule(update, pending.slot, pending).then((ran) => {
      if (!ran) this.#settle(pending, { status: 503, reason: "abandoned" });
    });
    return pending.promise;
  }

  #settle(pending: Pending, answer: Answer): void {
    if (this.#waiting.delete(pending)) pending.settle(answer);
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    this.#sweep = setInterval(() => {
      this.#tick += 1;
      for (const pending of this.#waiting) {
        if (pending.expiresAt > this.#tick) continue;
        const id = pending.updateId;
        if (deadlineChannel.hasSubscribers)
          deadlineChannel.publish({ path: this.#s.path, updateId: id });
        this.#s.log.warn(
          { updateId: id, deadlineMs: this.#s.deadlineMs },
          "@bot/webhook-fastify: handler still running at the deadline; answered 200 so Telegram does not resend",
        );
        this.#settle(pending, DEADLINE);
      }
      if (this.#waiting.size === 0) {
        clearInterval(this.#sweep);
        this.#sweep = undefined;
      }
    }, this.#tickMs);
    this.#sweep.unref();
  }

  /**
   * Runs one update in its chat's line. Resolves `false` when it was abandoned at close, never
   * rejects. The task lets go of the update as soon as it starts: a scheduler may keep finished
   * jobs referenced for a while, and holding ~1 KB updates there pushes them into the old
   * generation (measured: about 18 µs of GC per request under load).
   */
  #schedule(update: Update, slot: ReplySlot | undefined, handled?: Pending): Promise<boolean> {
    const id = update.update_id;
    const held: Held = { update, slot, handled, ran: false };
    const task = async (): Promise<void> => {
      const { update: u, slot: sl, handled: h } = held;
      held.update = undefined;
      held.slot = undefined;
      held.handled = undefined;
      if (u === undefined || this.#abort.signal.aborted) {
        this.#abandoned += 1;
        return;
      }
      held.ran = true;
      try {
        await this.#s.bot.handleUpdate(
          u,
          sl === undefined
            ? { signal: this.#abort.signal }
            : { webhookReply: sl, signal: this.#abort.signal },
        );
      } catch (error) {
        // Only a throwing `bot.catch` gets here. Telegram must not resend because of it.
        this.#s.log.error(
          { err: error, updateId: id },
          "@bot/webhook-fastify: the bot's error handler threw",
        );
      }
      // Answer as soon as the handler is done, before the scheduler's bookkeeping.
      if (h !== undefined) this.#settle(h, OK);
    };
    return this.#scheduler.schedule(updateKey(update), task).then(
      () => this.#after(id, held.ran),
      (error: unknown) => {
        this.#s.log.error({ err: error, updateId: id }, "@bot/webhook-fastify: scheduling failed");
        return this.#after(id, held.ran);
      },
    );
  }

  async #after(id: number, ran: boolean): Promise<boolean> {
    if (this.#s.dedup !== undefined) {
      if (ran) await this.#done(id);
      else await this.#release(id);
    }
    return ran;
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

  /**
   * Stops accepting updates and lets queued and running ones finish for up to the grace
   * period. After it, updates not started are dropped, running handlers see their signal
   * aborted, and `await`-mode requests still open get 503 (Telegram resends them).
   *
   * @returns Resolves once drained or the grace period ran out.
   */
  async close(): Promise<void> {
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.#scheduler.idle().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#s.closeGraceMs);
      }),
    ]);
    clearTimeout(timer);
    if (drained) return;
    const left = this.#scheduler.size + this.#scheduler.running;
    this.#abort.abort();
    for (const pending of [...this.#waiting])
      this.#settle(pending, { status: 503, reason: "abandoned" });
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    // Let the queued ones see the abort and leave.
    await new Promise((resolve) => setImmediate(resolve));
    this.#s.log.error(
      { left, abandoned: this.#abandoned, delivery: this.#s.delivery },
      "@bot/webhook-fastify: close grace ran out with updates unfinished",
    );
  }
}
