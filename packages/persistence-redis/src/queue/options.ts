/**
 * The options of `RedisUpdateQueue`, validated once in the constructor.
 *
 * @module
 */
import * as v from "valibot";
import type { RedisClientLike } from "../commander.js";
import { RedisStorageError } from "../errors.js";

/** Options of `RedisUpdateQueue`. */
export interface RedisUpdateQueueOptions {
  /** A connected node-redis client (`createClient()`) or cluster (`createCluster()`); the caller owns it. */
  readonly client: RedisClientLike;
  /** The queue's name (one per bot): letters, digits, `_`, `-`, `.`, `:`. */
  readonly name: string;
  /**
   * How many partitions (streams) the updates spread over, by a hash of their chat (else user).
   * The most worker processes that can share the work; see "Scaling out" in the architecture
   * guide. Changing it on a non-empty queue moves chats to other partitions: drain it first.
   */
  readonly partitions: number;
  /** The namespace of every key. Default `"bot:"`. No `{` or `}`. */
  readonly prefix?: string | undefined;
  /** The deadline of each command in milliseconds. Default 2000. */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * How long a worker's partition lease (and the poller's lease) lives without renewal, in ms:
   * after a crash, its partitions move to other workers within this time. Renewed every third
   * of it. Default 10 000.
   */
  readonly leaseMs?: number | undefined;
  /**
   * The most updates one partition holds unhandled; an append past it fails with
   * `BOT_REDIS_QUEUE_FULL` (the webhook answers 503, the poller waits). Default 100 000; 0: none.
   */
  readonly maxBacklog?: number | undefined;
  /** How many entries a worker reads from a partition per round trip. Default 100. */
  readonly readCount?: number | undefined;
}

const int = (name: string, min: number, max: number) =>
  v.pipe(
    v.number(`${name} must be a number`),
    v.integer(`${name} must be an integer`),
    v.minValue(min, `${name} must be at least ${min}`),
    v.maxValue(max, `${name} must be at most ${max}`),
  );

/** The options after validation, with defaults. */
export interface ParsedQueueOptions {
  readonly client: RedisClientLike;
  readonly name: string;
  readonly partitions: number;
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly leaseMs: number;
  readonly maxBacklog: number;
  readonly readCount: number;
}

const Schema: v.GenericSchema<unknown, ParsedQueueOptions> = v.strictObject({
  client: v.custom<RedisClientLike>(
    (c) =>
      typeof c === "object" &&
      c !== null &&
      typeof (c as { sendCommand?: unknown }).sendCommand === "function",
    "client must be a node-redis client or cluster",
  ),
  name: v.pipe(
    v.string("name must be a string"),
    v.regex(/^[A-Za-z0-9_.:-]{1,100}$/, "name must be 1-100 letters, digits, _ - . or :"),
  ),
  partitions: int("partitions", 1, 1024),
  prefix: v.optional(
    v.pipe(v.string(), v.regex(/^[^{}]*$/, "prefix must not contain { or }")),
    "bot:",
  ),
  commandTimeoutMs: v.optional(int("commandTimeoutMs", 1, 600_000), 2_000),
  leaseMs: v.optional(int("leaseMs", 300, 600_000), 10_000),
  maxBacklog: v.optional(int("maxBacklog", 0, Number.MAX_SAFE_INTEGER), 100_000),
  readCount: v.optional(int("readCount", 1, 10_000), 100),
});

/**
 * Validates the options.
 *
 * @param options What the caller gave.
 * @returns The options with defaults.
 */
export function parseQueueOptions(options: RedisUpdateQueueOptions): ParsedQueueOptions {
  const r = v.safeParse(Schema, options);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".");
  throw new RedisStorageError(
    "BOT_REDIS_INVALID_OPTIONS",
    `invalid queue options${path ? ` (${path})` : ""}: ${issue.message}`,
  );
}
