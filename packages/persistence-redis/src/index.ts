/**
 * `@bot/persistence-redis`: the dispatcher's storage on Redis (node-redis), shared by many
 * processes: sessions, dedup and any other state, with a deadline on every command.
 *
 * @module
 */
export type {
  CommandOptions,
  NodeRedisClient,
  NodeRedisCluster,
  RedisClientLike,
} from "./commander.js";
export {
  RedisStorageError,
  type RedisStorageErrorCode,
  StorageUnavailableError,
} from "./errors.js";
export { escapeKey, redisKey } from "./keys.js";
export type { RedisStorageOptions } from "./options.js";
export { RedisRateLimitStore, type RedisRateLimitStoreOptions } from "./rate-limit.js";
export { RedisStorage } from "./storage.js";
