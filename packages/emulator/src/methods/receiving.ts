import type { WebhookInfo } from "@bot/types";
import { ApiFailure, badRequest } from "../errors.js";
import { optBool, optInt, optString } from "../params.js";
import { CONFLICT } from "../updates.js";
import type { CallContext, MethodHandler } from "./context.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function allowedUpdates(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw badRequest("can't parse allowed_updates JSON array");
  return value as string[];
}

async function getUpdates(ctx: CallContext): Promise<unknown> {
  const { bot, params, host } = ctx;
  if (host.webhook(bot) !== undefined) throw new ApiFailure(409, CONFLICT.webhookActive);
  const queue = bot.updates;
  const allowed = allowedUpdates(params.allowed_updates);
  if (allowed !== undefined) queue.allowed = allowed;
  const offset = optInt(params, "offset");
  if (offset !== undefined && offset !== 0) queue.confirm(offset);
  const limit = Math.min(100, Math.max(1, optInt(params, "limit") ?? 100));
  const timeout = Math.min(host.maxPollSeconds, Math.max(0, optInt(params, "timeout") ?? 0));
  return queue.poll(limit, timeout, ctx.signal);
}

async function setWebhook(ctx: CallContext): Promise<true> {
  const { bot, params, host } = ctx;
  const url = optString(params, "url") ?? "";
  const allowed = allowedUpdates(params.allowed_updates);
  if (url === "") {
    await host.stopWebhook(bot);
    if (allowed !== undefined) bot.updates.allowed = allowed;
    if (optBool(params, "drop_pending_updates") === true) bot.updates.clear();
    return true;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
  }
  const loopback = LOOPBACK.has(parsed.hostname);
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  }
  const secret = optString(params, "secret_token");
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    throw badRequest("bad webhook: Secret token contains unallowed characters");
  }
  const maxConnections = optInt(params, "max_connections") ?? 40;
  if (maxConnections < 1 || maxConnections > 100_000)
    throw badRequest("bad webhook: invalid max_connections specified");
  if (allowed !== undefined) bot.updates.allowed = allowed;
  if (optBool(params, "drop_pending_updates") === true) bot.updates.clear();
  bot.updates.endPoll(CONFLICT.setWebhook);
  await host.startWebhook(bot, {
    url,
    secretToken: secret,
    maxConnections,
    ipAddress: optString(params, "ip_address"),
    hasCustomCertificate: params.certificate !== undefined,
  });
  return true;
}

async function deleteWebhook(ctx: CallContext): Promise<true> {
  await ctx.host.stopWebhook(ctx.bot);
  if (optBool(ctx.params, "drop_pending_updates") === true) ctx.bot.updates.clear();
  return true;
}

function getWebhookInfo(ctx: CallContext): WebhookInfo {
  const { bot, host } = ctx;
  const hook = host.webhook(bot);
  const info: WebhookInfo = {
    url: hook?.config.url ?? "",
    has_custom_certificate: hook?.config.hasCustomCertificate ?? false,
    pending_update_count: bot.updates.pending.length,
  };
  if (hook === undefined) return info;
  if (hook.config.ipAddress !== undefined) info.ip_address = hook.config.ipAddress;
  if (hook.lastErrorDate !== undefined) info.last_error_date = hook.lastErrorDate;
  if (hook.lastErrorMessage !== undefined) info.last_error_message = hook.lastErrorMessage;
  info.max_connections = hook.config.maxConnections;
  if (bot.updates.allowed !== undefined) info.allowed_updates = [...bot.updates.allowed];
  return info;
}

/** getMe, getUpdates and the webhook methods. */
export const receivingMethods: Record<string, MethodHandler> = {
  getMe: (ctx) => ctx.bot.user,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  logOut: () => true,
  close: () => true,
};
