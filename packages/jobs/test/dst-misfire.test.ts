/**
 * Issue 14: daily jobs running across daylight saving transitions (the memory driver on a
 * manual clock, and BullMQ's own cron computation agreeing with ours), and the misfire policy:
 * a skipped run is reported on the diagnostics channel and to the bot's error hook, missed
 * repeating runs are coalesced, with either driver.
 */
import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { ManualClock } from "@bot/emulator";
import { getNextMillis } from "bullmq";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BullMQDriver } from "../src/bullmq.js";
import {
  JOBS_CHANNEL,
  type Job,
  type JobInfo,
  Jobs,
  JobsError,
  MemoryDriver,
  nextRun,
} from "../src/index.js";

const HOUR = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

interface Event {
  readonly type: string;
  readonly job: JobInfo;
  readonly lateByMs?: number;
}

/** Collects the `@bot/jobs` diagnostics events while a test runs. */
const events: Event[] = [];
const onEvent = (message: unknown) => void events.push(message as Event);
beforeAll(() => subscribe(JOBS_CHANNEL, onEvent));
afterAll(() => void unsubscribe(JOBS_CHANNEL, onEvent));
afterEach(() => {
  events.length = 0;
});

function setup(start: number) {
  const clock = new ManualClock(start);
  const reported: { error: unknown; source: unknown }[] = [];
  const bot = {
    api: {},
    reportError: async (error: unknown, _where?: undefined, source?: "job") => {
      reported.push({ error, source });
    },
  };
  const jobs = new Jobs({ bot, driver: new MemoryDriver({ clock }) });
  const seen: Job[] = [];
  jobs.define("record", (job) => {
    seen.push(job);
  });
  return { clock, jobs, seen, reported };
}

/** Runs the clock forward an hour at a time (timers fire as they fall due). */
async function runFor(clock: ManualClock, hours: number): Promise<void> {
  for (let h = 0; h < hours; h++) await clock.advanceAsync(HOUR);
}

const DST: Array<[zone: string, transition: string, from: string, expected: string[]]> = [
  [
    "Europe/Berlin",
    "spring forward (02:00 -> 03:00 on 29 March)",
    "2026-03-27T12:00:00Z",
    [
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:30:00.000Z", // 02:30 does not exist: once, at 03:30 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
      "2026-03-31T00:30:00.000Z",
    ],
  ],
  [
    "Europe/Berlin",
    "fall back (03:00 -> 02:00 on 25 October)",
    "2026-10-23T12:00:00Z",
    [
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 happens twice: once, at the first (CEST)
      "2026-10-26T01:30:00.000Z", // 02:30 CET
      "2026-10-27T01:30:00.000Z",
    ],
  ],
  [
    "America/New_York",
    "spring forward (02:00 -> 03:00 on 8 March)",
    "2026-03-06T12:00:00Z",
    [
      "2026-03-07T07:30:00.000Z", // 02:30 EST
      "2026-03-08T07:30:00.000Z", // once, at 03:30 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ],
  ],
  [
    "America/New_York",
    "fall back (02:00 -> 01:00 on 1 November)",
    "2026-10-30T12:00:00Z",
    [
      "2026-10-31T06:30:00.000Z", // 02:30 EDT
      "2026-11-01T07:30:00.000Z", // 01:00-02:00 repeats; 02:30 happens once, in EST
      "2026-11-02T07:30:00.000Z",
      "2026-11-03T07:30:00.000Z",
    ],
  ],
];

describe.each(DST)("a daily 02:30 job in %s across %s", (timeZone, _transition, from, expected) => {
  it("runs once a day on the memory driver while the clock runs through it", async () => {
    const { clock, jobs, seen } = setup(Date.parse(from));
    await jobs.start();
    await jobs.runDaily("record", { time: "02:30", timeZone });
    await runFor(clock, 4 * 24);
    expect(seen.map((j) => iso(j.scheduledFor.getTime()))).toEqual(expected);
    expect(seen.every((j) => j.lateByMs === 0)).toBe(true);
    expect((await jobs.list())[0]?.nextRunAt?.getTime()).toBe(
      nextRun({ kind: "daily", time: "02:30", timeZone }, Date.parse(expected[3] as string)),
    );
  });

  it("agrees with BullMQ's own cron computation (its job schedulers) on every instant", () => {
    const pattern = "0 30 2 * * *";
    let bull = Date.parse(from);
    const theirs: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      bull = getNextMillis(bull, { pattern, tz: timeZone }) as number;
      theirs.push(iso(bull));
    }
    expect(theirs).toEqual(expected);
    // and a cron schedule of ours with that pattern gives the same instants as the daily one
    let t = Date.parse(from);
    const cron: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      t = nextRun({ kind: "cron", expression: pattern, timeZone }, t) as number;
      cron.push(iso(t));
    }
    expect(cron).toEqual(expected);
  });
});

describe("misfires on the memory driver", () => {
  it("a skipped run is reported on the diagnostics channel and to bot.catch, with how late it was", async () => {
    const { clock, jobs, seen, reported } = setup(0);
    const info = await jobs.runOnce(
      "record",
      { at: 1_000 },
      { name: "late", chatId: 9, misfire: { graceMs: 500, action: "skip" } },
    );
    clock.set(4_000); // no worker ran at 1 s
    await jobs.start();
    await clock.advanceAsync(0);
    expect(seen).toEqual([]);
    expect(events.map((e) => [e.type, e.job.id, e.job.label, e.job.chatId, e.lateByMs])).toEqual([
      ["skipped", info.id, "late", 9, 3_000],
    ]);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.source).toBe("job");
    const error = reported[0]?.error;
    expect(JobsError.is(error) && error.code).toBe("BOT_JOBS_MISFIRE_SKIPPED");
    expect(String((error as Error).message)).toContain("3000 ms");
  });

  it("a run within its grace runs, with lateByMs; the default policy runs however late", async () => {
    const { clock, jobs, seen, reported } = setup(0);
    await jobs.runOnce(
      "record",
      { at: 1_000 },
      { name: "in-grace", misfire: { graceMs: 5_000, action: "skip" } },
    );
    await jobs.runOnce("record", { at: 1_000 }, { name: "default" });
    clock.set(86_401_000); // a day late
    await jobs.start();
    await clock.advanceAsync(0);
    expect(seen.map((j) => [j.label, j.lateByMs])).toEqual([["default", 86_400_000]]);
    expect(reported).toHaveLength(1); // in-grace was 1 day late too: skipped
    const { clock: c2, jobs: j2, seen: s2 } = setup(0);
    await j2.runOnce(
      "record",
      { at: 1_000 },
      { name: "in-grace", misfire: { graceMs: 5_000, action: "skip" } },
    );
    c2.set(4_000);
    await j2.start();
    await c2.advanceAsync(0);
    expect(s2.map((j) => [j.label, j.lateByMs])).toEqual([["in-grace", 3_000]]);
  });

  it("runs a repeating job missed several times while the process was stalled once (coalesced), then on its cadence", async () => {
    const { clock, jobs, seen } = setup(0);
    await jobs.start();
    await jobs.runRepeating("record", { every: 1_000, first: 1_000 });
    await clock.advanceAsync(1_000);
    // the event loop is stalled for 5.5 s: the runs at 2..6 s do not fire on time
    clock.set(7_500);
    await clock.advanceAsync(0);
    await clock.advanceAsync(2_000);
    expect(seen.map((j) => [j.scheduledFor.getTime(), j.lateByMs])).toEqual([
      [1_000, 0],
      [2_000, 5_500], // one late run for the five missed
      [8_000, 0],
      [9_000, 0],
    ]);
  });

  it("with skip, missed repeating runs are one skipped run (one report), then the cadence resumes", async () => {
    const { clock, jobs, seen, reported } = setup(0);
    await jobs.runRepeating(
      "record",
      { every: 1_000, first: 1_000 },
      { misfire: { graceMs: 200, action: "skip" } },
    );
    clock.set(5_500);
    await jobs.start();
    await clock.advanceAsync(0);
    await clock.advanceAsync(1_000);
    expect(seen.map((j) => j.scheduledFor.getTime())).toEqual([6_000]);
    expect(events.filter((e) => e.type === "skipped").map((e) => e.lateByMs)).toEqual([4_500]);
    expect(reported).toHaveLength(1);
  });
});

describe("misfires on the BullMQ driver", () => {
  const URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  let client: ReturnType<typeof createClient>;
  const prefix = `test:jobs-misfire:${randomBytes(6).toString("hex")}`;
  beforeAll(async () => {
    client = createClient({ url: URL });
    client.on("error", () => {});
    await client.connect();
  });
  afterAll(async () => {
    let cursor = "0";
    do {
      const r = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
      cursor = String(r.cursor);
      if (r.keys.length > 0) await client.del(r.keys);
    } while (cursor !== "0");
    await client.close();
  });

  it("runs due while no worker ran: skip past the grace (reported), run within it, coalesce repeats", {
    timeout: 60_000,
  }, async () => {
    const reported: unknown[] = [];
    const bot = {
      api: {},
      reportError: async (error: unknown) => {
        reported.push(error);
      },
    };
    const driver = new BullMQDriver({ client, prefix });
    const jobs = new Jobs({ bot, driver, stopGraceMs: 5_000 });
    const seen: Job[] = [];
    jobs.define("record", (job) => {
      seen.push(job);
    });
    const now = Date.now();
    const skipped = await jobs.runOnce(
      "record",
      { at: now + 100 },
      { name: "skip", misfire: { graceMs: 300, action: "skip" } },
    );
    await jobs.runOnce("record", { at: now + 100 }, { name: "late" });
    await jobs.runRepeating("record", { every: 250, first: now + 100 }, { name: "tick" });
    await new Promise((r) => setTimeout(r, 1_500)); // ~6 ticks missed while no worker runs
    const start = Date.now();
    await jobs.start();
    const end = Date.now() + 20_000;
    while (seen.filter((j) => j.label === "tick").length < 3 || seen.length < 4) {
      if (Date.now() > end) throw new Error("runs did not come");
      await new Promise((r) => setTimeout(r, 50));
    }
    await jobs.cancel("tick");
    await jobs.stop();
    expect(seen.some((j) => j.label === "skip")).toBe(false);
    expect(events.filter((e) => e.type === "skipped").map((e) => e.job.id)).toEqual([skipped.id]);
    expect(reported.map((e) => JobsError.is(e) && e.code)).toEqual(["BOT_JOBS_MISFIRE_SKIPPED"]);
    const late = seen.find((j) => j.label === "late");
    expect(late?.lateByMs).toBeGreaterThanOrEqual(1_400);
    // the missed ticks ran once, late; the next ones are due after the start, on the grid
    const ticks = seen.filter((j) => j.label === "tick").map((j) => j.scheduledFor.getTime());
    expect(ticks[0]).toBe(now + 100);
    expect(ticks.slice(1).every((t) => t > start && (t - (now + 100)) % 250 === 0)).toBe(true);
  });
});
