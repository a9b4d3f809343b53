/**
 * Every type and method of the Telegram Bot API, generated from the official
 * spec by `tooling/codegen`.
 *
 * - Types: one interface per Bot API type, discriminated unions, literal enums.
 * - Methods: `ApiMethods` maps each method to its params and result.
 * - Tables: `UPDATE_KINDS` for filters, `METHOD_SPECS` for tools and tests.
 *
 * Validation schemas for untrusted updates live at `@bot/types/schemas`.
 *
 * @module
 */

export { type Brand, type BrandableClass, type BrandKey, brand } from "./brand.js";
export { TypesError, type TypesErrorCode } from "./errors.js";
export {
  type EntityFormatted,
  expandFormatted,
  type Formatted,
  FormattedConflictError,
  type FormattedField,
  isFormatted,
  type MarkupFormatted,
  type OptionalFormattedField,
  type WithFormatted,
} from "./formatted.js";
export * from "./generated/index.js";
export { INPUT_FILE, isInputFile } from "./input-file.js";
