/**
 * The errors of `@bot/types`: one base class, {@link TypesError}, with stable
 * `BOT_TYPES_*` codes.
 *
 * @module
 */
import { type Brand, brand } from "./brand.js";

/** The stable codes of {@link TypesError}. */
export type TypesErrorCode =
  /** An update field has the wrong type or a required field is missing (`UpdateValidationError`). */
  | "BOT_TYPES_INVALID_UPDATE"
  /** An update's objects nest too deep to be validated (`UpdateValidationError`). */
  | "BOT_TYPES_UPDATE_TOO_DEEP"
  /** A formatted text value came with its own entities or parse mode (`FormattedConflictError`). */
  | "BOT_TYPES_FORMATTED_CONFLICT";

/**
 * The base class of every error of `@bot/types` (`UpdateValidationError`,
 * `FormattedConflictError`). Match on `code`; `instanceof` and {@link TypesError.is} work across
 * duplicate installs through the brand `Symbol.for("@bot/types.TypesError")`.
 */
export class TypesError extends Error {
  /** A stable code to match on. */
  readonly code: TypesErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message What went wrong.
   * @param options The cause, if any.
   */
  constructor(code: TypesErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TypesError";
    this.code = code;
  }

  /**
   * Tells whether a value is a `TypesError`, also from another copy of this package.
   *
   * @param value Any value.
   * @returns `true` for a `TypesError`.
   */
  static is(value: unknown): value is TypesError {
    return TYPES_ERROR.is(value);
  }
}
const TYPES_ERROR: Brand<TypesError> = brand("@bot/types.TypesError");
TYPES_ERROR.brandClass(TypesError);
