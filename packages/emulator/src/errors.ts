import { type Brand, brand } from "@bot/types";

/** Extra fields Telegram may attach to a failed call. */
export interface FailureParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/**
 * A Telegram-shaped failure thrown inside a method handler and turned into
 * `{ ok: false, error_code, description, parameters? }` with the same HTTP status.
 */
export class ApiFailure extends Error {
  /** The HTTP status and `error_code`. */
  readonly errorCode: number;
  /** Telegram's description, for example `Bad Request: chat not found`. */
  readonly description: string;
  /** Optional `ResponseParameters`. */
  readonly parameters: FailureParameters | undefined;

  /**
   * Creates a failure.
   *
   * @param errorCode The HTTP status and `error_code`.
   * @param description The full description.
   * @param parameters Optional response parameters.
   */
  constructor(errorCode: number, description: string, parameters?: FailureParameters) {
    super(description);
    this.name = "ApiFailure";
    this.errorCode = errorCode;
    this.description = description;
    this.parameters = parameters;
  }
}

/**
 * A 400 `Bad Request: <text>` failure.
 *
 * @param text The text after `Bad Request: `.
 * @returns The failure to throw.
 */
export function badRequest(text: string): ApiFailure {
  return new ApiFailure(400, `Bad Request: ${text}`);
}

/** Stable codes of {@link EmulatorError}. */
export type EmulatorErrorCode =
  | "BOT_EMULATOR_INVALID_OPTIONS"
  | "BOT_EMULATOR_NOT_FOUND"
  | "BOT_EMULATOR_NO_BUTTON"
  | "BOT_EMULATOR_NO_BOT"
  | "BOT_EMULATOR_TIMEOUT"
  | "BOT_EMULATOR_CLOSED";

/** A misuse of the emulator's programmatic API (not a Bot API failure). */
export class EmulatorError extends Error {
  /** A stable code to match on. */
  readonly code: EmulatorErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message A message, prefixed with the package name.
   */
  constructor(code: EmulatorErrorCode, message: string) {
    super(`@bot/emulator: ${message}`);
    this.name = "EmulatorError";
    this.code = code;
  }

  /**
   * Whether a value is an {@link EmulatorError}, across duplicate installs.
   *
   * @param value Any value.
   * @returns `true` for an emulator error.
   */
  static is(value: unknown): value is EmulatorError {
    return EMULATOR_ERROR.is(value);
  }
}
const EMULATOR_ERROR: Brand<EmulatorError> = brand("@bot/emulator.EmulatorError");
EMULATOR_ERROR.brandClass(EmulatorError);
