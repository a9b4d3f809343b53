import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BullMQDriver } from "../src/bullmq.js";
import { Jobs, MemoryDriver } from "../src/index.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PROC = fileURLToPath(new URL("./fixtures/jobs-process.ts", import.meta.url));
const CWD = fileURLToPath(new URL("..", import.meta.url));
const ARGS = ["--conditions=@bot/source", "--import", "tsx", PROC, REDIS_URL];
const exec = promisify(execFile);

let client: ReturnType<typeof createClient>;
const prefixes: string[] = [];
const children = new Set<ChildProcess>();

beforeAll(async () => {
  client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const p of prefixes) {
    let cursor = "0";
    do {
      const r = await client.scan(cursor, { MATCH: `${p}*`, COUNT: 500 });
      cursor = String(r.cursor);
      if (r.keys.length > 0) await client.del(r.keys);
    } while (cursor !== "0");
  }
  await client.close();
});

function prefix(): string {
  const p = `test:jobs:${randomBytes(6).toString("hex")}`;
  prefixes.push(p);
  return p;
}

/** Runs a process that schedules and exits. */
async function schedule(p: string, ...args: string[]): Promise<void> {
  await exec(process.execPath, [...ARGS, p, ...args], { cwd: CWD, timeout: 60_000 });
}

/** Starts a worker process; resolves once its driver runs. */
function worker(p: string, handlerMs = 0, stopGraceMs?: number): Promise<ChildProcess> {
  const extra = stopGraceMs === undefined ? [] : [String(stopGraceMs)];
  const c = spawn(process.execPath, [...ARGS, p, "work", String(handlerMs), ...extra], {
    cwd: CWD,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(c);
  c.on("exit", () => children.delete(c));
  return new Promise((resolve, reject) => {
    c.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes('"ready"')) resolve(c);
    });
    c.on("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
}

function stopped(c: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.on("exit", () => resolve());
    c.kill(signal);
  });
}

async function until(what: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const total = async (p: string) => Number((await client.get(`${p}:total`)) ?? 0);

/** Each job's run count: how many ran not at all and how many more than once. */
async function tally(p: string, n: number): Promise<{ lost: number; duplicates: number }> {
  const keys = Array.from({ length: n }, (_, k) => `${p}:runs:${k}`);
  const counts = (await client.mGet(keys)).map((v) => Number(v ?? 0));
  return {
    lost: counts.filter((c) => c === 0).length,
    duplicates: counts.reduce((s, c) => s + Math.max(0, c - 1), 0),
  };
}

describe("BullMQDriver across processes", () => {
  it("runs a job scheduled by one process in another", { timeout: 90_000 }, async () => {
    const p = prefix();
    await schedule(p, "schedule", "20", "1500");
    expect(await total(p)).toBe(0);
    const w = await worker(p);
    await until(async () => (await total(p)) >= 20);
    await new Promise((r) => setTimeout(r, 1_000));
    await stopped(w, "SIGTERM");
    expect(await tally(p, 20)).toEqual({ lost: 0, duplicates: 0 });
    expect(await total(p)).toBe(20);
  });

  it("3 replicas run each of 300 jobs exactly once", { timeout: 120_000 }, async () => {
    const p = prefix();
    const ws = await Promise.all([worker(p), worker(p), worker(p)]);
    await schedule(p, "schedule", "300", "2000");
    await until(async () => (await total(p)) >= 300);
    // Time for any duplicate to show up.
    await new Promise((r) => setTimeout(r, 2_000));
    await Promise.all(ws.map((w) => stopped(w, "SIGTERM")));
    expect(await tally(p, 300)).toEqual({ lost: 0, duplicates: 0 });
    expect(await total(p)).toBe(300);
  });
});

describe("BullMQDriver after a crash", () => {
  it("kill -9 mid-run with 100 jobs pending: all run after a restart", {
    timeout: 120_000,
  }, async () => {
    const p = prefix();
    await schedule(p, "schedule", "100", "1500");
    const w1 = await worker(p, 300);
    await until(async () => (await total(p)) >= 20);
    await stopped(w1, "SIGKILL");
    const before = await tally(p, 100);
    expect(before.lost).toBeGreaterThan(0);
    const w2 = await worker(p, 300);
    await until(async () => (await tally(p, 100)).lost === 0);
    // Longer than a lock and a stalled check: a late duplicate would show up.
    await new Promise((r) => setTimeout(r, 4_000));
    await stopped(w2, "SIGTERM");
    const after = await tally(p, 100);
    console.log(
      `kill -9: ${before.lost} not yet run at the kill; after restart ${JSON.stringify(after)}`,
    );
    expect(after).toEqual({ lost: 0, duplicates: 0 });
  });

  it("SIGTERM mid-job: the graceful stop waits for the running jobs, nothing is lost", {
    timeout: 120_000,
  }, async () => {
    const p = prefix();
    await schedule(p, "schedule", "40", "1000");
    const w1 = await worker(p, 1_500);
    const started = async () => Number((await client.get(`${p}:started`)) ?? 0);
    await until(async () => (await started()) >= 1);
    const atSignal = { started: await started(), total: await total(p) };
    await stopped(w1, "SIGTERM");
    expect(w1.exitCode).toBe(0);
    const [s, t] = String(await client.get(`${p}:stopped`))
      .split(":")
      .map(Number);
    console.log(
      `SIGTERM: ${atSignal.started - atSignal.total} running at the signal; when stop() returned ${s} started, ${t} finished`,
    );
    // jobs were running at the signal, and stop() returned only once every started run finished
    expect(atSignal.total).toBeLessThan(atSignal.started);
    expect(t).toBe(s);
    expect(t).toBeLessThan(40);
    const w2 = await worker(p);
    await until(async () => (await total(p)) >= 40);
    await new Promise((r) => setTimeout(r, 3_000));
    await stopped(w2, "SIGTERM");
    expect(await tally(p, 40)).toEqual({ lost: 0, duplicates: 0 });
  });

  it("SIGTERM with jobs running past the stop deadline: they run again elsewhere, none lost", {
    timeout: 120_000,
  }, async () => {
    const p = prefix();
    await schedule(p, "schedule", "10", "500");
    // runs of 20 s, a stop grace of 300 ms: the stop gives up on them
    const w1 = await worker(p, 20_000, 300);
    const started = async () => Number((await client.get(`${p}:started`)) ?? 0);
    await until(async () => (await started()) >= 10);
    await stopped(w1, "SIGTERM");
    expect(w1.exitCode).toBe(0);
    expect(await client.get(`${p}:stopped`)).toBe("10:0");
    // BullMQ's stalled-job recovery gives the abandoned runs to the next worker (at least once)
    const w2 = await worker(p, 0);
    await until(async () => (await total(p)) >= 10);
    await new Promise((r) => setTimeout(r, 3_000));
    await stopped(w2, "SIGTERM");
    expect(await tally(p, 10)).toEqual({ lost: 0, duplicates: 0 });
  });

  it("a repeating job keeps its cadence across a restart, without a burst", {
    timeout: 120_000,
  }, async () => {
    const p = prefix();
    await schedule(p, "repeat", "1000");
    const ticks = async () =>
      (await client.lRange(`${p}:ticks`, 0, -1)).map(
        (t) => t.split(":").map(Number) as [number, number],
      );
    const w1 = await worker(p);
    await until(async () => (await ticks()).length >= 3);
    await stopped(w1, "SIGTERM");
    // About 3 runs fall due while no worker runs.
    await new Promise((r) => setTimeout(r, 3_500));
    const restart = Date.now();
    const w2 = await worker(p);
    await until(async () => (await ticks()).filter(([at]) => at >= restart).length >= 4);
    await stopped(w2, "SIGTERM");
    const all = (await ticks()).map(([, due]) => due);
    const after = (await ticks()).filter(([at]) => at >= restart).map(([, due]) => due);
    // The runs missed while down are coalesced into one (a burst would run each of them).
    expect(after.filter((due) => due < restart).length).toBe(1);
    // Every run on the job's grid, each due time once, in order.
    const first = all[0] as number;
    expect(all.every((due) => (due - first) % 1000 === 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((x, y) => x - y)).toEqual(all);
    const q = new Queue("jobs", {
      prefix: p,
      connection: { host: "127.0.0.1", port: 6379 },
    });
    try {
      // One chain of runs, not one per restart.
      expect(await q.getDelayedCount()).toBe(1);
    } finally {
      await q.close();
    }
  });
});

describe("BullMQDriver in one process", () => {
  const bot = { api: {}, reportError: async () => {} };
  const open = (p: string) => new BullMQDriver({ client, prefix: p });

  it("lists, replaces per chat and cancels", { timeout: 30_000 }, async () => {
    const driver = open(prefix());
    const jobs = new Jobs({ bot, driver });
    jobs.define("alarm", () => {});
    await jobs.forChat(1).runOnce("alarm", { in: 60_000 }, { replace: true });
    await jobs.forChat(2).runOnce("alarm", { in: 60_000 }, { replace: true });
    const again = await jobs.forChat(1).runOnce("alarm", { in: 30_000 }, { replace: true });
    const all = await jobs.list();
    expect(all.map((j) => j.chatId).sort()).toEqual([1, 2]);
    expect((await jobs.forChat(1).list())[0]?.id).toBe(again.id);
    expect(await jobs.forChat(2).cancel("alarm")).toBe(1);
    expect((await jobs.list()).map((j) => j.id)).toEqual([again.id]);
    await driver.close();
  });

  it("agrees with the memory driver on calendar times in a time zone", {
    timeout: 30_000,
  }, async () => {
    const driver = open(prefix());
    const durable = new Jobs({ bot, driver, timeZone: "Asia/Kathmandu" });
    const memory = new Jobs({ bot, driver: new MemoryDriver(), timeZone: "Asia/Kathmandu" });
    for (const j of [durable, memory]) {
      j.define("x", () => {});
      await j.runDaily("x", { time: "09:30", days: [1, 3] });
      await j.runMonthly("x", { day: 31, time: "23:15", timeZone: "America/New_York" });
      await j.cron("x", "0 */5 * * * *");
    }
    const times = async (j: Jobs<{}>) =>
      (await j.list()).map((i) => [i.schedule.kind, i.nextRunAt?.getTime()]).sort();
    expect(await times(durable)).toEqual(await times(memory));
    await driver.close();
  });

  it("pauses, resumes, retries and waits for a running job on stop", {
    timeout: 60_000,
  }, async () => {
    const driver = open(prefix());
    const jobs = new Jobs({ bot, driver, stopGraceMs: 10_000 });
    const seen: string[] = [];
    jobs.define("flaky", async (job) => {
      seen.push(`flaky#${job.attempt}`);
      if (job.attempt === 1) throw new Error("first try fails");
    });
    jobs.define("slow", async () => {
      await new Promise((r) => setTimeout(r, 800));
      seen.push("slow done");
    });
    jobs.define("paused", () => {
      seen.push("paused ran");
    });
    await jobs.start();
    const paused = await jobs.runOnce("paused", { in: 300 });
    await jobs.pause(paused.id);
    await jobs.runOnce("flaky", { in: 100 }, { attempts: 2, backoffMs: 200 });
    await until(async () => seen.includes("flaky#2"), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).not.toContain("paused ran");
    await jobs.resume(paused.id);
    await until(async () => seen.includes("paused ran"), 20_000);
    await until(async () => (await jobs.list()).length === 0, 20_000);
    await jobs.runOnce("slow", { in: 0 });
    await until(async () => (await driver.list()).every((r) => r.nextRunAt === undefined), 20_000);
    await new Promise((r) => setTimeout(r, 200));
    await jobs.stop();
    expect(seen).toEqual(["flaky#1", "flaky#2", "paused ran", "slow done"]);
  });
});

describe("BullMQDriver start", () => {
  it("adds the run of a record whose run was never added (a crash after writing it)", {
    timeout: 30_000,
  }, async () => {
    const p = prefix();
    const record = {
      id: "orphan",
      name: "x",
      schedule: { kind: "once", at: Date.now() + 200 },
      label: "x",
      misfire: { graceMs: Number.MAX_SAFE_INTEGER, action: "run" },
      attempts: 1,
      backoffMs: 1000,
      nextRunAt: Date.now() + 200,
      paused: false,
    };
    await client.hSet(`${p}:jobs:records`, "orphan", JSON.stringify(record));
    const driver = new BullMQDriver({ client, prefix: p });
    const jobs = new Jobs({ bot: { api: {}, reportError: async () => {} }, driver });
    let ran = 0;
    jobs.define("x", () => {
      ran++;
    });
    await jobs.start();
    await until(async () => ran === 1, 20_000);
    await until(async () => (await jobs.list()).length === 0, 20_000);
    await jobs.stop();
    expect(ran).toBe(1);
  });
});
