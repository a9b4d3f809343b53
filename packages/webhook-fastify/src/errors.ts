import { type Brand, brand } from "@bot/types";

/** The stable codes of {@link WebhookError}. */
export type WebhookErrorCode =
  /** The options passed to `register` or to a helper are invalid. */
  | "BOT_WEBHOOK_INVALID_OPTIONS"
  /**
   * `ack` mode: an update answered 200 had not started when the close grace ran out, so it was
   * not handled (reported to `bot.catch` with the update, and on `droppedChannel`).
   */
  | "BOT_WEBHOOK_UPDATE_DROPPED"
  /** The reason of a handler's `ctx.signal` when the server closes and the close grace ran out. */
  | "BOT_WEBHOOK_CLOSING";

/**
 * An error of `@bot/webhook-fastify`, with a stable `code` to match on. `instanceof` and
 * {@link WebhookError.is} work across duplicate installs through the brand
 * `Symbol.for("@bot/webhook-fastify.WebhookError")`.
 */
export class WebhookError extends Error {
  /** A stable code to match on. */
  readonly code: WebhookErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message A message that starts with the package name and never holds a secret.
   * @param options The cause, if any.
   */
  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebhookError";
    this.code = code;
  }

  /**
   * Tells whether a value is a `WebhookError`, also from another copy of this package.
   *
   * @param value Any value.
   * @returns `true` for a `WebhookError`.
   */
  static is(value: unknown): value is WebhookError {
    return WEBHOOK_ERROR.is(value);
  }
}
const WEBHOOK_ERROR: Brand<WebhookError> = brand("@bot/webhook-fastify.WebhookError");
WEBHOOK_ERROR.brandClass(WebhookError);
