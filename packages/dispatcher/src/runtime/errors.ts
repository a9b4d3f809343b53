import { type Brand, brand } from "@bot/types";
import { DispatcherError } from "../core/errors.js";

/** Stable codes of the errors raised by storage, sessions, the scheduler and polling. */
export type RuntimeErrorCode =
  | "BOT_DISPATCHER_STORAGE_INVALID_VALUE"
  | "BOT_DISPATCHER_STORAGE_INVALID_KEY"
  | "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT"
  | "BOT_DISPATCHER_STORAGE_LEASE_LOST"
  | "BOT_DISPATCHER_SESSION_CONFLICT"
  | "BOT_DISPATCHER_SESSION_NO_KEY"
  | "BOT_DISPATCHER_SESSION_CLOSED"
  | "BOT_DISPATCHER_SESSION_INVALID_OPTIONS"
  | "BOT_DISPATCHER_SESSION_INVALID_UPDATE"
  | "BOT_DISPATCHER_SCHEDULER_INVALID_OPTIONS"
  | "BOT_DISPATCHER_POLLING_INVALID_OPTIONS"
  | "BOT_DISPATCHER_POLLING_ALREADY_RUNNING"
  | "BOT_DISPATCHER_POLLING_UNAUTHORIZED"
  | "BOT_DISPATCHER_POLLING_CONFLICT"
  | "BOT_DISPATCHER_POLLING_WEBHOOK_ACTIVE"
  | "BOT_DISPATCHER_POLLING_FETCH_FAILED"
  | "BOT_DISPATCHER_POLLING_STOP_TIMEOUT"
  | "BOT_DISPATCHER_POLLING_INVALID_BATCH"
  | "BOT_DISPATCHER_POLLING_INVALID_UPDATE"
  | "BOT_DISPATCHER_SCHEDULER_CLOSED"
  | "BOT_DISPATCHER_HANDLER_TIMEOUT"
  | "BOT_DISPATCHER_DEDUP_UNAVAILABLE"
  | "BOT_DISPATCHER_DEDUP_INVALID_OPTIONS"
  | "BOT_DISPATCHER_UPDATE_NOT_CONFIRMED"
  | "BOT_DISPATCHER_WORK_INVALID_OPTIONS";

/**
 * Base class of every error raised by the runtime part of `@bot/dispatcher` (a
 * `DispatcherError`). Match on `code`; `RuntimeError.is(err)` and `instanceof` also work across
 * duplicate installs.
 */
export class RuntimeError extends DispatcherError {
  /** A stable machine-readable code. */
  declare readonly code: RuntimeErrorCode;

  /**
   * Creates a runtime error.
   *
   * @param code The stable code.
   * @param message A human-readable message (never contains secrets).
   * @param options The underlying cause, if any.
   */
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "RuntimeError";
  }

  /**
   * Tells whether a value is a runtime error, even one from another copy of this package.
   *
   * @param value The value to test.
   * @returns `true` for a `RuntimeError`.
   */
  static override is(value: unknown): value is RuntimeError {
    return RUNTIME_ERROR.is(value);
  }
}
const RUNTIME_ERROR: Brand<RuntimeError> = brand("@bot/dispatcher.RuntimeError");
RUNTIME_ERROR.brandClass(RuntimeError);

/**
 * A session could not be saved because another process changed the same key since it was
 * loaded (the versioned compare-and-set failed). The handler's write is not lost silently:
 * this error reaches `bot.catch`.
 */
export class SessionConflictError extends RuntimeError {
  /** The storage key that conflicted. */
  readonly key: string;

  /**
   * Creates a conflict error.
   *
   * @param key The storage key that conflicted.
   */
  constructor(key: string) {
    super(
      "BOT_DISPATCHER_SESSION_CONFLICT",
      `@bot/dispatcher: session "${key}" was changed by another process while this update ran; the write was not applied`,
    );
    this.name = "SessionConflictError";
    this.key = key;
  }
}

/**
 * A lock could not be taken before its wait deadline (`waitMs`): another holder kept it. Nothing
 * was locked and nothing was written; the update that needed it fails with this error (to
 * `bot.catch`) instead of waiting forever.
 */
export class LockTimeoutError extends RuntimeError {
  /** The keys that were to be locked. */
  readonly keys: readonly string[];

  /**
   * Creates a lock timeout error.
   *
   * @param keys The keys that were to be locked.
   * @param waitMs The wait deadline that passed.
   */
  constructor(keys: readonly string[], waitMs: number) {
    super(
      "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT",
      `@bot/dispatcher: could not lock ${describeKeys(keys)} within ${waitMs} ms (another holder kept it)`,
    );
    this.name = "LockTimeoutError";
    this.keys = [...keys];
  }
}

/**
 * A lease is no longer held (it expired, for instance under a handler paused longer than its
 * TTL, and another holder may have taken the keys since), so a write under it was refused
 * instead of overwriting a newer value.
 */
export class LeaseLostError extends RuntimeError {
  /** The keys of the lost lease. */
  readonly keys: readonly string[];

  /**
   * Creates a lease-lost error.
   *
   * @param keys The keys of the lease.
   */
  constructor(keys: readonly string[]) {
    super(
      "BOT_DISPATCHER_STORAGE_LEASE_LOST",
      `@bot/dispatcher: the lease on ${describeKeys(keys)} was lost (expired or released); the write was not applied`,
    );
    this.name = "LeaseLostError";
    this.keys = [...keys];
  }
}

function describeKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 3).map((k) => `"${k.length > 80 ? `${k.slice(0, 80)}…` : k}"`);
  return keys.length > 3 ? `${shown.join(", ")} and ${keys.length - 3} more` : shown.join(", ");
}

/**
 * Long polling failed in a way that stops it (401, 409, webhook active) or a non-fatal
 * fetch failure reported to `bot.catch` while the poller backs off.
 */
export class PollingError extends RuntimeError {
  /**
   * Creates a polling error.
   *
   * @param code The stable code.
   * @param message The message.
   * @param cause The underlying error, if any.
   */
  constructor(code: RuntimeErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.name = "PollingError";
  }
}

/**
 * An update's handler was still running at its deadline (`handlerTimeoutMs`, or the
 * scheduler's `timeoutMs`). It is reported to `bot.catch` with the update, and it is the
 * reason of the update's aborted `ctx.signal`. The update counts as handled: its chat's next
 * updates run, and polling may confirm it.
 */
export class HandlerTimeoutError extends RuntimeError {
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Creates a timeout error.
   *
   * @param timeoutMs The deadline that passed, in milliseconds.
   */
  constructor(timeoutMs: number) {
    super(
      "BOT_DISPATCHER_HANDLER_TIMEOUT",
      `@bot/dispatcher: the handler did not finish within ${timeoutMs} ms; its signal was aborted and the next updates of its chat run`,
    );
    this.name = "HandlerTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The brand of transient storage failures, `Symbol.for("@bot/dispatcher.StorageUnavailable")`:
 * a storage adapter brands its "down or too slow" error class with it
 * (`STORAGE_UNAVAILABLE.brandClass(MyError)`), and {@link isStorageUnavailable} checks it.
 */
export const STORAGE_UNAVAILABLE: Brand<Error> = brand("@bot/dispatcher.StorageUnavailable");

/**
 * Tells whether an error means "the storage is down or too slow right now" (a transient
 * failure, as opposed to a bug or a bad value). A storage adapter marks its error by defining
 * the property `Symbol.for("@bot/dispatcher.StorageUnavailable")` as `true` on it (the brand
 * works across duplicate installs and needs no import of this package). `@bot/persistence-redis`
 * brands its `StorageUnavailableError` so.
 *
 * @param value Any value.
 * @returns `true` for an error branded as a transient storage failure.
 */
export function isStorageUnavailable(value: unknown): boolean {
  return STORAGE_UNAVAILABLE.is(value);
}

/**
 * Tells whether an error is, or was caused by (through its `cause` chain), a transient storage
 * failure ({@link isStorageUnavailable}).
 *
 * @param value Any value.
 * @returns `true` when a storage outage is behind it.
 */
export function causedByStorageOutage(value: unknown): boolean {
  let current = value;
  for (let depth = 0; depth < 8; depth++) {
    if (isStorageUnavailable(current)) return true;
    if (typeof current !== "object" || current === null) return false;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Marks an error as a transient storage failure (see {@link isStorageUnavailable}).
 *
 * @param error The error to brand.
 * @returns The same error.
 */
export function brandStorageUnavailable<E extends object>(error: E): E {
  return STORAGE_UNAVAILABLE.mark(error);
}

/**
 * `bot.handleUpdate` rejects with this error when the update could not be handled because the
 * storage was unavailable (a session or other state could not be read or written: the error,
 * or its `cause`, is branded by {@link isStorageUnavailable}). The storage error itself was
 * reported to `bot.catch` first. The update must **not** be confirmed: long polling leaves the
 * offset before it and fetches it again after a back-off, the webhook answers 503 so Telegram
 * resends it. A dedup claim of the update is released, not marked done. It is branded as a
 * storage failure too.
 */
export class UpdateNotConfirmedError extends RuntimeError {
  /** The `update_id` that must be delivered again. */
  readonly updateId: number;

  /**
   * Creates the error.
   *
   * @param updateId The update that was not handled.
   * @param cause The storage failure.
   */
  constructor(updateId: number, cause: unknown) {
    super(
      "BOT_DISPATCHER_UPDATE_NOT_CONFIRMED",
      `@bot/dispatcher: update ${updateId} was not handled because the storage is unavailable; it is left unconfirmed so it is delivered again`,
      { cause },
    );
    this.name = "UpdateNotConfirmedError";
    this.updateId = updateId;
    brandStorageUnavailable(this);
  }

  /**
   * Tells whether a value is an `UpdateNotConfirmedError`, even from another copy of this package.
   *
   * @param value Any value.
   * @returns `true` for one.
   */
  static override is(value: unknown): value is UpdateNotConfirmedError {
    return RuntimeError.is(value) && value.code === "BOT_DISPATCHER_UPDATE_NOT_CONFIRMED";
  }
}
