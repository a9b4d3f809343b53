import type { Storage } from "@bot/dispatcher";
import type {
  DeleteWebhookParams,
  SetWebhookParams,
  Update,
  UpdateKind,
  WebhookInfo,
} from "@bot/types";

/**
 * Lets one API call ride in the HTTP response of a webhook request. This is the
 * `WebhookReplySink` contract of `@bot/dispatcher`.
 */
export interface WebhookReplySink {
  /**
   * Offers one API call for the HTTP response.
   *
   * @param method The Bot API method.
   * @param params Its parameters (JSON only: no file uploads).
   * @returns `true` when the call was taken; `false` when the caller must make it itself.
   */
  offer(method: string, params: Record<string, unknown>): boolean;
}

/** The options the plugin passes to `bot.handleUpdate`. */
export interface WebhookHandleOptions {
  /** Where a handler may put one API call for the HTTP response (`await` mode only). */
  readonly webhookReply?: WebhookReplySink | undefined;
  /**
   * Aborted when the per-update deadline (`handlerTimeoutMs`) passes, or when the server
   * closes and the close grace ran out.
   */
  readonly signal?: AbortSignal | undefined;
}

/** The part of the client the webhook helpers use. */
export interface WebhookApi {
  /** `setWebhook` of the Bot API. */
  setWebhook(params: SetWebhookParams, options?: { signal?: AbortSignal }): Promise<true>;
  /** `deleteWebhook` of the Bot API. */
  deleteWebhook(params?: DeleteWebhookParams, options?: { signal?: AbortSignal }): Promise<true>;
  /** `getWebhookInfo` of the Bot API. */
  getWebhookInfo(
    params?: Record<string, never>,
    options?: { signal?: AbortSignal },
  ): Promise<WebhookInfo>;
}

/**
 * What the plugin needs from a bot: the public contract of `@bot/dispatcher`'s `Bot`.
 * A `Bot` fits; so does any object that implements these members.
 */
export interface WebhookBot {
  /**
   * Runs the middleware for one update. Rejects only when the bot's error handler throws, or
   * with `@bot/dispatcher`'s `UpdateNotConfirmedError` when the update was not handled because
   * the storage was down (the plugin then answers 503 so Telegram resends it).
   *
   * @param update A validated update.
   * @param options The webhook reply sink and an abort signal.
   */
  handleUpdate(update: Update, options?: WebhookHandleOptions): Promise<void>;
  /** The update kinds the registered handlers need (for `setWebhook`'s `allowed_updates`). */
  allowedUpdates?(): readonly UpdateKind[];
  /** The Bot API client (for `getWebhookInfo` on start and the helpers). */
  readonly api?: unknown;
  /**
   * Routes an error to the bot's error handler (`bot.catch`): a handler past its per-update
   * deadline, or an `ack`-mode update dropped at close. Without it they are logged.
   *
   * @param error The error.
   * @param update The update it concerns.
   * @param source What failed: the handler, or something else.
   */
  reportError?(error: unknown, update: Update, source: "handler" | "other"): unknown;
  /** Fetches the bot's own user (`getMe`) once; dedup needs the bot's id to scope its keys. */
  init?(): Promise<void>;
  /** The bot's own user (its id scopes the dedup keys). May throw before `init()`. */
  readonly botInfo?: { readonly id: number };
}

/**
 * Where dedup marks live: the `Storage` contract of `@bot/dispatcher` (its `UpdateDedup`
 * uses `get`, `set`, `delete` and `setIfAbsent`). `MemoryStorage` and the Redis storage fit.
 */
export type DedupStorage = Storage;

/**
 * A durable queue for `delivery: { queue }`: the webhook answers 200 only once `enqueue`
 * resolved, and something else (a worker) runs the updates later.
 */
export interface WebhookQueue {
  /**
   * Stores one update durably.
   *
   * @param update A validated update.
   * @returns Resolves once the update is stored; rejects when it could not be (the webhook then answers 503 and Telegram resends).
   */
  enqueue(update: Update): Promise<void>;
}
