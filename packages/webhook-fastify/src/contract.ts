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
  readonly webhookReply?: WebhookReplySink;
  /** Aborted when the plugin gives up waiting (the deadline passed and the server closes). */
  readonly signal?: AbortSignal;
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
   * Runs the middleware for one update. Rejects only when the bot's error handler throws.
   *
   * @param update A validated update.
   * @param options The webhook reply sink and an abort signal.
   */
  handleUpdate(update: Update, options?: WebhookHandleOptions): Promise<void>;
  /** The update kinds the registered handlers need (for `setWebhook`'s `allowed_updates`). */
  allowedUpdates?(): readonly UpdateKind[];
  /** The Bot API client (for `getWebhookInfo` on start and the helpers). */
  readonly api?: unknown;
}

/** A key-value store with an atomic set-if-absent: the `Storage` contract of `@bot/dispatcher`. */
export interface DedupStorage {
  /**
   * Reads a key.
   *
   * @param key The key.
   * @returns The value and its version, or `undefined` when absent.
   */
  get(key: string): Promise<{ readonly value: unknown; readonly version: string } | undefined>;
  /**
   * Writes a key unconditionally.
   *
   * @param key The key.
   * @param value A JSON value.
   * @param options The TTL.
   * @returns The new version.
   */
  set(key: string, value: unknown, options?: { ttlMs?: number }): Promise<string>;
  /**
   * Deletes a key.
   *
   * @param key The key.
   * @returns `true` when the key existed.
   */
  delete(key: string): Promise<boolean>;
  /**
   * Writes a key only if its version matches (`null`: only if absent).
   *
   * @param key The key.
   * @param expectedVersion The version read before, or `null`.
   * @param value A JSON value.
   * @param options The TTL.
   * @returns The new version, or `undefined` when nothing was written.
   */
  compareAndSet(
    key: string,
    expectedVersion: string | null,
    value: unknown,
    options?: { ttlMs?: number },
  ): Promise<string | undefined>;
}

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
