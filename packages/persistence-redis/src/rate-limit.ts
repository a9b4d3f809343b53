/**
 * `RedisRateLimitStore`: the client's flood-limiter store on Redis, so several processes
 * sending for one bot stay under Telegram's limits together and share a 429 cool-down.
 *
 * @module
 */
import type { RateLimitStore, RateRule } from "@bot/client";
import { Commander, type RedisClientLike, script } from "./commander.js";
import { RedisStorageError } from "./errors.js";
import { escapeKey } from "./keys.js";

/**
 * GCRA over every bucket at once (the contract of `RateLimitStore.reserve`). Each bucket is a
 * hash: `t` its theoretical arrival time, `b` the end of its cool-down; its TTL is how long it
 * still matters. ARGV: now, then interval and burst per key. Returns the wait in ms.
 */
const RESERVE = script(
  "reserve",
  `local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local v = redis.call('HMGET', key, 't', 'b')
  local tat = tonumber(v[1])
  local blocked = tonumber(v[2]) or 0
  if tat then
    wait = math.max(wait, math.max(tat, now) + interval - burst * interval - now)
  end
  wait = math.max(wait, blocked - now)
end
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local v = redis.call('HMGET', key, 't', 'b')
  local tat = math.max(tonumber(v[1]) or 0, now) + interval
  local blocked = tonumber(v[2]) or 0
  redis.call('HSET', key, 't', string.format('%.3f', tat))
  redis.call('PEXPIRE', key, math.ceil(math.max(tat, blocked) - now) + 1000)
end
return string.format('%.3f', wait)`,
);

/** ARGV: untilMs, now. `b = max(b, untilMs)`, TTL to match. */
const BLOCK = script(
  "block",
  `local untilMs = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 't', 'b')
local blocked = math.max(tonumber(v[2]) or 0, untilMs)
redis.call('HSET', KEYS[1], 'b', string.format('%.3f', blocked))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(math.max(tonumber(v[1]) or 0, blocked) - now) + 1000))
return 1`,
);

/** Options of {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** A connected node-redis client or cluster, owned by the caller. */
  readonly client: RedisClientLike;
  /** The namespace of every key. Default `"bot:"`. */
  readonly prefix?: string | undefined;
  /** The deadline of each command in milliseconds. Default 2000. */
  readonly commandTimeoutMs?: number | undefined;
}

/**
 * The flood limiter's store on Redis: `reserve` and `block` are one Lua script each. The
 * buckets of one limiter namespace (the part of the key before its first `:`) share one hash
 * tag, so a reservation over the bot-wide and the per-chat bucket is one script on Redis
 * Cluster too.
 *
 * @example
 * const limiter = new FloodLimiter({ store: new RedisRateLimitStore({ client: redis }), namespace: "123" });
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #commander: Commander;
  readonly #prefix: string;

  /**
   * Creates a store.
   *
   * @param options The client, the key prefix and the command deadline.
   */
  constructor(options: RedisRateLimitStoreOptions) {
    const client = options?.client as { sendCommand?: unknown } | undefined;
    if (typeof client?.sendCommand !== "function")
      throw new RedisStorageError(
        "BOT_REDIS_INVALID_OPTIONS",
        "invalid options (client): client must be a node-redis client or cluster",
      );
    const prefix = options.prefix ?? "bot:";
    if (/[{}]/.test(prefix))
      throw new RedisStorageError(
        "BOT_REDIS_INVALID_OPTIONS",
        "invalid options (prefix): prefix must not contain { or }",
      );
    this.#prefix = prefix;
    this.#commander = new Commander(options.client, options.commandTimeoutMs ?? 2_000);
  }

  #key(key: string): string {
    const colon = key.indexOf(":");
    const ns = colon < 0 ? key : key.slice(0, colon);
    const rest = colon < 0 ? "" : key.slice(colon);
    return `${this.#prefix}rate:{${escapeKey(ns)}}${escapeKey(rest)}`;
  }

  /**
   * Reserves a slot in every bucket; see `RateLimitStore.reserve`.
   *
   * @param rules The buckets.
   * @param now The current time in ms.
   * @returns The wait in ms.
   */
  async reserve(rules: readonly RateRule[], now: number): Promise<number> {
    if (rules.length === 0) return 0;
    const argv = [String(now)];
    for (const r of rules) argv.push(String(r.intervalMs), String(r.burst));
    const wait = await this.#commander.run(
      RESERVE,
      rules.map((r) => this.#key(r.key)),
      argv,
    );
    return Math.max(0, Number(wait));
  }

  /**
   * Blocks a bucket until a time; see `RateLimitStore.block`.
   *
   * @param key The bucket.
   * @param untilMs The end of the cool-down.
   */
  async block(key: string, untilMs: number): Promise<void> {
    await this.#commander.run(BLOCK, [this.#key(key)], [String(untilMs), String(Date.now())]);
  }
}
