const BRAND = Symbol.for("@bot/dispatcher.RuntimeError");

/** Stable codes of the errors raised by storage, sessions, the scheduler and polling. */
export type RuntimeErrorCode =
  | "STORAGE_INVALID_VALUE"
  | "STORAGE_INVALID_KEY"
  | "SESSION_CONFLICT"
  | "SESSION_NO_KEY"
  | "SESSION_CLOSED"
  | "SESSION_INVALID_OPTIONS"
  | "SCHEDULER_INVALID_OPTIONS"
  | "POLLING_INVALID_OPTIONS"
  | "POLLING_ALREADY_RUNNING"
  | "POLLING_UNAUTHORIZED"
  | "POLLING_CONFLICT"
  | "POLLING_WEBHOOK_ACTIVE"
  | "POLLING_FETCH_FAILED"
  | "POLLING_STOP_TIMEOUT"
  | "POLLING_INVALID_BATCH"
  | "POLLING_INVALID_UPDATE"
  | "SCHEDULER_CLOSED"
  | "HANDLER_TIMEOUT"
  | "DEDUP_UNAVAILABLE"
  | "DEDUP_INVALID_OPTIONS";

/**
 * Base class of every error raised by the runtime part of `@bot/dispatcher`. Match on `code`;
 * `RuntimeError.is(err)` also works across duplicate installs.
 */
export class RuntimeError extends Error {
  /** A stable machine-readable code. */
  readonly code: RuntimeErrorCode;

  /**
   * Creates a runtime error.
   *
   * @param code The stable code.
   * @param message A human-readable message (never contains secrets).
   * @param options The underlying cause, if any.
   */
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RuntimeError";
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * Tells whether a value is a runtime error, even one from another copy of this package.
   *
   * @param value The value to test.
   * @returns `true` for a `RuntimeError`.
   */
  static is(value: unknown): value is RuntimeError {
    return typeof value === "object" && value !== null && BRAND in value;
  }
}

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
      "SESSION_CONFLICT",
      `@bot/dispatcher: session "${key}" was changed by another process while this update ran; the write was not applied`,
    );
    this.name = "SessionConflictError";
    this.key = key;
  }
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
      "HANDLER_TIMEOUT",
      `@bot/dispatcher: the handler did not finish within ${timeoutMs} ms; its signal was aborted and the next updates of its chat run`,
    );
    this.name = "HandlerTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}
