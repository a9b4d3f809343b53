/**
 * Jobs benchmark: 10,000 one-shot jobs due spread evenly over 2 s, handlers that only count,
 * on the real Redis at 127.0.0.1:6379. Subjects run interleaved, round by round:
 *
 * - `@bot/jobs` memory driver (`MemoryDriver`, the wall clock);
 * - `@bot/jobs` BullMQ driver (`BullMQDriver`, concurrency 50);
 * - raw BullMQ (the limit): delayed jobs added with `queue.add` and a bare `Worker` of
 *   concurrency 50, on the same node-redis connections.
 *
 * Every job is scheduled before the first is due (100 adds in flight; the first due time is
 * far enough ahead), with the worker already running. Figures: fired jobs/s (jobs over the time
 * from the first due time to the last run) and lateness (start of the handler minus due time)
 * p50, p99 and max, each the median over the rounds.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { Jobs, MemoryDriver } from "@bot/jobs";
import { BullMQDriver } from "@bot/jobs/bullmq";
import { createNodeRedisClient, Queue, Worker } from "bullmq";
import { createClient } from "redis";
import { type BenchResult, median } from "./harness.ts";

const URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** The BullMQ worker concurrency of both BullMQ subjects. */
const CONCURRENCY = 50;
/** Adds in flight while scheduling. */
const ADDING = 100;

const connect = async () => {
  const client = createClient({ url: URL });
  client.on("error", () => {});
  await client.connect();
  return client;
};
type NodeRedis = Awaited<ReturnType<typeof connect>>;

/** One round of one subject: how late each job started, and when the last one did. */
interface RoundFigures {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Whether scheduling was still going when the first job was due (the round is then unfair). */
  readonly scheduledLate: boolean;
  /** Redis commands per job over the round (scheduling, firing, cleanup). */
  readonly commands: number;
  /** This process's CPU time per job from the first due time to the last run, µs. */
  readonly cpu: number;
}

/** A subject: prepares, schedules `n` jobs at the given due times, resolves when all ran. */
interface Subject {
  readonly name: string;
  /** Lead time between the start of scheduling and the first due time, ms. */
  readonly leadMs: number;
  /** Sets up one round; `fired(dueAt)` must be called at the start of each handler. */
  readonly open: (fired: (dueAt: number) => void) => Promise<{
    schedule(dueAt: number, k: number): Promise<unknown>;
    close(): Promise<void>;
  }>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** The commands the Redis server processed so far (`INFO stats`). */
async function commandsSoFar(probe: NodeRedis): Promise<number> {
  const info = await probe.info("stats");
  return Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? 0);
}

async function round(
  subject: Subject,
  jobs: number,
  spreadMs: number,
  probe: NodeRedis,
): Promise<RoundFigures> {
  const before = await commandsSoFar(probe);
  const late: number[] = [];
  let last = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => {
    done = r;
  });
  const fired = (dueAt: number) => {
    const now = Date.now();
    late.push(now - dueAt);
    last = now;
    if (late.length === jobs) done();
  };
  const s = await subject.open(fired);
  try {
    const first = Date.now() + subject.leadMs;
    const due = (k: number) => first + Math.floor((k * spreadMs) / jobs);
    let next = 0;
    await Promise.all(
      Array.from({ length: ADDING }, async () => {
        while (next < jobs) {
          const k = next++;
          await s.schedule(due(k), k);
        }
      }),
    );
    const scheduledLate = Date.now() > first;
    let cpuAtFirst = process.cpuUsage();
    const cpuTimer = setTimeout(() => {
      cpuAtFirst = process.cpuUsage();
    }, first - Date.now());
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${subject.name}: ${late.length} of ${jobs} ran in 120 s`)),
          120_000,
        );
      }),
    ]);
    clearTimeout(timer);
    clearTimeout(cpuTimer);
    const used = process.cpuUsage(cpuAtFirst);
    const cpu = (used.user + used.system) / jobs;
    late.sort((a, b) => a - b);
    // other clients on the server count too: a rough figure, not one to gate on
    const commands = ((await commandsSoFar(probe)) - before - 1) / jobs;
    return {
      cpu,
      commands,
      rate: jobs / (Math.max(1, last - first) / 1000),
      p50: quantile(late, 0.5),
      p99: quantile(late, 0.99),
      max: late[late.length - 1] as number,
      scheduledLate,
    };
  } finally {
    await s.close();
  }
}

const bot = { api: {}, reportError: async () => {} };

function subjects(client: NodeRedis, prefix: string): Subject[] {
  let n = 0;
  const fresh = () => `${prefix}${++n}`;
  return [
    {
      name: "@bot/jobs memory driver",
      leadMs: 300,
      open: async (fired) => {
        const jobs = new Jobs({ bot, driver: new MemoryDriver() });
        jobs.define("count", (job) => fired(job.scheduledFor.getTime()));
        await jobs.start();
        return {
          schedule: (at) => jobs.runOnce("count", { at }),
          close: () => jobs.stop(),
        };
      },
    },
    {
      name: "@bot/jobs BullMQ driver",
      leadMs: 4_000,
      open: async (fired) => {
        const driver = new BullMQDriver({ client, prefix: fresh(), concurrency: CONCURRENCY });
        const jobs = new Jobs({ bot, driver });
        jobs.define("count", (job) => fired(job.scheduledFor.getTime()));
        await jobs.start();
        return {
          schedule: (at) => jobs.runOnce("count", { at }),
          close: () => jobs.stop(),
        };
      },
    },
    {
      name: "raw BullMQ",
      leadMs: 4_000,
      open: async (fired) => {
        const raws: NodeRedis[] = [];
        const connection = () => {
          const raw = client.duplicate();
          raws.push(raw);
          return createNodeRedisClient(raw);
        };
        const p = fresh();
        const queue = new Queue("jobs", { connection: connection(), prefix: p });
        const worker = new Worker(
          "jobs",
          async (job) => {
            fired((job.data as { dueAt: number }).dueAt);
          },
          { connection: connection(), prefix: p, concurrency: CONCURRENCY, autorun: false },
        );
        worker.on("error", () => {});
        void worker.run().catch(() => {});
        await worker.waitUntilReady();
        return {
          schedule: (at, k) =>
            queue.add(
              "count",
              { dueAt: at },
              {
                jobId: `j${k}_${at}`,
                delay: Math.max(0, at - Date.now()),
                removeOnComplete: true,
                removeOnFail: true,
              },
            ),
          close: async () => {
            await worker.close();
            await queue.close();
            for (const raw of raws) await raw.close().catch(() => {});
          },
        };
      },
    },
  ];
}

/**
 * The jobs benchmark.
 *
 * @param opts Jobs per round (default 10 000), their spread in ms (default 2000) and rounds
 * (default 3).
 * @returns One result per subject: fired jobs/s, with the lateness in `extra`.
 */
export async function benchJobs(
  opts: { jobs?: number; spreadMs?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const jobs = opts.jobs ?? 10_000;
  const spreadMs = opts.spreadMs ?? 2_000;
  const rounds = Math.max(opts.runs ?? 3, 1);
  const prefix = `bench:jobs:${randomBytes(4).toString("hex")}:`;
  const client = await connect();
  const list = subjects(client, prefix);
  const figures = new Map<string, RoundFigures[]>(list.map((s) => [s.name, []]));
  try {
    // warm-up: connections, scripts, JIT
    for (const s of list) await round(s, Math.min(jobs, 1_000), Math.min(spreadMs, 500), client);
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < list.length; j++) {
        const s = list[(r + j) % list.length] as Subject;
        figures.get(s.name)?.push(await round(s, jobs, spreadMs, client));
      }
    }
  } finally {
    let cursor = "0";
    do {
      const page = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
      cursor = String(page.cursor);
      if (page.keys.length > 0) await client.del(page.keys);
    } while (cursor !== "0");
    await client.close();
  }
  const med = (name: string, f: (r: RoundFigures) => number) =>
    median((figures.get(name) ?? []).map(f));
  const raw = "raw BullMQ";
  const results = list.map((s): BenchResult => {
    const f = figures.get(s.name) ?? [];
    const extra: Record<string, number | string> = {
      "lateness p50 ms": med(s.name, (r) => r.p50),
      "lateness p99 ms": med(s.name, (r) => r.p99),
      "lateness max ms": med(s.name, (r) => r.max),
      "CPU µs/job firing": Math.round(med(s.name, (r) => r.cpu)),
      "Redis commands/job": Number(med(s.name, (r) => r.commands).toFixed(2)),
    };
    if (s.name !== raw) {
      extra["p99 vs raw"] = Number(
        (
          med(s.name, (r) => r.p99) /
          Math.max(
            1,
            med(raw, (r) => r.p99),
          )
        ).toFixed(2),
      );
    }
    const late = f.filter((r) => r.scheduledLate).length;
    if (late > 0) extra["rounds scheduled past the first due time"] = late;
    return {
      bench: "jobs",
      subject: s.name,
      unit: "jobs/s",
      higherIsBetter: true,
      runs: f.map((r) => r.rate),
      median: median(f.map((r) => r.rate)),
      extra,
    };
  });
  return results;
}
