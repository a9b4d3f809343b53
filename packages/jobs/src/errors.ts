/**
 * The errors of `@bot/jobs`: one base class with stable codes.
 *
 * @module
 */

/** The stable codes of {@link JobsError}. */
export type JobsErrorCode =
  /** A schedule cannot run: bad time, time zone, cron expression or period. */
  | "BOT_JOBS_INVALID_SCHEDULE"
  /** Options given to `Jobs` or a scheduling call are invalid. */
  | "BOT_JOBS_INVALID_OPTIONS"
  /** A job was scheduled under a name no handler was defined for. */
  | "BOT_JOBS_UNKNOWN_JOB"
  /** A run was skipped by its misfire policy (it was due too long ago). */
  | "BOT_JOBS_MISFIRE_SKIPPED"
  /** A job handler threw (the cause is the thrown value). */
  | "BOT_JOBS_HANDLER_FAILED";

import { type Brand, brand } from "@bot/dispatcher/advanced";

/** An error of `@bot/jobs`; match on `code`. */
export class JobsError extends Error {
  /** The stable code. */
  readonly code: JobsErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message What happened.
   * @param options The cause, if any.
   */
  constructor(code: JobsErrorCode, message: string, options?: { cause?: unknown }) {
    super(`@bot/jobs: ${message}`, options);
    this.name = "JobsError";
    this.code = code;
  }

  /**
   * Whether a value is a `JobsError`, also across duplicate installs.
   *
   * @param value Any value.
   * @returns `true` for a `JobsError`.
   */
  static is(value: unknown): value is JobsError {
    return JOBS_ERROR.is(value);
  }
}
const JOBS_ERROR: Brand<JobsError> = brand("@bot/jobs.JobsError");
JOBS_ERROR.brandClass(JobsError);
