import { setWebhook, webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { createExampleBot } from "./bot.ts";
import type { Config } from "./config.ts";

/**
 * Runs the example against a real Bot API server: long polling by default, or a
 * Fastify webhook server with BOT_MODE=webhook.
 *
 * @param config The validated configuration (with a token).
 */
export async function runReal(config: Config): Promise<void> {
  const bot = createExampleBot(config.token as string, {
    clientOptions: config.apiRoot ? { apiRoot: config.apiRoot } : {},
  });
  await bot.init();
  console.log(`Running as @${bot.me.username} (${config.mode}).`);
  if (config.mode === "polling") {
    await bot.start();
    await bot.api.close();
    return;
  }
  const app = Fastify({ logger: true });
  await app.register(webhook, {
    bot,
    path: "/telegram",
    secretToken: config.webhookSecret as string,
    delivery: "await",
    dedup: true,
  });
  await app.listen({ port: config.port, host: "0.0.0.0" });
  await setWebhook(bot, {
    url: `${config.webhookUrl}/telegram`,
    secretToken: config.webhookSecret as string,
  });
  const close = async () => {
    await app.close();
    await bot.api.close();
  };
  process.once("SIGINT", close);
  process.once("SIGTERM", close);
}
