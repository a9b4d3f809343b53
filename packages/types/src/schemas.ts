/**
 * valibot schemas for `Update` and everything it contains, generated from the
 * Bot API spec. They keep unknown fields and accept unknown union members,
 * because Telegram adds both often; they reject wrong types with the path of the
 * bad field; and they never copy a `__proto__`, `constructor` or `prototype` key.
 *
 * @module
 */
import * as v from "valibot";
import { isCleanUpdate } from "./generated/guards.js";
import { UpdateSchema } from "./generated/schemas.js";
import type { Update } from "./generated/types.js";

export * from "./generated/schemas.js";

/** One problem found in an update, with the dotted path of the bad field. */
export interface UpdateIssue {
  /** Dotted path such as `message.from.id`, or `""` for the update itself. */
  readonly path: string;
  /** What was wrong, in valibot's words. */
  readonly message: string;
}

const BRAND = Symbol.for("@bot/types/UpdateValidationError");

/** Thrown by {@link parseUpdate} when an update does not match the schema. */
export class UpdateValidationError extends Error {
  /** A stable code to match on. */
  readonly code = "BOT_INVALID_UPDATE" as const;
  /** Every problem found. */
  readonly issues: readonly UpdateIssue[];
  /** The path of the first problem. */
  readonly path: string;

  /**
   * @param issues The problems found; at least one.
   */
  constructor(issues: readonly UpdateIssue[]) {
    const first = issues[0] ?? { path: "", message: "invalid update" };
    super(`Invalid update at ${first.path || "<root>"}: ${first.message}`);
    this.name = "UpdateValidationError";
    this.issues = issues;
    this.path = first.path;
  }

  /** `instanceof` that survives duplicate installs. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && BRAND in value;
  }

  get [BRAND](): true {
    return true;
  }
}

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
 * @param input Any value, typically a parsed webhook body.
 * @returns The update, or an error naming the bad field.
 */
export function safeParseUpdate(input: unknown): SafeParseUpdateResult {
  // Fast path: generated plain checks accept exactly what the schema accepts unchanged, and
  // the schema returns such input as it is; anything else (and every error) goes to valibot.
  if (isCleanUpdate(input)) return { success: true, output: input as Update };
  const result = v.safeParse(UpdateSchema, input);
  if (result.success) return { success: true, output: result.output as Update };
  return { success: false, error: new UpdateValidationError(formatIssues(result.issues)) };
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
