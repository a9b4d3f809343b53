import { MemoryStorage, type Storage } from "@bot/dispatcher";
import { type JobClock, type JobsDriver, MemoryDriver } from "@bot/jobs";
import { BullMQDriver } from "@bot/jobs/bullmq";
import { RedisStorage } from "@bot/persistence-redis";
import { RedisUpdateQueue } from "@bot/persistence-redis/queue";
import { createClient } from "redis";

/** Where the example keeps sessions and reminders. */
export interface Services {
  /** Sessions, conversations and callback data overflow. */
  readonly storage: Storage;
  /** The reminders' job driver. */
  readonly jobsDriver: JobsDriver;
  /** `"memory"` or `"redis"`. */
  readonly kind: "memory" | "redis";
  /** The scale-out update queue (Redis Streams), with Redis only. */
  readonly queue: RedisUpdateQueue | undefined;
  /** Closes the Redis connection (after the bot, and with it the jobs, stopped). */
  close(): Promise<void>;
}

/**
 * The embedded defaults (memory storage, memory jobs), or with a Redis URL `RedisStorage` from
 * `@bot/persistence-redis` and the BullMQ driver of `@bot/jobs`, on one node-redis client.
 *
 * @param options The Redis URL and key prefix; the memory jobs' clock (an emulator `ManualClock` in the demo).
 * @returns The services.
 */
export async function createServices(
  options: { redisUrl?: string | undefined; redisPrefix?: string; clock?: JobClock } = {},
): Promise<Services> {
  if (options.redisUrl === undefined) {
    return {
      storage: new MemoryStorage(),
      jobsDriver: new MemoryDriver(options.clock === undefined ? {} : { clock: options.clock }),
      kind: "memory",
      queue: undefined,
      close: async () => {},
    };
  }
  const prefix = options.redisPrefix ?? "bot-example:";
  const client = createClient({ url: options.redisUrl });
  let reported = false;
  client.on("error", (error: Error) => {
    // node-redis reconnects by itself; say it once, without the URL (it may hold a password)
    if (!reported) console.error(`example: Redis: ${error.message}`);
    reported = true;
  });
  await client.connect();
  return {
    storage: new RedisStorage({ client, prefix }),
    jobsDriver: new BullMQDriver({ client, prefix: `${prefix}jobs` }),
    kind: "redis",
    queue: new RedisUpdateQueue({ client, name: "example", prefix, partitions: 16 }),
    close: async () => {
      await client.close();
    },
  };
}
