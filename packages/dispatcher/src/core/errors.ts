import { type Brand, brand, type Update } from "@bot/types";
import type { FormatErrorCode } from "../format/errors.js";
import type { RuntimeErrorCode } from "../runtime/errors.js";

const PREFIX = "@bot/dispatcher: ";

/**
 * The stable codes of {@link DispatcherError}, the base of every error of this package: its
 * own (bad filters, `next` called twice, a missing chat), the runtime's
 * ({@link RuntimeErrorCode}: storage, sessions, scheduler, polling) and the formatting
 * helpers' ({@link FormatErrorCode}).
 */
export type DispatcherErrorCode = CoreErrorCode | RuntimeErrorCode | FormatErrorCode;

/** The codes of errors raised by the dispatcher's core (`Bot`, `Composer`, `Context`). */
export type CoreErrorCode =
  | "BOT_DISPATCHER_INVALID_FILTER"
  | "BOT_DISPATCHER_INVALID_TRIGGER"
  | "BOT_DISPATCHER_INVALID_OPTIONS"
  | "BOT_DISPATCHER_NEXT_CALLED_TWICE"
  | "BOT_DISPATCHER_NOT_INITIALIZED"
  | "BOT_DISPATCHER_NO_CHAT"
  | "BOT_DISPATCHER_NO_TARGET"
  | "BOT_DISPATCHER_INVALID_DEEP_LINK"
  | "BOT_DISPATCHER_HANDLER_ERROR";

/**
 * The base class of every error of `@bot/dispatcher`: raised by the dispatcher itself (a bad
 * filter, `next` called twice, a missing chat), by the runtime (`RuntimeError` and its
 * subclasses) and by the formatting helpers (`FormatError`). Match on `code`. `instanceof`
 * survives duplicate installs through the brand `Symbol.for("@bot/dispatcher.DispatcherError")`.
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
    super(message.startsWith(PREFIX) ? message : `${PREFIX}${message}`, options);
    this.name = "DispatcherError";
    this.code = code;
  }

  /**
   * Tells whether a value is a `DispatcherError` (from any copy of this package), like
   * `instanceof DispatcherError`.
   *
   * @param value Any value.
   * @returns Whether it carries the brand.
   */
  static is(value: unknown): value is DispatcherError {
    return DISPATCHER_ERROR.is(value);
  }
}
const DISPATCHER_ERROR: Brand<DispatcherError> = brand("@bot/dispatcher.DispatcherError");
DISPATCHER_ERROR.brandClass(DispatcherError);

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
    super("BOT_DISPATCHER_HANDLER_ERROR", `error while handling ${what}: ${describe(error)}`, {
      cause: error,
    });
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
  readonly code = "BOT_DISPATCHER_HANDLER_STOP";

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
