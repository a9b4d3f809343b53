import { ManualClock } from "@bot/emulator";
import { describe, expect, it } from "vitest";
import { type Job, Jobs, type JobsBot, JobsError, MemoryDriver } from "../src/index.js";

function setup(start = Date.UTC(2026, 2, 28, 12)) {
  const clock = new ManualClock(start);
  const errors: unknown[] = [];
  const bot: JobsBot<{ kind: "api" }> = {
    api: { kind: "api" },
    reportError: async (e) => {
      errors.push(e);
    },
  };
  const jobs = new Jobs({ bot, driver: new MemoryDriver({ clock }) });
  const seen: Job<{ kind: "api" }>[] = [];
  jobs.define("record", (job) => {
    seen.push(job);
  });
  return { clock, jobs, seen, errors, bot };
}

describe("the memory driver on a manual clock", () => {
  it("runs a one-shot job when the clock reaches it, with what a handler sees", async () => {
    const { clock, jobs, seen } = setup();
    await jobs.start();
    const info = await jobs.runOnce(
      "record",
      { in: 5_000 },
      { chatId: 42, userId: 7, data: { text: "Beep!" } },
    );
    await clock.advanceAsync(4_999);
    expect(seen).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(seen).toHaveLength(1);
    const job = seen[0] as Job<{ kind: "api" }>;
    expect(job).toMatchObject({
      id: info.id,
      name: "record",
      chatId: 42,
      userId: 7,
      data: { text: "Beep!" },
      attempt: 1,
      lateByMs: 0,
    });
    expect(job.api).toEqual({ kind: "api" });
    expect(job.scheduledFor.getTime()).toBe(Date.UTC(2026, 2, 28, 12) + 5_000);
    expect(await jobs.list()).toEqual([]);
  });

  it("repeats on its period, stops after last, and coalesces runs missed while not started", async () => {
    const { clock, jobs, seen } = setup(0);
    await jobs.runRepeating("record", { every: 1_000, first: 1_000, last: 10_000 });
    // Not started for 5.5 s: runs at 1..5 s are missed; on start they run once, late.
    clock.set(5_500);
    await jobs.start();
    await clock.advanceAsync(0);
    expect(seen.map((j) => [j.scheduledFor.getTime(), j.lateByMs])).toEqual([[1_000, 4_500]]);
    await clock.advanceAsync(10_000);
    expect(seen.map((j) => j.scheduledFor.getTime())).toEqual([
      1_000, 6_000, 7_000, 8_000, 9_000, 10_000,
    ]);
    expect(await jobs.list()).toEqual([]);
  });

  it("misfire skip: a run later than its grace is skipped and reported, never silently", async () => {
    const { clock, jobs, seen, errors } = setup(0);
    await jobs.runOnce("record", { at: 1_000 }, { misfire: { graceMs: 500, action: "skip" } });
    await jobs.runOnce(
      "record",
      { at: 1_000 },
      { name: "in-grace", misfire: { graceMs: 5_000, action: "skip" } },
    );
    clock.set(3_000);
    await jobs.start();
    await clock.advanceAsync(0);
    expect(seen.map((j) => j.label)).toEqual(["in-grace"]);
    expect(errors).toHaveLength(1);
    expect(JobsError.is(errors[0]) && (errors[0] as JobsError).code).toBe(
      "BOT_JOBS_MISFIRE_SKIPPED",
    );
  });

  it("replace keeps one job per label and chat; cancel, list and pause/resume", async () => {
    const { clock, jobs, seen } = setup(0);
    await jobs.start();
    await jobs.runOnce("record", { in: 5_000 }, { chatId: 1, name: "timer", replace: true });
    await jobs.runOnce("record", { in: 7_000 }, { chatId: 1, name: "timer", replace: true });
    await jobs.runOnce("record", { in: 5_000 }, { chatId: 2, name: "timer", replace: true });
    expect((await jobs.list({ chatId: 1 })).map((j) => j.nextRunAt?.getTime())).toEqual([7_000]);
    expect((await jobs.list({ name: "timer" })).length).toBe(2);
    const other = (await jobs.list({ chatId: 2 }))[0]!;
    expect(await jobs.pause(other.id)).toBe(true);
    await clock.advanceAsync(8_000);
    expect(seen.map((j) => j.chatId)).toEqual([1]);
    expect(await jobs.resume(other.id)).toBe(true);
    await clock.advanceAsync(0);
    expect(seen.map((j) => j.chatId)).toEqual([1, 2]);
    await jobs.runOnce("record", { in: 1_000 }, { chatId: 3, name: "x" });
    expect(await jobs.cancel("x", { chatId: 3 })).toBe(1);
    await clock.advanceAsync(2_000);
    expect(seen).toHaveLength(2);
  });

  it("errors reach bot.catch; retries are opt-in with doubling backoff", async () => {
    const { clock, jobs, errors } = setup(0);
    const attempts: [number, number][] = [];
    jobs.define("flaky", (job) => {
      attempts.push([job.attempt, clock.now()]);
      throw new Error("boom");
    });
    await jobs.start();
    await jobs.runOnce("flaky", { in: 0 });
    await jobs.runOnce("flaky", { in: 100_000 }, { attempts: 3, backoffMs: 1_000 });
    await clock.advanceAsync(0);
    expect(attempts).toEqual([[1, 0]]);
    await clock.advanceAsync(100_000);
    await clock.advanceAsync(1_000);
    await clock.advanceAsync(2_000);
    await clock.advanceAsync(10_000);
    expect(attempts).toEqual([
      [1, 0],
      [1, 100_000],
      [2, 101_000],
      [3, 103_000],
    ]);
    expect(errors.every((e) => JobsError.is(e) && e.code === "BOT_JOBS_HANDLER_FAILED")).toBe(true);
    expect(errors).toHaveLength(4);
  });

  it("daily in a time zone across the spring-forward day fires once per day", async () => {
    const { clock, jobs, seen } = setup(Date.parse("2026-03-28T12:00:00Z"));
    await jobs.start();
    await jobs.runDaily("record", { time: "02:30", timeZone: "Europe/Berlin" });
    await clock.advanceAsync(3 * 86_400_000);
    expect(seen.map((j) => j.scheduledFor.toISOString())).toEqual([
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
  });

  it("refuses a job name without a handler and data that is not JSON", async () => {
    const { jobs } = setup();
    await expect(jobs.runOnce("nope", { in: 1 })).rejects.toMatchObject({
      code: "BOT_JOBS_UNKNOWN_JOB",
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(jobs.runOnce("record", { in: 1 }, { data: cyclic })).rejects.toMatchObject({
      code: "BOT_JOBS_INVALID_OPTIONS",
    });
  });
});
