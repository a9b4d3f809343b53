/**
 * The errors of `@bot/persistence-redis`: one base class with stable codes.
 *
 * @module
 */

/** The stable codes of {@link RedisStorageError}. */
export type RedisStorageErrorCode =
  /** Redis did not answer within the command deadline, or the connection is down. */
  | "BOT_REDIS_UNAVAILABLE"
  /** The options given to a constructor are invalid. */
  | "BOT_REDIS_INVALID_OPTIONS"
  /** A value could not be stored (not JSON-serialisable) or read (not JSON). */
  | "BOT_REDIS_INVALID_VALUE"
  /** Redis answered with an error the package did not expect. */
  | "BOT_REDIS_COMMAND_FAILED"
  /** An update queue partition holds its backlog limit: the update was not appended. */
  | "BOT_REDIS_QUEUE_FULL";

import { type Brand, brand, STORAGE_UNAVAILABLE } from "@bot/dispatcher/advanced";

/** An error of `@bot/persistence-redis`; match on `code`. */
export class RedisStorageError extends Error {
  /** The stable code. */
  readonly code: RedisStorageErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message What happened, prefixed with the package name.
   * @param options The cause, if any.
   */
  constructor(code: RedisStorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`@bot/persistence-redis: ${message}`, options);
    this.name = "RedisStorageError";
    this.code = code;
  }

  /**
   * Whether a value is a `RedisStorageError`, also across duplicate installs.
   *
   * @param value Any value.
   * @returns `true` for a `RedisStorageError`.
   */
  static is(value: unknown): value is RedisStorageError {
    return REDIS_STORAGE_ERROR.is(value);
  }
}
const REDIS_STORAGE_ERROR: Brand<RedisStorageError> = brand(
  "@bot/persistence-redis.RedisStorageError",
);
REDIS_STORAGE_ERROR.brandClass(RedisStorageError);

/**
 * Redis is down, unreachable or too slow: the command did not complete within its deadline.
 * The update that needed it must not be confirmed, so Telegram delivers it again.
 */
export class StorageUnavailableError extends RedisStorageError {
  /** The command that failed, e.g. `EVALSHA` or `HMGET` (never its arguments). */
  readonly command: string;

  /**
   * Creates the error.
   *
   * @param command The command name.
   * @param message What happened.
   * @param options The cause, if any.
   */
  constructor(command: string, message: string, options?: { cause?: unknown }) {
    super("BOT_REDIS_UNAVAILABLE", message, options);
    this.name = "StorageUnavailableError";
    this.command = command;
  }
}
// Recognised by `@bot/dispatcher`'s `isStorageUnavailable` as a transient storage failure.
STORAGE_UNAVAILABLE.brandClass(StorageUnavailableError);
