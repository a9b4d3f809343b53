import type { Update } from "@bot/types";

const BRAND: unique symbol = Symbol.for("@bot/dispatcher/error");

/** The stable codes of {@link DispatcherError}. */
export type DispatcherErrorCode =
  | "INVALID_FILTER"
  | "INVALID_TRIGGER"
  | "INVALID_OPTIONS"
  | "NEXT_CALLED_TWICE"
  | "NOT_INITIALIZED"
  | "NO_CHAT"
  | "NO_TARGET"
  | "INVALID_DEEP_LINK"
  | "HANDLER_ERROR";

/**
 * An error raised by the dispatcher itself (a bad filter, `next` called twice, a missing chat).
 * `instanceof` survives duplicate installs through a `Symbol.for` brand; match on `code`.
 */
export class DispatcherError extends Error {
  /** A stable machine-readable code. */
  readonly code: DispatcherErrorCode;

  /**
   * Creates the error.
   *
   * @param code The stable code.
   * @param message A message prefixed with the package name.
   * @param options Standard error options (`cause`).
   */
  constructor(code: DispatcherErrorCode, message: string, options?: ErrorOptions) {
    super(`@bot/dispatcher: ${message}`, options);
    this.name = "DispatcherError";
    this.code = code;
  }

  /** Brand check that works across duplicate installs. */
  get [BRAND](): true {
    return true;
  }

  /**
   * Tells whether a value is a `DispatcherError` (from any copy of this package).
   *
   * @param value Any value.
   * @returns Whether it carries the brand.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: subclasses (BotError) keep the plain prototype check
    if (this !== DispatcherError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }
}

/** Where an error reported to `bot.catch` came from. */
export type ErrorSource = "handler" | "polling" | "session" | "job" | "other";

/**
 * What `bot.catch` receives: the original error plus the context (when an update was being
 * handled) and the update.
 */
export class BotError<C = unknown> extends DispatcherError {
  /** The value that was thrown. */
  readonly error: unknown;
  /** The context of the update being handled, if any. */
  readonly ctx: C | undefined;
  /** The update being handled, if any. */
  readonly update: Update | undefined;
  /** Where the error came from. */
  readonly source: ErrorSource;

  /**
   * Wraps an error.
   *
   * @param error The thrown value.
   * @param ctx The context, if an update was being handled.
   * @param update The update, if known.
   * @param source Where the error came from.
   */
  constructor(
    error: unknown,
    ctx: C | undefined,
    update: Update | undefined,
    source: ErrorSource = "handler",
  ) {
    const what = update === undefined ? source : `update ${update.update_id}`;
    super("HANDLER_ERROR", `error while handling ${what}: ${describe(error)}`, { cause: error });
    this.name = "BotError";
    this.error = error;
    this.ctx = ctx;
    this.update = update;
    this.source = source;
  }
}

/**
 * Thrown by a handler in a handler group to stop later groups (like PTB's `ApplicationHandlerStop`).
 * It is not an error: it never reaches `bot.catch`.
 */
export class HandlerStop extends Error {
  /** A stable machine-readable code. */
  readonly code = "HANDLER_STOP";

  /** Creates the signal. */
  constructor() {
    super("@bot/dispatcher: handler groups stopped");
    this.name = "HandlerStop";
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === "string") return error;
  return typeof error;
}
