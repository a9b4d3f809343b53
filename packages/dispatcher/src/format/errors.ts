/**
 * Typed errors of the formatting, keyboard and callback-data helpers.
 *
 * @module
 */

import { type Brand, brand } from "@bot/types";
import { DispatcherError } from "../core/errors.js";

/** Stable codes carried by {@link FormatError}. */
export type FormatErrorCode =
  /** An entity would contain another entity that Telegram does not allow inside it. */
  | "BOT_DISPATCHER_FORMAT_INVALID_NESTING"
  /** A formatting helper got an argument it cannot use (empty URL, bad date-time format...). */
  | "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT"
  /** A template mixed markup of two parse modes. */
  | "BOT_DISPATCHER_FORMAT_PARSE_MODE_MISMATCH"
  /** `callback_data` is empty or longer than 64 bytes of UTF-8. */
  | "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA"
  /** A keyboard button or option breaks a Bot API limit (empty label, bad length...). */
  | "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON"
  /** A callback-data codec got options it cannot use (bad prefix, short secret...). */
  | "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS"
  /** A callback-data codec was given a value its schema rejects. */
  | "BOT_DISPATCHER_CALLBACK_DATA_INVALID_VALUE"
  /** A packed value does not fit in 64 bytes of UTF-8. */
  | "BOT_DISPATCHER_CALLBACK_DATA_TOO_LONG"
  /** Incoming callback data does not belong to the codec or fails its schema. */
  | "BOT_DISPATCHER_CALLBACK_DATA_MALFORMED"
  /** Overflow callback data is no longer in storage (expired or deleted). */
  | "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED"
  /** Incoming callback data has a missing or wrong signature. */
  | "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE";

/**
 * The error thrown by `fmt`, the escaping helpers, the keyboard builders and the
 * callback-data codecs (a `DispatcherError`). Match on `code`; `instanceof` works across
 * duplicate installs.
 */
export class FormatError extends DispatcherError {
  /** The stable code; see {@link FormatErrorCode}. */
  declare readonly code: FormatErrorCode;

  /**
   * Creates the error.
   *
   * @param code The stable code.
   * @param message What went wrong, without the package prefix.
   */
  constructor(code: FormatErrorCode, message: string) {
    super(code, message);
    this.name = "FormatError";
  }
}
const FORMAT_ERROR: Brand<FormatError> = brand("@bot/dispatcher.FormatError");
FORMAT_ERROR.brandClass(FormatError);
