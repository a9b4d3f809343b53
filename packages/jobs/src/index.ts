/**
 * `@bot/jobs`: scheduled jobs bound to chats and users, in the spirit of python-telegram-bot's
 * JobQueue: run once, repeating, daily, monthly or by cron, in a time zone, with an explicit
 * misfire policy. The memory driver is the embedded default (not durable).
 *
 * @module
 */
export { type JobClock, type JobTimer, systemClock } from "./clock.js";
export type { JobRecord, JobRun, JobsDriver, MisfirePolicy, RunJob } from "./driver.js";
export { JobsError, type JobsErrorCode } from "./errors.js";
export {
  type ChatJobs,
  type DailySpec,
  type DefaultJobData,
  type Job,
  type JobHandler,
  type JobDataTypes,
  type JobInfo,
  JOBS_CHANNEL,
  Jobs,
  type JobsBot,
  type JobsOptions,
  type MonthlySpec,
  type RepeatSpec,
  type ScheduleOptions,
} from "./jobs.js";
export { MemoryDriver, type MemoryDriverOptions } from "./memory-driver.js";
export { nextRun, type Schedule } from "./schedule.js";
