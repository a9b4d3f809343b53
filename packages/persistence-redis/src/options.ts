/**
 * The options of `RedisStorage`, validated once in the constructor.
 *
 * @module
 */
import * as v from "valibot";
import type { RedisClientLike } from "./commander.js";
import { RedisStorageError } from "./errors.js";

/** Options of `RedisStorage`. */
export interface RedisStorageOptions {
  /**
   * A connected node-redis client (`createClient()`) or cluster (`createCluster()`), which
   * the caller owns and closes. Either this or `url`.
   */
  readonly client?: RedisClientLike | undefined;
  /** A `redis://` URL: the store then opens (on first use) and closes a connection of its own. */
  readonly url?: string | undefined;
  /** The namespace of every key. Default `"bot:"`. No `{` or `}`. */
  readonly prefix?: string | undefined;
  /** The deadline of each command in milliseconds. Default 2000. */
  readonly commandTimeoutMs?: number | undefined;
}

/** The options after validation, with defaults. */
export interface ParsedOptions {
  readonly client?: RedisClientLike | undefined;
  readonly url?: string | undefined;
  readonly prefix: string;
  readonly commandTimeoutMs: number;
}

const Schema: v.GenericSchema<unknown, ParsedOptions> = v.pipe(
  v.strictObject({
    client: v.optional(
      v.custom<RedisClientLike>(
        (c) =>
          typeof c === "object" &&
          c !== null &&
          typeof (c as { sendCommand?: unknown }).sendCommand === "function",
        "client must be a node-redis client or cluster",
      ),
    ),
    url: v.optional(
      v.pipe(v.string(), v.regex(/^rediss?:\/\//, "url must start with redis:// or rediss://")),
    ),
    prefix: v.optional(
      v.pipe(v.string(), v.regex(/^[^{}]*$/, "prefix must not contain { or }")),
      "bot:",
    ),
    commandTimeoutMs: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(1, "commandTimeoutMs must be at least 1"),
        v.maxValue(600_000),
      ),
      2_000,
    ),
  }),
  v.check(
    (o) => (o.client === undefined) !== (o.url === undefined),
    "give exactly one of client and url",
  ),
);

/**
 * Validates the options.
 *
 * @param options What the caller gave.
 * @returns The options with defaults.
 */
export function parseOptions(options: RedisStorageOptions): ParsedOptions {
  const r = v.safeParse(Schema, options);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".");
  throw new RedisStorageError(
    "BOT_REDIS_INVALID_OPTIONS",
    `invalid options${path ? ` (${path})` : ""}: ${issue.message}`,
  );
}
