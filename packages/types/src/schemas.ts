/**
 * valibot schemas for `Update` and everything it contains, generated from the
 * Bot API spec. They keep unknown fields and accept unknown union members,
 * because Telegram adds both often; they reject wrong types with the path of the
 * bad field; and they never copy a `__proto__`, `constructor` or `prototype` key.
 *
 * @module
 */
import * as v from "valibot";
import { type Brand, brand } from "./brand.js";
import { TypesError } from "./errors.js";
import { isCleanUpdate } from "./generated/guards.js";
import { UpdateSchema } from "./generated/schemas.js";
import type { Update } from "./generated/types.js";
import { MAX_DEPTH_ISSUE_TYPE, MAX_OBJECT_DEPTH } from "./loose-object.js";

export * from "./generated/schemas.js";
export { MAX_OBJECT_DEPTH };

/** One problem found in an update, with the dotted path of the bad field. */
export interface UpdateIssue {
  /** Dotted path such as `message.from.id`, or `""` for the update itself. */
  readonly path: string;
  /** What was wrong, in valibot's words. */
  readonly message: string;
}

/**
 * The stable codes of {@link UpdateValidationError}:
 * - `BOT_TYPES_INVALID_UPDATE`: a field has the wrong type or a required field is missing.
 * - `BOT_TYPES_UPDATE_TOO_DEEP`: objects nest deeper than {@link MAX_OBJECT_DEPTH} levels (no real
 *   update does; the value was refused before it could exhaust the stack).
 *
 * Both mean "the sender's fault": a webhook answers them with 400.
 */
export type UpdateValidationCode = "BOT_TYPES_INVALID_UPDATE" | "BOT_TYPES_UPDATE_TOO_DEEP";

/** Thrown by {@link parseUpdate} when an update does not match the schema (a `TypesError`). */
export class UpdateValidationError extends TypesError {
  /** A stable code to match on. */
  declare readonly code: UpdateValidationCode;
  /** Every problem found. */
  readonly issues: readonly UpdateIssue[];
  /** The path of the first problem. */
  readonly path: string;

  /**
   * @param issues The problems found; at least one.
   * @param code What kind of problem; `BOT_TYPES_INVALID_UPDATE` unless told.
   */
  constructor(
    issues: readonly UpdateIssue[],
    code: UpdateValidationCode = "BOT_TYPES_INVALID_UPDATE",
  ) {
    const first = issues[0] ?? { path: "", message: "invalid update" };
    super(code, `Invalid update at ${first.path || "<root>"}: ${first.message}`);
    this.name = "UpdateValidationError";
    this.issues = issues;
    this.path = first.path;
  }
}
// `instanceof` that survives duplicate installs.
const UPDATE_VALIDATION_ERROR: Brand<UpdateValidationError> = brand(
  "@bot/types.UpdateValidationError",
);
UPDATE_VALIDATION_ERROR.brandClass(UpdateValidationError);

/**
 * Turns valibot issues into dotted paths and messages.
 *
 * @param issues The issues of a failed parse.
 * @returns One entry per issue.
 */
export function formatIssues(issues: readonly v.BaseIssue<unknown>[]): UpdateIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(p.key)).join("."),
    message: issue.message,
  }));
}

/** The result of {@link safeParseUpdate}. */
export type SafeParseUpdateResult =
  | { readonly success: true; readonly output: Update }
  | { readonly success: false; readonly error: UpdateValidationError };

/**
 * Validates an untrusted value as an `Update` without throwing.
 *
 * The cost is linear in the size of the input, valid or not, and objects nested deeper
 * than {@link MAX_OBJECT_DEPTH} levels are refused with `BOT_TYPES_UPDATE_TOO_DEEP`.
 *
 * @param input Any value, typically a parsed webhook body.
 * @returns The update, or an error naming the bad field.
 */
export function safeParseUpdate(input: unknown): SafeParseUpdateResult {
  // Fast path: generated plain checks accept exactly what the schema accepts unchanged, and
  // the schema returns such input as it is; anything else (and every error) goes to valibot.
  if (isCleanUpdate(input)) return { success: true, output: input as Update };
  const result = v.safeParse(UpdateSchema, input);
  if (result.success) return { success: true, output: result.output as Update };
  const tooDeep = result.issues.some((issue) => issue.type === MAX_DEPTH_ISSUE_TYPE);
  const issues = formatIssues(result.issues);
  return {
    success: false,
    error: new UpdateValidationError(
      issues,
      tooDeep ? "BOT_TYPES_UPDATE_TOO_DEEP" : "BOT_TYPES_INVALID_UPDATE",
    ),
  };
}

/**
 * Validates an untrusted value as an `Update`.
 *
 * @param input Any value, typically a parsed webhook body.
 * @returns The update.
 * @throws {UpdateValidationError} When the value is not an update.
 */
export function parseUpdate(input: unknown): Update {
  const result = safeParseUpdate(input);
  if (!result.success) throw result.error;
  return result.output;
}
