import type { WebhookInfo } from "@bot/types";
import type { WebhookApi, WebhookBot } from "./contract.js";

/** A logger with pino's shape (Fastify's `app.log`). */
export interface HealthLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Hides what could be a secret in a webhook URL: the query, credentials, and any path
 * segment that looks like a bot token.
 *
 * @param url The URL Telegram reported.
 * @returns A URL safe to log.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\d+:[A-Za-z0-9_-]{20,}/g, "<token>");
    return `${u.protocol}//${u.host}${path}${u.search ? "?<redacted>" : ""}`;
  } catch {
    return "<unparsable url>";
  }
}

/**
 * Reads a bot's client, if it has the webhook methods.
 *
 * @param bot The bot.
 * @returns The client, or `undefined`.
 */
export function webhookApi(bot: WebhookBot): WebhookApi | undefined {
  const api = bot.api as Partial<WebhookApi> | undefined;
  if (typeof api !== "object" || api === null) return undefined;
  if (typeof api.getWebhookInfo !== "function" || typeof api.setWebhook !== "function")
    return undefined;
  return api as WebhookApi;
}

/**
 * Calls `getWebhookInfo` and logs the webhook's health. Never throws: a failure is a warning.
 *
 * @param bot The bot.
 * @param log Where to log.
 * @param path The full route path, to compare with the URL Telegram uses.
 * @param signal Aborts the call (on close).
 * @returns The info, or `undefined` when it could not be read.
 */
export async function logWebhookHealth(
  bot: WebhookBot,
  log: HealthLog,
  path: string,
  signal?: AbortSignal,
): Promise<WebhookInfo | undefined> {
  const api = webhookApi(bot);
  if (api === undefined) return undefined;
  let info: WebhookInfo;
  try {
    info = await api.getWebhookInfo({}, signal === undefined ? {} : { signal });
  } catch (error) {
    if (signal?.aborted) return undefined;
    const code = (error as { code?: unknown }).code;
    log.warn(
      { code: typeof code === "string" ? code : undefined },
      "@bot/webhook-fastify: getWebhookInfo failed",
    );
    return undefined;
  }
  const facts = {
    url: info.url ? redactUrl(info.url) : "",
    pendingUpdateCount: info.pending_update_count,
    lastErrorDate: info.last_error_date,
    lastErrorMessage: info.last_error_message,
    maxConnections: info.max_connections,
    allowedUpdates: info.allowed_updates,
  };
  if (!info.url)
    log.warn(facts, "@bot/webhook-fastify: no webhook is set for this bot (call setWebhook)");
  else if (!safePath(info.url).endsWith(path)) {
    log.warn(
      { ...facts, path },
      "@bot/webhook-fastify: the webhook URL does not end with this route's path",
    );
  } else if (info.last_error_message)
    log.warn(facts, "@bot/webhook-fastify: Telegram reports a webhook error");
  else log.info(facts, "@bot/webhook-fastify: webhook healthy");
  return info;
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}
