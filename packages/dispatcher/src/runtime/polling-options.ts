import type { DeleteWebhookParams, GetUpdatesParams, Update, UpdateKind } from "@bot/types";
import { UPDATE_KINDS } from "@bot/types";
import * as v from "valibot";
import type { BotInfo } from "../core/api.js";
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
  /**
   * Handles one update; it should reject only if the error handler itself failed, or with an
   * `UpdateNotConfirmedError` when the update was not handled (its storage was down): the
   * poller then leaves it unconfirmed and fetches it again after a back-off.
   *
   * @param update The update.
   * @param options The update's abort signal (the per-update deadline, the end of a stop's grace).
   */
  handleUpdate(update: Update, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** The update kinds the registered handlers need. */
  allowedUpdates(): readonly UpdateKind[];
  /** Receives every non-fatal error: handler, fetch, dedup storage. */
  reportError(error: unknown, update?: Update): void | Promise<void>;
  /** The bot's own user after `init()`: its id scopes dedup keys; `onStart` receives it. */
  readonly botInfo?: BotInfo;
  /** The default storage of `dedup: true`. */
  readonly storage?: Storage;
}

/** Dedup options of polling: `true` for the defaults, or these. */
export interface PollingDedupOptions {
  /** Where the marks live. Default: the host's storage (`new Bot(token, { storage })`). */
  readonly storage?: Storage | undefined;
  /** How long a handled id is remembered, in milliseconds. Default 24 h (Telegram's retention). */
  readonly ttlMs?: number | undefined;
  /**
   * How long a claim lives if this process dies while the handler runs, in milliseconds; after a
   * crash, those updates run again once it expired. Default: `handlerTimeoutMs` + 10 s, at least 60 s.
   */
  readonly leaseMs?: number | undefined;
  /** Put in front of every key (`<botId>:dedup:<update_id>`). Default `""`. */
  readonly prefix?: string | undefined;
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
  /**
   * A scheduler to share (e.g. with other work). Default: a new one with `concurrency` and
   * `handlerTimeoutMs`. A shared scheduler brings its own deadline (`timeoutMs`).
   */
  readonly scheduler?: KeyedScheduler | undefined;
  /**
   * The per-update deadline in milliseconds; `0` disables it. Default 30 000. When it passes,
   * the update is reported to `bot.catch` with a `HandlerTimeoutError`, its `ctx.signal` is
   * aborted, its chat's next updates run, and the offset may move past it: it counts as
   * handled and is not delivered again. The handler itself cannot be stopped: what it does
   * after the deadline without honouring `ctx.signal` still happens, possibly at the same time
   * as the next update of its chat.
   */
  readonly handlerTimeoutMs?: number | undefined;
  /**
   * How long a stop lets running handlers finish, in milliseconds. Default 6000. Then their
   * `ctx.signal` is aborted, they get 0.5 s more, and the final confirmation takes at most 1 s
   * more: a stop ends within `graceMs` + 2 s (8 s by default, inside the 10 s a container gets
   * between SIGTERM and SIGKILL).
   */
  readonly graceMs?: number | undefined;
  /** Signals that stop polling gracefully, or `false` for none. Default `["SIGINT", "SIGTERM"]`. */
  readonly signals?: readonly NodeJS.Signals[] | false | undefined;
  /**
   * Remove a webhook that is still set, instead of failing with
   * `BOT_DISPATCHER_POLLING_WEBHOOK_ACTIVE`.
   */
  readonly deleteWebhook?: boolean | undefined;
  /** With `deleteWebhook`: drop the updates queued while the webhook was set. */
  readonly dropPendingUpdates?: boolean | undefined;
  /**
   * Run each update at most once across restarts (by `update_id`): claimed before its handler,
   * marked done after (see `UpdateDedup`). `true` uses the host's storage; use a durable one.
   */
  readonly dedup?: true | PollingDedupOptions | undefined;
  /**
   * Called once the first `getUpdates` is under way (after `init()` and `deleteWebhook`), with
   * the bot's own user: the bot is live. An error it throws goes to `bot.catch`.
   */
  readonly onStart?: ((botInfo: BotInfo) => unknown) | undefined;
  /**
   * Back-off after a failed fetch (429 without `retry_after`, 5xx, network), and before fetching
   * again an update that was not handled because its storage was down (`UpdateNotConfirmedError`):
   * exponential from `initialMs` (500) to `maxMs` (30 000), with jitter, cut short by a stop.
   */
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
  handlerTimeoutMs: int("handlerTimeoutMs", 0, 2_147_483_647),
  onStart: v.optional(v.function("onStart must be a function")),
  signals: v.optional(v.union([v.literal(false), v.array(v.string("signals must be strings"))])),
  deleteWebhook: v.optional(v.boolean("deleteWebhook must be a boolean")),
  dropPendingUpdates: v.optional(v.boolean("dropPendingUpdates must be a boolean")),
  dedup: v.optional(
    v.union(
      [
        v.literal(true),
        v.strictObject({
          storage: v.optional(
            v.custom(
              (s) => typeof s === "object" && s !== null && "get" in s && "setIfAbsent" in s,
              "dedup.storage must be a Storage",
            ),
          ),
          ttlMs: int("dedup.ttlMs", 1, Number.MAX_SAFE_INTEGER),
          leaseMs: int("dedup.leaseMs", 1, Number.MAX_SAFE_INTEGER),
          prefix: v.optional(v.string()),
        }),
      ],
      "dedup must be true or an object",
    ),
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
 * @returns Nothing; throws a `PollingError` with code `BOT_DISPATCHER_POLLING_INVALID_OPTIONS`.
 */
export function checkPollingOptions(options: unknown): void {
  const parsed = v.safeParse(OptionsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new PollingError(
      "BOT_DISPATCHER_POLLING_INVALID_OPTIONS",
      `@bot/dispatcher: invalid polling options${path ? ` at ${path}` : ""}: ${issue.message}`,
    );
  }
  const o = options as PollingOptions;
  if (o.scheduler !== undefined && o.handlerTimeoutMs !== undefined) {
    throw new PollingError(
      "BOT_DISPATCHER_POLLING_INVALID_OPTIONS",
      "@bot/dispatcher: invalid polling options: handlerTimeoutMs cannot be combined with scheduler (give the scheduler a timeoutMs)",
    );
  }
}
