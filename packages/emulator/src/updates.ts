import type { Update } from "@bot/types";
import { ApiFailure } from "./errors.js";

/** Update kinds left out when `allowed_updates` is empty or was never set. */
export const OPT_IN_KINDS: ReadonlySet<string> = new Set([
  "chat_member",
  "message_reaction",
  "message_reaction_count",
]);

/** The exact 409 descriptions of the reference server. */
export const CONFLICT = {
  otherPoller:
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  webhookActive:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  setWebhook: "Conflict: terminated by setWebhook request",
} as const;

/** An update body without its id, as produced by actors. */
export type UpdatePayload = Omit<Update, "update_id">;

interface Waiter {
  readonly limit: number;
  readonly resolve: (updates: Update[]) => void;
  readonly reject: (error: ApiFailure) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The chat key an update is ordered by (its chat, else its sender).
 *
 * @param update The update.
 * @returns A string key.
 */
export function orderKey(update: Update): string {
  for (const key in update) {
    if (key === "update_id") continue;
    const payload = (update as unknown as Record<string, unknown>)[key];
    if (typeof payload !== "object" || payload === null) continue;
    const p = payload as {
      chat?: { id?: unknown };
      message?: { chat?: { id?: unknown } };
      from?: { id?: unknown };
      user?: { id?: unknown };
    };
    const id = p.chat?.id ?? p.message?.chat?.id ?? p.from?.id ?? p.user?.id;
    if (id !== undefined) return String(id);
  }
  return "-";
}

/**
 * The kind of an update (the name of its one payload field).
 *
 * @param update The update or payload.
 * @returns The kind.
 */
export function updateKind(update: UpdatePayload): string {
  for (const key in update) if (key !== "update_id") return key;
  return "unknown";
}

/** One bot's queue of unconfirmed updates, with long polling and the sticky `allowed_updates`. */
export class UpdateQueue {
  /** Unconfirmed updates in id order. */
  readonly pending: Update[] = [];
  /** The sticky `allowed_updates`; `undefined` means the default. */
  allowed: readonly string[] | undefined;
  /** Called after an update is queued (the webhook deliverer listens). */
  onPush: (() => void) | undefined;
  #nextId = 100_000_000 + Math.floor(Math.random() * 800_000_000);
  #waiter: Waiter | undefined;

  /**
   * Whether the sticky filter lets an update kind through.
   *
   * @param kind The update kind.
   * @returns `true` when it would be queued.
   */
  accepts(kind: string): boolean {
    if (this.allowed === undefined || this.allowed.length === 0) return !OPT_IN_KINDS.has(kind);
    return this.allowed.includes(kind);
  }

  /**
   * Queues an update if the filter allows its kind.
   *
   * @param payload The update without its id.
   * @returns The queued update, or `undefined` when filtered out.
   */
  push(payload: UpdatePayload): Update | undefined {
    if (!this.accepts(updateKind(payload))) return undefined;
    const update = { update_id: this.#nextId++, ...payload } as Update;
    this.pending.push(update);
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(this.pending.slice(0, w.limit));
    }
    this.onPush?.();
    return update;
  }

  /**
   * Applies an `offset`: a positive one confirms every lower id, a negative one keeps the last N.
   *
   * @param offset The offset parameter.
   */
  confirm(offset: number): void {
    if (offset < 0) {
      const keep = -offset;
      if (this.pending.length > keep) this.pending.splice(0, this.pending.length - keep);
      return;
    }
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as Update).update_id < offset) n++;
    if (n > 0) this.pending.splice(0, n);
  }

  /**
   * Removes one delivered update (webhook mode).
   *
   * @param update The update.
   */
  remove(update: Update): void {
    const i = this.pending.indexOf(update);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Drops every queued update. */
  clear(): void {
    this.pending.length = 0;
  }

  /**
   * Answers a getUpdates call, waiting up to `timeoutSec` when nothing is queued.
   *
   * @param limit 1-100.
   * @param timeoutSec The long-poll wait in seconds (0 = answer at once).
   * @param signal Aborted when the HTTP request goes away.
   * @returns The updates.
   */
  poll(limit: number, timeoutSec: number, signal: AbortSignal): Promise<Update[]> {
    this.endPoll(CONFLICT.otherPoller);
    if (this.pending.length > 0 || timeoutSec <= 0)
      return Promise.resolve(this.pending.slice(0, limit));
    return new Promise<Update[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#waiter === waiter) this.#waiter = undefined;
        resolve([]);
      }, timeoutSec * 1000);
      const waiter: Waiter = { limit, resolve, reject, timer };
      this.#waiter = waiter;
      signal.addEventListener(
        "abort",
        () => {
          if (this.#waiter === waiter) {
            this.#waiter = undefined;
            clearTimeout(timer);
            resolve([]);
          }
        },
        { once: true },
      );
    });
  }

  /**
   * Ends a pending long poll with a 409 conflict.
   *
   * @param description The conflict description.
   */
  endPoll(description: string): void {
    const w = this.#waiter;
    if (w === undefined) return;
    this.#waiter = undefined;
    clearTimeout(w.timer);
    w.reject(new ApiFailure(409, description));
  }

  /** Ends a pending long poll with an empty answer (on shutdown). */
  release(): void {
    const w = this.#waiter;
    if (w === undefined) return;
    this.#waiter = undefined;
    clearTimeout(w.timer);
    w.resolve([]);
  }
}
