import type { Message, Update } from "@bot/types";
import * as v from "valibot";
import { RuntimeError } from "./errors.js";

/** Options of {@link KeyedScheduler}. */
export interface KeyedSchedulerOptions {
  /** How many tasks may run at once, across all keys. A positive integer. */
  readonly concurrency: number;
}

const OptionsSchema = v.strictObject({
  concurrency: v.pipe(
    v.number("concurrency must be a number"),
    v.integer("concurrency must be an integer"),
    v.minValue(1, "concurrency must be at least 1"),
  ),
});

interface Job {
  readonly key: string | undefined;
  readonly task: () => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs async tasks with bounded concurrency and per-key order: tasks with the same key run
 * one at a time in the order they were scheduled; tasks with different keys (or no key) run
 * in parallel, at most `concurrency` at once. Used by long polling and by webhook `ack` mode.
 */
export class KeyedScheduler {
  readonly #concurrency: number;
  /** Jobs allowed to start, in schedule order. */
  #ready: Job[] = [];
  #readyHead = 0;
  /** Per key: the jobs waiting behind the one that holds the key. */
  readonly #waiting = new Map<string, Job[]>();
  #running = 0;
  #queued = 0;
  #idle: Array<() => void> = [];

  /**
   * Creates a scheduler.
   *
   * @param options The concurrency bound.
   */
  constructor(options: KeyedSchedulerOptions) {
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new RuntimeError(
        "SCHEDULER_INVALID_OPTIONS",
        `@bot/dispatcher: invalid KeyedScheduler options: ${parsed.issues[0].message}`,
      );
    }
    this.#concurrency = parsed.output.concurrency;
  }

  /** The number of tasks scheduled but not started yet. */
  get size(): number {
    return this.#queued;
  }

  /** The number of tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** The concurrency bound. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Schedules a task.
   *
   * @param key The ordering key (tasks with one key run in order), or `undefined` for none.
   * @param task The work to run.
   * @returns A promise settled with the task's own outcome, once it finished.
   */
  schedule(key: string | undefined, task: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const job: Job = { key, task, resolve, reject };
      this.#queued += 1;
      if (key !== undefined) {
        const line = this.#waiting.get(key);
        if (line !== undefined) {
          line.push(job);
          return;
        }
        this.#waiting.set(key, []);
      }
      this.#ready.push(job);
      this.#pump();
    });
  }

  /**
   * Waits until nothing is queued or running.
   *
   * @returns A promise resolved when the scheduler is idle.
   */
  idle(): Promise<void> {
    if (this.#queued === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#readyHead < this.#ready.length) {
      const job = this.#ready[this.#readyHead]!;
      // Release the slot at once: a finished job must not stay reachable (and alive for the GC).
      this.#ready[this.#readyHead] = undefined as unknown as Job;
      this.#readyHead += 1;
      if (this.#readyHead === this.#ready.length) {
        this.#ready.length = 0;
        this.#readyHead = 0;
      } else if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
        this.#ready = this.#ready.slice(this.#readyHead);
        this.#readyHead = 0;
      }
      this.#queued -= 1;
      this.#running += 1;
      void this.#run(job);
    }
  }

  async #run(job: Job): Promise<void> {
    try {
      await job.task();
      job.resolve();
    } catch (error) {
      job.reject(error);
    } finally {
      this.#running -= 1;
      if (job.key !== undefined) {
        const line = this.#waiting.get(job.key)!;
        const next = line.shift();
        if (next === undefined) this.#waiting.delete(job.key);
        else this.#ready.push(next);
      }
      this.#pump();
      if (this.#running === 0 && this.#queued === 0 && this.#idle.length > 0) {
        const waiters = this.#idle;
        this.#idle = [];
        for (const wake of waiters) wake();
      }
    }
  }
}

/**
 * The default ordering key of an update: its chat id, else its user id, else `undefined`.
 * A private chat's id equals its user's id, so a user's messages and inline queries share
 * one key.
 *
 * @param update The update.
 * @returns The key as a string, or `undefined` when the update has neither chat nor user.
 */
export function updateKey(update: Update): string | undefined {
  const chatId = updateChatId(update);
  if (chatId !== undefined) return String(chatId);
  const userId = updateUserId(update);
  return userId === undefined ? undefined : String(userId);
}

/** The message of a message-like update (new, edited, channel, business or guest). */
function messageOf(update: Update): Message | undefined {
  return (
    update.message ??
    update.edited_message ??
    update.channel_post ??
    update.edited_channel_post ??
    update.business_message ??
    update.edited_business_message ??
    update.guest_message
  );
}

/** The chat of an update, wherever its kind keeps it. */
export function updateChatId(update: Update): number | undefined {
  const message = messageOf(update);
  if (message !== undefined) return message.chat.id;
  return (
    update.callback_query?.message?.chat.id ??
    update.message_reaction?.chat.id ??
    update.message_reaction_count?.chat.id ??
    update.my_chat_member?.chat.id ??
    update.chat_member?.chat.id ??
    update.chat_join_request?.chat.id ??
    update.chat_boost?.chat.id ??
    update.removed_chat_boost?.chat.id ??
    update.deleted_business_messages?.chat.id
  );
}

/** The user of an update, wherever its kind keeps it. */
export function updateUserId(update: Update): number | undefined {
  const message = messageOf(update);
  return (
    message?.from?.id ??
    update.callback_query?.from.id ??
    update.inline_query?.from.id ??
    update.chosen_inline_result?.from.id ??
    update.shipping_query?.from.id ??
    update.pre_checkout_query?.from.id ??
    update.purchased_paid_media?.from.id ??
    update.poll_answer?.user?.id ??
    update.message_reaction?.user?.id ??
    update.my_chat_member?.from.id ??
    update.chat_member?.from.id ??
    update.chat_join_request?.from.id ??
    update.business_connection?.user.id
  );
}
