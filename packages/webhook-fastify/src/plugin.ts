import { UpdateDedup } from "@bot/dispatcher/advanced";
import { safeParseUpdate } from "@bot/types/schemas";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { BodyTimeout } from "./body-timeout.js";
import { closeGraceWithin } from "./close-grace.js";
import type { WebhookBot } from "./contract.js";
import { rejectedChannel, updateChannel } from "./diagnostics.js";
import { WebhookError } from "./errors.js";
import { logWebhookHealth } from "./health.js";
import { capLogText } from "./log-text.js";
import { resolveOptions, type WebhookOptions } from "./options.js";
import { Runner } from "./runner.js";
import { secretChecker } from "./secret.js";

const SECRET_HEADER = "x-telegram-bot-api-secret-token";
const OTHER_METHODS = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

function reject(
  reply: FastifyReply,
  path: string,
  status: number,
  reason: string,
  error: string,
): FastifyReply {
  if (rejectedChannel.hasSubscribers) rejectedChannel.publish({ path, status, reason });
  return reply.code(status).send({ ok: false, error });
}

/** The bot's id, which scopes the dedup keys: from `botInfo`, after `init()` if need be. */
async function botIdOf(bot: WebhookBot): Promise<number> {
  const known = readBotId(bot);
  if (known !== undefined) return known;
  await bot.init?.();
  const id = readBotId(bot);
  if (id === undefined) {
    throw new WebhookError(
      "BOT_WEBHOOK_INVALID_OPTIONS",
      "@bot/webhook-fastify: dedup needs the bot's id (a bot with botInfo or init())",
    );
  }
  return id;
}

function readBotId(bot: WebhookBot): number | undefined {
  try {
    const id = bot.botInfo?.id;
    return typeof id === "number" ? id : undefined;
  } catch {
    return undefined; // a Bot's botInfo throws before init()
  }
}

async function webhookPlugin(instance: FastifyInstance, input: WebhookOptions): Promise<void> {
  const o = resolveOptions(input);
  const path = o.path;
  const closeGraceMs = closeGraceWithin(o.closeGraceMs, instance.initialConfig.pluginTimeout);
  if (closeGraceMs < o.closeGraceMs) {
    instance.log.warn(
      {
        path,
        closeGraceMs: o.closeGraceMs,
        pluginTimeout: instance.initialConfig.pluginTimeout,
        used: closeGraceMs,
      },
      "@bot/webhook-fastify: closeGraceMs shortened to fit inside Fastify's pluginTimeout (a close hook that outlives it makes app.close() fail)",
    );
  }
  const dedup = o.dedup;
  const runner = new Runner({
    bot: o.bot,
    path,
    delivery: o.delivery,
    queue: o.queue,
    deadlineMs: o.deadlineMs,
    handlerTimeoutMs: o.handlerTimeoutMs,
    concurrency: o.concurrency,
    maxPending: o.maxPending,
    closeGraceMs,
    dedup:
      dedup === undefined
        ? undefined
        : async () =>
            new UpdateDedup({
              storage: dedup.storage,
              botId: await botIdOf(o.bot),
              prefix: dedup.keyPrefix,
              ttlMs: dedup.ttlMs,
              // A claim outlives any wait and run of ours; one of a process that died expires.
              leaseMs: Math.max(o.deadlineMs, o.handlerTimeoutMs) + closeGraceMs + 60_000,
            }),
    log: instance.log,
    respond: (target, status, reason, body) => {
      const reply = target as FastifyReply;
      if (status !== 200) {
        reply.header("retry-after", "5");
        reject(reply, path, status, reason ?? "busy", reason ?? "busy");
      } else if (body !== undefined) {
        reply.type("application/json").send(body);
      } else {
        reply.send();
      }
    },
  });
  const checkSecret = o.secretToken === undefined ? undefined : secretChecker(o.secretToken);
  if (checkSecret === undefined) {
    instance.log.warn(
      { path },
      "@bot/webhook-fastify: dangerouslyAcceptUnauthenticatedUpdates is on: anyone who finds this URL can send fake updates",
    );
  }

  // Our own JSON parser in this scope only, whatever the parent configured:
  // prototype poisoning is an error, and nothing but application/json is parsed.
  instance.removeAllContentTypeParsers();
  const parseJson = instance.getDefaultJsonParser("error", "error");
  const bodyTimeout = new BodyTimeout(o.bodyTimeoutMs);
  instance.addContentTypeParser(
    "application/json",
    { parseAs: "string", bodyLimit: o.bodyLimit },
    (request, body, done) => {
      bodyTimeout.done(request.raw);
      parseJson(request, body as string, done);
    },
  );

  // Runs before the body is read: a wrong secret never costs us the body.
  instance.addHook(
    "onRequest",
    (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (runner.closing) {
        reply.header("retry-after", "5").header("connection", "close");
        reject(reply, path, 503, "closing", "closing");
        return;
      }
      if (checkSecret !== undefined && !checkSecret(request.headers[SECRET_HEADER])) {
        // Close the connection so Node does not drain an unread body.
        reply.header("connection", "close");
        reject(reply, path, 401, "secret", "unauthorized");
        return;
      }
      // The body must arrive within bodyTimeoutMs, else 408 (slow-body attacks).
      bodyTimeout.watch(request.raw);
      done();
    },
  );

  instance.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, "@bot/webhook-fastify: unexpected error");
      return reject(reply, path, status, "error", "internal error");
    }
    request.log.info({ code: error.code, status }, "@bot/webhook-fastify: request refused");
    if (status === 408) reply.header("connection", "close");
    return reject(reply, path, status, "invalid", error.code ?? "bad request");
  });

  instance.route({
    method: "POST",
    url: path,
    bodyLimit: o.bodyLimit,
    // Not async: the runner answers through `respond` when the update is done (or at once).
    handler: (request, reply) => {
      const parsed = safeParseUpdate(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]?.message;
        request.log.warn(
          {
            updatePath: capLogText(parsed.error.path || "<root>"),
            issue: issue === undefined ? undefined : capLogText(issue),
          },
          "@bot/webhook-fastify: invalid update",
        );
        reject(reply, path, 400, "invalid", "invalid update");
        return;
      }
      const update = parsed.output;
      if (updateChannel.hasSubscribers) {
        updateChannel.publish({ path, updateId: update.update_id, delivery: o.delivery });
      }
      runner.accept(update, reply);
    },
  });

  instance.route({
    method: [...OTHER_METHODS],
    url: path,
    handler: (_request, reply) => {
      reply.header("allow", "POST");
      return reject(reply, path, 405, "method", "method not allowed");
    },
  });

  if (o.healthCheck) {
    const checker = new AbortController();
    const fullPath = `${instance.prefix}${path}`;
    instance.addHook("onReady", (done) => {
      void logWebhookHealth(o.bot, instance.log, fullPath, checker.signal);
      done();
    });
    instance.addHook("onClose", (_instance, done) => {
      checker.abort();
      done();
    });
  }

  // Fastify times each preClose hook with `pluginTimeout` and fails `app.close()` when one
  // outlives it, so the grace waited here is shortened to fit (closeGraceWithin). The wait for
  // dedup writes has no bound, so it runs in onClose, after the server closed, untimed.
  instance.addHook("preClose", async () => {
    await runner.close();
    bodyTimeout.close();
  });
  instance.addHook("onClose", async () => {
    await runner.settled();
  });
}

/**
 * The Fastify plugin that serves a bot as a Telegram webhook. Register it on your own
 * Fastify 5 instance; it stays encapsulated, so a `prefix` applies and nothing leaks into
 * the parent scope. Register it once per bot (each on its own path and secret).
 *
 * @example
 * ```ts
 * await app.register(webhook, { bot, path: "/telegram", secretToken: process.env.WEBHOOK_SECRET, delivery: "await" });
 * ```
 */
export const webhook: typeof webhookPlugin = fp(webhookPlugin, {
  name: "@bot/webhook-fastify",
  fastify: "5.x",
  encapsulate: true,
});
