import { Bot, type Context, type DataFlavor, dataSessions } from "@bot/dispatcher";
import { type ChatJobs, Jobs } from "@bot/jobs";
import { BullMQDriver } from "@bot/jobs/bullmq";
import { RedisStorage } from "@bot/persistence-redis";
import { createClient } from "redis";

export async function main(): Promise<void> {
  // #region storage
  const redis = await createClient({
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  }).connect();
  const storage = new RedisStorage({ client: redis, prefix: "mybot:" });

  type MyContext = Context & DataFlavor<{ count: number }> & { readonly jobs: ChatJobs };
  const bot = new Bot<MyContext>(process.env.BOT_TOKEN!, { storage });
  bot.use(dataSessions({ initial: { chat: () => ({ count: 0 }) } })); // sessions in Redis
  // #endregion storage

  // #region jobs
  const jobs = new Jobs({ bot, driver: new BullMQDriver({ client: redis, prefix: "mybot:jobs" }) });
  jobs.define("remind", (job) => job.api.sendMessage({ chat_id: job.chatId!, text: "Ping" }));
  bot.use(jobs);
  await jobs.start(); // in every replica, with the same handlers defined
  // #endregion jobs

  // #region polling
  // dedup marks in Redis: after a crash only updates whose handler was running rerun
  await bot.start({ dedup: true });
  // #endregion polling
}
