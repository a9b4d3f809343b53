import type { UpdateKind } from "@bot/types";
import * as v from "valibot";
import type { WebhookBot } from "./contract.js";
import { WebhookError } from "./errors.js";
import { webhookApi } from "./health.js";

/** Options of {@link setWebhook}. */
export interface SetWebhookOptions {
  /** The public HTTPS URL Telegram posts to (prefix and path included). */
  readonly url: string;
  /** The secret the plugin checks (the same `secretToken`). */
  readonly secretToken?: string;
  /** Discard the updates Telegram queued while no webhook ran. */
  readonly dropPendingUpdates?: boolean;
  /** Update kinds to receive. Defaults to `bot.allowedUpdates()`. */
  readonly allowedUpdates?: readonly UpdateKind[];
  /** 1-100 parallel deliveries (Telegram's default is 40). */
  readonly maxConnections?: number;
  /** A fixed IP address Telegram sends to instead of resolving the URL's host. */
  readonly ipAddress?: string;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

const SetSchema = v.strictObject({
  url: v.pipe(v.string("url must be a string"), v.url("url must be an absolute URL")),
  secretToken: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9_-]{1,256}$/, "secretToken must be 1-256 characters of A-Z a-z 0-9 _ -"),
    ),
  ),
  dropPendingUpdates: v.optional(v.boolean("dropPendingUpdates must be a boolean")),
  allowedUpdates: v.optional(
    v.array(v.string(), "allowedUpdates must be an array of update kinds"),
  ),
  maxConnections: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1, "maxConnections must be 1-100"),
      v.maxValue(100, "maxConnections must be 1-100"),
    ),
  ),
  ipAddress: v.optional(v.string("ipAddress must be a string")),
  signal: v.optional(v.instance(AbortSignal, "signal must be an AbortSignal")),
});

function requireApi(bot: WebhookBot) {
  const api = webhookApi(bot);
  if (api === undefined) {
    throw new WebhookError(
      "BOT_WEBHOOK_INVALID_OPTIONS",
      "@bot/webhook-fastify: the bot has no api with webhook methods",
    );
  }
  return api;
}

/**
 * Points Telegram at a webhook: calls `setWebhook` with the URL, the secret,
 * `allowed_updates` taken from the bot's handlers and `drop_pending_updates`.
 *
 * @param bot The bot (its `api` makes the call).
 * @param options The URL and the rest.
 * @returns Resolves once Telegram accepted it; rejects with the client's error otherwise.
 */
export async function setWebhook(bot: WebhookBot, options: SetWebhookOptions): Promise<void> {
  const parsed = v.safeParse(SetSchema, options);
  if (!parsed.success) {
    throw new WebhookError(
      "BOT_WEBHOOK_INVALID_OPTIONS",
      `@bot/webhook-fastify: setWebhook: ${parsed.issues[0].message}`,
    );
  }
  const o = parsed.output;
  const api = requireApi(bot);
  const allowed = o.allowedUpdates ?? bot.allowedUpdates?.();
  await api.setWebhook(
    {
      url: o.url,
      ...(o.secretToken === undefined ? {} : { secret_token: o.secretToken }),
      ...(allowed === undefined ? {} : { allowed_updates: [...allowed] }),
      ...(o.dropPendingUpdates === undefined ? {} : { drop_pending_updates: o.dropPendingUpdates }),
      ...(o.maxConnections === undefined ? {} : { max_connections: o.maxConnections }),
      ...(o.ipAddress === undefined ? {} : { ip_address: o.ipAddress }),
    },
    o.signal === undefined ? {} : { signal: o.signal },
  );
}

/**
 * Removes the webhook (to go back to long polling).
 *
 * @param bot The bot (its `api` makes the call).
 * @param options Whether to drop the pending updates, and an abort signal.
 * @returns Resolves once Telegram accepted it.
 */
export async function deleteWebhook(
  bot: WebhookBot,
  options: { readonly dropPendingUpdates?: boolean; readonly signal?: AbortSignal } = {},
): Promise<void> {
  const api = requireApi(bot);
  await api.deleteWebhook(
    options.dropPendingUpdates === undefined
      ? {}
      : { drop_pending_updates: options.dropPendingUpdates },
    options.signal === undefined ? {} : { signal: options.signal },
  );
}
