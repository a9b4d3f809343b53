import { Bot, type BotOptions, type Context } from "@bot/dispatcher";
import { RedisStorage } from "@bot/persistence-redis";
import { RedisUpdateQueue } from "@bot/persistence-redis/queue";
import { webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { createClient } from "redis";

/** Every role (web, poller, worker) builds the same bot: its handlers, and the queue. */
export async function createBot(
  token = process.env.BOT_TOKEN!,
  options: BotOptions<Context> = {},
  prefix = "bot:", // the namespace of the queue's keys (tests use their own)
) {
  // #region queue
  const redis = await createClient({
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  }).connect();
  // 16 partitions: each chat always lands in the same one, in arrival order
  const queue = new RedisUpdateQueue({ client: redis, name: "mybot", partitions: 16, prefix });
  // Storage on Redis too: the workers' update_id dedup must be shared by all of them.
  const bot = new Bot(token, { ...options, storage: new RedisStorage({ client: redis, prefix }) });
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
  // #endregion queue
  return { bot, queue, redis };
}

export async function web(): Promise<void> {
  // #region web
  // The web process: Telegram gets 200 only once the update is appended to Redis.
  const { bot, queue } = await createBot();
  const app = Fastify();
  await app.register(webhook, {
    bot,
    path: "/telegram",
    secretToken: process.env.WEBHOOK_SECRET!,
    delivery: { queue },
  });
  await app.listen({ port: Number(process.env.PORT ?? 8443), host: "0.0.0.0" });
  // #endregion web
}

export async function poller(signal: AbortSignal): Promise<void> {
  // #region poll
  // No webhook? Long polling feeds the queue instead (one poller at a time, by a Redis lease).
  const { bot, queue } = await createBot();
  await queue.poll(bot.api, { signal, allowedUpdates: bot.allowedUpdates() }); // until aborted
  // #endregion poll
}

export async function worker(): Promise<void> {
  // #region worker
  // Any number of worker processes: partitions are shared out among them by leases.
  const { bot, queue } = await createBot();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void bot.stop());
  await bot.work(queue, { concurrency: 20 }); // until bot.stop(): finishes, acks, hands over
  // #endregion worker
}
