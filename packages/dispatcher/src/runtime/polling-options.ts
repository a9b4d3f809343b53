import type { DeleteWebhookParams, GetUpdatesParams, Update, UpdateKind } from "@bot/types";
import { UPDATE_KINDS } from "@bot/types";
import * as v from "valibot";
import { PollingError } from "./errors.js";
import type { KeyedScheduler } from "./scheduler.js";
import type { Storage } from "./storage.js";

/** The slice of `@bot/client`'s `Client` that polling uses. A `Client` is one. */
export interface PollingApi {
  /** Bot API `getUpdates`. */
  getUpdates(params: GetUpdatesParams, options?: { signal?: AbortSignal }): Promise<Update[]>;
  /** Bot API `deleteWebhook`. */
  deleteWebhook(params: DeleteWebhookParams, options?: { signal?: AbortSignal }): Promise<boolean>;
}

/** What a {@link Poller} drives. `Bot` implements it. */
export interface PollingHost {
  /** The API client. */
  readonly api: PollingApi;
  /** Prepares the host (e.g. `getMe`), once before the first fetch. */
  init(): Promise<void>;
  /** Handles one update; it should reject only if the error handler itself failed. */
  handleUpdate(update: Update): Promise<void>;
  /** The update kinds the registered handlers need. */
  allowedUpdates(): readonly UpdateKind[];
  /** Receives every non-fatal error: handler, fetch, dedup storage. */
  reportError(error: unknown, update?: Update): void | Promise<void>;
}

/** Options of long polling (`bot.start(options)` or `new Poller(host, options)`). */
export interface PollingOptions {
  /** How many updates are handled at once, across chats. Default 50. */
  readonly concurrency?: number | undefined;
  /** Updates per `getUpdates` call, 1-100. Default 100. Also the most unconfirmed updates held. */
  readonly limit?: number | undefined;
  /** Long-poll timeout in seconds, 0-50. Default 30. */
  readonly timeout?: number | undefined;
  /** Update kinds to receive. Default: `host.allowedUpdates()`. */
  readonly allowedUpdates?: readonly UpdateKind[] | undefined;
  /** The ordering key of an update (same key: one at a time, in order). Default: chat, else user. */
  readonly key?: ((update: Update) => string | number | undefined) | undefined;
  /** A scheduler to share (e.g. with other work). Default: a new one with `concurrency`. */
  readonly scheduler?: KeyedScheduler | undefined;
  /** How long a stop waits for running handlers, in milliseconds. Default 10 000. */
  readonly graceMs?: number | undefined;
  /** Signals that stop polling gracefully, or `false` for none. Default `["SIGINT", "SIGTERM"]`. */
  readonly signals?: readonly NodeJS.Signals[] | false | undefined;
  /** Remove a webhook that is still set, instead of failing with `POLLING_WEBHOOK_ACTIVE`. */
  readonly deleteWebhook?: boolean | undefined;
  /** With `deleteWebhook`: drop the updates queued while the webhook was set. */
  readonly dropPendingUpdates?: boolean | undefined;
  /** Skip updates already handled (by `update_id`), recorded in this storage. */
  readonly dedup?:
    | {
        readonly storage: Storage;
        /** How long a handled id is remembered, in milliseconds. Default 24 h (Telegram's retention). */
        readonly ttlMs?: number | undefined;
        /** Key prefix. Default `"dedup:"`. */
        readonly prefix?: string | undefined;
      }
    | undefined;
  /** Back-off after a failed fetch (429 without `retry_after`, 5xx, network). */
  readonly backoff?:
    | { readonly initialMs?: number | undefined; readonly maxMs?: number | undefined }
    | undefined;
  /**
   * While an old update holds back confirmation, fetch newer ones at most this often, in
   * milliseconds, so other chats are not delayed by a slow handler. Default 1000.
   */
  readonly stalledFetchMs?: number | undefined;
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

const KINDS = Object.keys(UPDATE_KINDS) as UpdateKind[];

const OptionsSchema = v.strictObject({
  concurrency: int("concurrency", 1, 100_000),
  limit: int("limit", 1, 100),
  timeout: int("timeout", 0, 50),
  allowedUpdates: v.optional(v.array(v.picklist(KINDS, "allowedUpdates must list update kinds"))),
  key: v.optional(v.function("key must be a function")),
  scheduler: v.optional(
    v.custom((s) => typeof s === "object" && s !== null && "schedule" in s, "invalid scheduler"),
  ),
  graceMs: int("graceMs", 0, 86_400_000),
  signals: v.optional(v.union([v.literal(false), v.array(v.string("signals must be strings"))])),
  deleteWebhook: v.optional(v.boolean("deleteWebhook must be a boolean")),
  dropPendingUpdates: v.optional(v.boolean("dropPendingUpdates must be a boolean")),
  dedup: v.optional(
    v.strictObject({
      storage: v.custom(
        (s) => typeof s === "object" && s !== null && "get" in s && "set" in s,
        "dedup.storage must be a Storage",
      ),
      ttlMs: int("dedup.ttlMs", 1, Number.MAX_SAFE_INTEGER),
      prefix: v.optional(v.string()),
    }),
  ),
  backoff: v.optional(
    v.strictObject({
      initialMs: int("backoff.initialMs", 1, 3_600_000),
      maxMs: int("backoff.maxMs", 1, 3_600_000),
    }),
  ),
  stalledFetchMs: int("stalledFetchMs", 1, 3_600_000),
});

/**
 * Validates polling options once.
 *
 * @param options The user's options.
 * @returns Nothing; throws a `PollingError` with code `POLLING_INVALID_OPTIONS`.
 */
export function checkPollingOptions(options: unknown): void {
  const parsed = v.safeParse(OptionsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new PollingError(
      "POLLING_INVALID_OPTIONS",
      `@bot/dispatcher: invalid polling options${path ? ` at ${path}` : ""}: ${issue.message}`,
    );
  }
}
