import { type Brand, brand } from "@bot/types";

/** The stable codes of {@link WebhookError}. */
export type WebhookErrorCode =
  /** The options passed to `register` or to a helper are invalid. */
  | "WEBHOOK_INVALID_OPTIONS"
  /**
   * `ack` mode: an update answered 200 had not started when the close grace ran out, so it was
   * not handled (reported to `bot.catch` with the update, and on `droppedChannel`).
   */
  | "WEBHOOK_UPDATE_DROPPED"
  /** The reason of a handler's `ctx.signal` when the server closes and the close grace ran out. */
  | "WEBHOOK_CLOSING";

/** An error of `@bot/webhook-fastify`, with a stable `code` to match on. */
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
}
// `instanceof` that survives duplicate installs of this package.
const WEBHOOK_ERROR: Brand<WebhookError> = brand("@bot/webhook-fastify.WebhookError");
WEBHOOK_ERROR.brandClass(WebhookError);
