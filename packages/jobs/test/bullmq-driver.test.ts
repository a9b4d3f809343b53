import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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
function worker(p: string, handlerMs = 0): Promise<ChildProcess> {
  const c = spawn(process.execPath, [...ARGS, p, "work", String(handlerMs)], {
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
