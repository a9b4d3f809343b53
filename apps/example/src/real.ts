import type { Bot } from "@bot/dispatcher";
import { setWebhook, webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { createExampleBot, type ExampleContext, publishCommands } from "./bot.ts";
import type { Config } from "./config.ts";
import { createServices } from "./services.ts";
import { runWorker } from "./worker.ts";

/** Options of {@link serveWebhook}. */
export interface WebhookServerOptions {
  /** The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`. */
  readonly secretToken: string;
  /** The public base URL (https); default the server's own address (for a local Bot API server). */
  readonly publicUrl?: string | undefined;
  /** The port to listen on (0: any free port). */
  readonly port: number;
  /** The interface to listen on (default `0.0.0.0`). */
  readonly host?: string;
  /** Fastify's logger (default on). */
  readonly logger?: boolean;
}

/**
 * Serves the bot as a Fastify webhook on `/telegram` and registers it with `setWebhook`.
 *
 * @param bot The bot (initialised).
 * @param options Secret, public URL, port and host.
 * @returns The URL registered, and `close()` (closes the server; the webhook stays registered).
 */
export async function serveWebhook(
  bot: Bot<ExampleContext>,
  options: WebhookServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: options.logger ?? true });
  await app.register(webhook, {
    bot,
    path: "/telegram",
    secretToken: options.secretToken,
    delivery: "await",
    dedup: true,
  });
  const address = await app.listen({ port: options.port, host: options.host ?? "0.0.0.0" });
  const base = options.publicUrl ?? address;
  const url = `${base}/telegram`;
  await setWebhook(bot, { url, secretToken: options.secretToken });
  return { url, close: () => app.close() };
}

/**
 * Runs the example against a real Bot API server: long polling by default, or a Fastify webhook
 * server with BOT_MODE=webhook. With REDIS_URL, sessions live in Redis and reminders in BullMQ.
 *
 * @param config The validated configuration (with a token).
 */
export async function runReal(config: Config): Promise<void> {
  const services = await createServices({
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
  });
  const { bot, jobs } = createExampleBot(config.token as string, {
    bot: {
      storage: services.storage,
      clientOptions: config.apiRoot ? { apiRoot: config.apiRoot } : {},
    },
    jobsDriver: services.jobsDriver,
  });
  await bot.init();
  await publishCommands(bot);
  await jobs.start();
  console.log(`Running as @${bot.me.username} (${config.mode}, ${services.kind} storage).`);
  if (config.mode === "worker") {
    const stop = () => void bot.stop(); // the worker ends gracefully, the jobs stop with the bot
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await runWorker(bot, services.queue as NonNullable<typeof services.queue>);
    await bot.api.close();
    await services.close();
    return;
  }
  if (config.mode === "polling") {
    await bot.start(); // stops on SIGINT/SIGTERM, and the jobs with it
    await bot.api.close();
    await services.close();
    return;
  }
  const server = await serveWebhook(bot, {
    secretToken: config.webhookSecret as string,
    publicUrl: config.webhookUrl,
    port: config.port,
  });
  const close = async () => {
    await server.close();
    await bot.stop(); // runs the onStop hooks: the jobs stop
    await bot.api.close();
    await services.close();
  };
  process.once("SIGINT", close);
  process.once("SIGTERM", close);
}
