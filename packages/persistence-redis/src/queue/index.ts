/**
 * `@bot/persistence-redis/queue`: a durable update queue on Redis Streams for bots that run in
 * many processes. Updates are partitioned by chat; `bot.work(queue)` runs them in per-chat
 * order across any number of worker processes, at least once, acknowledged after the handler.
 *
 * @module
 */
export type { RedisUpdateQueueOptions } from "./options.js";
export {
  type PartitionStats,
  QUEUE_CHANNEL,
  type QueuePollApi,
  type QueuePollOptions,
  type QueueStats,
  RedisUpdateQueue,
} from "./queue.js";
