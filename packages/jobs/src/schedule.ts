/**
 * Schedules as plain, serialisable data, and when each runs next. Every calendar schedule
 * (daily, monthly, cron) is computed with cron-parser in the job's time zone, so every driver
 * (memory or BullMQ, which uses cron-parser too) agrees on the instants.
 *
 * Daylight saving time: a wall-clock time that does not exist on a spring-forward day (02:30 in
 * Europe/Berlin on the last Sunday of March) runs once, shifted forward by the gap (03:30); a
 * time that exists twice on a fall-back day runs once, at its first occurrence.
 *
 * @module
 */
import { CronExpressionParser } from "cron-parser";
import { JobsError } from "./errors.js";

/** When a job runs: once, every so often, daily, monthly or by a cron expression. */
export type Schedule =
  | { readonly kind: "once"; readonly at: number }
  | {
      readonly kind: "every";
      /** The period in milliseconds. */
      readonly every: number;
      /** The first run (ms since the epoch). */
      readonly first: number;
      /** No run after this instant (ms since the epoch), if set. */
      readonly last?: number | undefined;
    }
  | {
      readonly kind: "daily";
      /** `HH:MM` or `HH:MM:SS`, wall-clock time in `timeZone`. */
      readonly time: string;
      /** ISO weekdays (1 = Monday ... 7 = Sunday); all days when absent. */
      readonly days?: readonly number[] | undefined;
      readonly timeZone: string;
    }
  | {
      readonly kind: "monthly";
      /** Day of the month, 1-31; in a shorter month the job runs on its last day. */
      readonly day: number;
      readonly time: string;
      readonly timeZone: string;
    }
  | { readonly kind: "cron"; readonly expression: string; readonly timeZone: string };

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

function parseTime(time: string): [h: number, m: number, s: number] {
  const m = TIME.exec(time);
  if (m === null)
    throw new JobsError(
      "BOT_JOBS_INVALID_SCHEDULE",
      `time must be "HH:MM" or "HH:MM:SS", got ${JSON.stringify(time)}`,
    );
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function checkZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    throw new JobsError(
      "BOT_JOBS_INVALID_SCHEDULE",
      `unknown time zone ${JSON.stringify(timeZone)}`,
    );
  }
}

/** The next instant strictly after `after` of a cron expression in a time zone. */
function nextCron(expression: string, timeZone: string, after: number): number {
  try {
    return CronExpressionParser.parse(expression, { currentDate: new Date(after), tz: timeZone })
      .next()
      .getTime();
  } catch (cause) {
    throw new JobsError(
      "BOT_JOBS_INVALID_SCHEDULE",
      `invalid cron expression ${JSON.stringify(expression)}`,
      { cause },
    );
  }
}

/** The last day of the month that contains `at`, in a time zone. */
function lastDayOfMonth(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "numeric",
  }).formatToParts(at);
  const year = Number(parts.find((p) => p.type === "year")?.value);
  const month = Number(parts.find((p) => p.type === "month")?.value);
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayOfMonth(at: number, timeZone: string): number {
  return Number(new Intl.DateTimeFormat("en-US", { timeZone, day: "numeric" }).format(at));
}

/**
 * Checks a schedule and throws `BOT_JOBS_INVALID_SCHEDULE` when it cannot run.
 *
 * @param s The schedule.
 */
export function checkSchedule(s: Schedule): void {
  switch (s.kind) {
    case "once":
      if (!Number.isFinite(s.at))
        throw new JobsError("BOT_JOBS_INVALID_SCHEDULE", "runOnce needs a valid time");
      return;
    case "every":
      if (!(Number.isFinite(s.every) && s.every >= 1))
        throw new JobsError("BOT_JOBS_INVALID_SCHEDULE", "every must be at least 1 ms");
      if (!Number.isFinite(s.first))
        throw new JobsError("BOT_JOBS_INVALID_SCHEDULE", "first must be a valid time");
      if (s.last !== undefined && !Number.isFinite(s.last))
        throw new JobsError("BOT_JOBS_INVALID_SCHEDULE", "last must be a valid time");
      return;
    case "daily":
      parseTime(s.time);
      checkZone(s.timeZone);
      for (const d of s.days ?? [])
        if (!(Number.isInteger(d) && d >= 1 && d <= 7))
          throw new JobsError(
            "BOT_JOBS_INVALID_SCHEDULE",
            "days are ISO weekdays, 1 (Monday) to 7 (Sunday)",
          );
      if (s.days !== undefined && s.days.length === 0)
        throw new JobsError("BOT_JOBS_INVALID_SCHEDULE", "days must name at least one weekday");
      return;
    case "monthly":
      parseTime(s.time);
      checkZone(s.timeZone);
      if (!(Number.isInteger(s.day) && s.day >= 1 && s.day <= 31))
        throw new JobsError("BOT_JOBS_INVALID_SCHEDULE", "day must be 1 to 31");
      return;
    case "cron":
      checkZone(s.timeZone);
      nextCron(s.expression, s.timeZone, Date.now());
      return;
  }
}

/**
 * The cron expression of a daily schedule (cron-parser's six fields, with seconds).
 *
 * @param s The daily schedule.
 * @returns The expression.
 */
function dailyExpression(s: Extract<Schedule, { kind: "daily" }>): string {
  const [h, m, sec] = parseTime(s.time);
  // cron weekdays: 0 = Sunday ... 6 = Saturday.
  const days = s.days === undefined ? "*" : [...new Set(s.days.map((d) => d % 7))].sort().join(",");
  return `${sec} ${m} ${h} * * ${days}`;
}

/**
 * When a schedule runs next, strictly after an instant.
 *
 * @param s The schedule.
 * @param after An instant in ms since the epoch.
 * @returns The next run in ms since the epoch, or `undefined` when it runs no more.
 */
export function nextRun(s: Schedule, after: number): number | undefined {
  switch (s.kind) {
    case "once":
      return s.at > after ? s.at : undefined;
    case "every": {
      const next =
        after < s.first
          ? s.first
          : s.first + (Math.floor((after - s.first) / s.every) + 1) * s.every;
      return s.last !== undefined && next > s.last ? undefined : next;
    }
    case "daily":
      return nextCron(dailyExpression(s), s.timeZone, after);
    case "monthly": {
      // Every day at the time, keeping the day that is `day` or, in a shorter month, the last one.
      const [h, m, sec] = parseTime(s.time);
      const daily = `${sec} ${m} ${h} * * *`;
      let t = after;
      for (let i = 0; i < 400; i++) {
        t = nextCron(daily, s.timeZone, t);
        if (dayOfMonth(t, s.timeZone) === Math.min(s.day, lastDayOfMonth(t, s.timeZone))) return t;
      }
      return undefined;
    }
    case "cron":
      return nextCron(s.expression, s.timeZone, after);
  }
}

/**
 * The first run of a schedule that was just created at `now`: for `once` and `every` the given
 * instant (even if it is in the past, so it runs at once), for calendar schedules the next one.
 *
 * @param s The schedule.
 * @param now The current instant.
 * @returns The first run, or `undefined` when there is none.
 */
export function firstRun(s: Schedule, now: number): number | undefined {
  if (s.kind === "once") return s.at;
  if (s.kind === "every") return s.last !== undefined && s.first > s.last ? undefined : s.first;
  return nextRun(s, now - 1);
}
