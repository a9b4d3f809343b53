import { describe, expect, it } from "vitest";
import { JobsError, nextRun, type Schedule } from "../src/index.js";
import { checkSchedule } from "../src/schedule.js";

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const runs = (s: Schedule, from: string, n: number) => {
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = nextRun(s, t);
    if (next === undefined) break;
    out.push(iso(next) as string);
    t = next;
  }
  return out;
};

describe("schedules", () => {
  it("a daily 02:30 job on Europe/Berlin's spring-forward day runs once, at 03:30 CEST", () => {
    const s: Schedule = { kind: "daily", time: "02:30", timeZone: "Europe/Berlin" };
    expect(runs(s, "2026-03-28T12:00:00Z", 3)).toEqual([
      "2026-03-29T01:30:00.000Z", // 03:30 CEST: 02:30 does not exist that day
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
      "2026-03-31T00:30:00.000Z",
    ]);
  });

  it("on the fall-back day a time that happens twice runs once, at its first occurrence", () => {
    const s: Schedule = { kind: "daily", time: "02:30", timeZone: "Europe/Berlin" };
    expect(runs(s, "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z", // 02:30 CEST, the first of the two
      "2026-10-26T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("America/New_York: spring forward and fall back", () => {
    const s: Schedule = { kind: "daily", time: "02:30", timeZone: "America/New_York" };
    expect(runs(s, "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T07:30:00.000Z", // 03:30 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
    ]);
    expect(runs(s, "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T07:30:00.000Z", // 01:00-02:00 repeats that night; 02:30 happens once, in EST
      "2026-11-02T07:30:00.000Z",
    ]);
  });

  it("daily on some weekdays only", () => {
    const s: Schedule = { kind: "daily", time: "09:00", days: [1, 5], timeZone: "UTC" }; // Mon, Fri
    expect(runs(s, "2026-12-01T00:00:00Z", 3)).toEqual([
      "2026-12-04T09:00:00.000Z", // Fri
      "2026-12-07T09:00:00.000Z", // Mon
      "2026-12-11T09:00:00.000Z", // Fri
    ]);
  });

  it("monthly on the 31st runs on the last day of shorter months", () => {
    const s: Schedule = { kind: "monthly", day: 31, time: "08:00", timeZone: "Europe/Berlin" };
    expect(runs(s, "2026-01-15T00:00:00Z", 5)).toEqual([
      "2026-01-31T07:00:00.000Z",
      "2026-02-28T07:00:00.000Z",
      "2026-03-31T06:00:00.000Z", // CEST from 29 March
      "2026-04-30T06:00:00.000Z",
      "2026-05-31T06:00:00.000Z",
    ]);
    const leap: Schedule = { kind: "monthly", day: 30, time: "00:00", timeZone: "UTC" };
    expect(runs(leap, "2028-02-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2028-03-30T00:00:00.000Z",
    ]);
  });

  it("cron in a time zone, and repeating with first and last", () => {
    const c: Schedule = { kind: "cron", expression: "0 9 * * 1-5", timeZone: "Asia/Tokyo" };
    expect(runs(c, "2026-12-04T00:00:00Z", 2)).toEqual([
      "2026-12-07T00:00:00.000Z",
      "2026-12-08T00:00:00.000Z",
    ]);
    const e: Schedule = { kind: "every", every: 1_000, first: 10_000, last: 12_500 };
    expect(runs(e, "1970-01-01T00:00:00Z", 5).map(Date.parse)).toEqual([10_000, 11_000, 12_000]);
  });

  it("refuses bad schedules with BOT_JOBS_INVALID_SCHEDULE", () => {
    const bad: Schedule[] = [
      { kind: "daily", time: "25:00", timeZone: "UTC" },
      { kind: "daily", time: "09:00", timeZone: "Mars/Olympus" },
      { kind: "daily", time: "09:00", days: [0], timeZone: "UTC" },
      { kind: "monthly", day: 32, time: "09:00", timeZone: "UTC" },
      { kind: "cron", expression: "not cron", timeZone: "UTC" },
      { kind: "every", every: 0, first: 0 },
    ];
    for (const s of bad) {
      let error: unknown;
      try {
        checkSchedule(s);
      } catch (e) {
        error = e;
      }
      expect(JobsError.is(error) && error.code).toBe("BOT_JOBS_INVALID_SCHEDULE");
    }
  });
});
