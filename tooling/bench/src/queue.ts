/**
 * Queue benchmark (`pnpm bench queue`): the whole path of `@bot/persistence-redis/queue` on the
 * real Redis at 127.0.0.1:6379.
 *
 * - Scaling: 1, 2 and 4 worker processes (`bot.work(queue, { concurrency })`, dedup on Redis),
 *   handlers that wait 20 ms (an API call) and then count; 20 000 updates over 1 000 chats,
 *   appended in batches as fast as Redis takes them. Reports updates/s (first append to last
 *   count), p50/p99 end-to-end latency (append to handler end), per-chat inversions seen by the
 *   workers, and the ratio to one worker.
 * - Ingest: the webhook's requests/s in `{ queue }` mode (answer after the append) against
 *   `await` mode (answer after the 20 ms handler), autocannon with 50 connections, a different
 *   update and chat (of 1 000) per request.
 *
 * `BENCH_QUEUE_UPDATES` (default 20 000), `BENCH_QUEUE_CONCURRENCY` (per worker, default 25),
 * `BENCH_QUEUE_SECONDS` (webhook load, default 5) shorten or tune a run.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { RedisUpdateQueue } from "@bot/persistence-redis/queue";
import type { Update } from "@bot/types";
import { createClient } from "redis";
import { CHILD_EXEC_ARGV } from "./exec-argv.ts";
import { messageUpdate1k } from "./fixtures.ts";
import type { BenchResult } from "./harness.ts";

const WEBHOOK_SECRET = "bench_secret_token_0123456789";

const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const UPDATES = Number(process.env.BENCH_QUEUE_UPDATES ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_QUEUE_CONCURRENCY ?? 25);
const SECONDS = Number(process.env.BENCH_QUEUE_SECONDS ?? 5);
const CHATS = 1_000;
const PARTITIONS = 16;
const PROC = fileURLToPath(new URL("./queue-proc.ts", import.meta.url));

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  o: Record<string, unknown>,
) => Promise<AutocannonResult>;

type Client = ReturnType<typeof createClient>;

function start(cfg: Record<string, unknown>): Promise<{ child: ChildProcess; first: unknown }> {
  const child = fork(PROC, [JSON.stringify(cfg)], {
    execArgv: CHILD_EXEC_ARGV,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (first) => resolve({ child, first }));
  });
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as T));
    child.send(message);
  });
}

async function drop(client: Client, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const r = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
    cursor = String(r.cursor);
    if (r.keys.length > 0) await client.del(r.keys);
  } while (cursor !== "0");
}

const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

function message(updateId: number, chat: number): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_764_000_000,
      chat: { id: chat, type: "private", first_name: "B" },
      from: { id: chat, is_bot: false, first_name: "B" },
      text: `t${Date.now()}`,
    },
  } as Update;
}

async function scaling(client: Client, workers: number): Promise<BenchResult> {
  const prefix = `bench:queue:${randomBytes(4).toString("hex")}:`;
  const cfg = {
    url: REDIS,
    prefix,
    name: "bench",
    partitions: PARTITIONS,
    concurrency: CONCURRENCY,
  };
  const queue = new RedisUpdateQueue({
    client,
    name: "bench",
    partitions: PARTITIONS,
    prefix,
    maxBacklog: 0,
  });
  const procs = await Promise.all(
    Array.from({ length: workers }, () => start({ ...cfg, mode: "worker" })),
  );
  try {
    // Wait until the shares settled: every partition owned, by `workers` distinct workers.
    for (let i = 0; i < 200; i++) {
      const s = await queue.stats();
      const owners = new Set(s.partitions.map((p) => p.owner));
      if (!owners.has(undefined) && owners.size === workers && s.workers.length === workers) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const t0 = performance.now();
    for (let i = 0; i < UPDATES; i += 500) {
      const batch: Update[] = [];
      for (let j = i; j < Math.min(UPDATES, i + 500); j++)
        batch.push(message(j + 1, 1 + (j % CHATS)));
      await queue.append(batch);
    }
    while (Number((await client.get(`${prefix}count`)) ?? 0) < UPDATES) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (performance.now() - t0) / 1000;
    const outs = await Promise.all(
      procs.map((p) => ask<{ latencies: number[]; inversions: number }>(p.child, "stop")),
    );
    const latencies = outs.flatMap((o) => o.latencies).sort((a, b) => a - b);
    const rate = UPDATES / seconds;
    return {
      bench: "queue",
      subject: `${workers} worker process${workers > 1 ? "es" : ""}`,
      unit: "updates/s",
      higherIsBetter: true,
      runs: [rate],
      median: rate,
      extra: {
        p50Ms: pct(latencies, 50),
        p99Ms: pct(latencies, 99),
        handled: latencies.length,
        inversions: outs.reduce((n, o) => n + o.inversions, 0),
        concurrency: CONCURRENCY,
      },
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await drop(client, prefix);
  }
}

async function ingest(
  client: Client,
  mode: "webhook-await" | "webhook-queue",
): Promise<BenchResult> {
  const prefix = `bench:queue:${randomBytes(4).toString("hex")}:`;
  const { child, first } = await start({
    url: REDIS,
    prefix,
    name: "hook",
    partitions: PARTITIONS,
    mode,
  });
  const port = (first as { port: number }).port;
  let next = 0;
  try {
    const r = await autocannon({
      url: `http://127.0.0.1:${port}/hook`,
      method: "POST",
      connections: 50,
      duration: SECONDS,
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": WEBHOOK_SECRET,
      },
      // A different update and chat per request: `await` mode keeps each chat in order.
      requests: [
        {
          setupRequest: (req: Record<string, unknown>) => {
            next += 1;
            const u = messageUpdate1k(next) as { message: { chat: { id: number } } };
            u.message.chat.id = 1 + (next % CHATS);
            return { ...req, body: JSON.stringify(u) };
          },
        },
      ],
    });
    return {
      bench: "queue",
      subject: `webhook ${mode === "webhook-queue" ? "{ queue }" : "await"} mode`,
      unit: "req/s",
      higherIsBetter: true,
      runs: [r.requests.average],
      median: r.requests.average,
      extra: { non2xx: r.non2xx + r.errors + r.timeouts, sent: r.requests.total },
    };
  } finally {
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.send("stop");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
    await drop(client, prefix);
  }
}

/**
 * Runs the queue benchmark.
 *
 * @returns updates/s for 1, 2 and 4 workers (with latency, inversions and the ratio to one
 *   worker), then req/s of the webhook in `await` and in `{ queue }` mode.
 */
export async function benchQueue(): Promise<BenchResult[]> {
  const client: Client = createClient({ url: REDIS });
  client.on("error", () => {});
  await client.connect();
  try {
    const out: BenchResult[] = [];
    for (const n of [1, 2, 4]) out.push(await scaling(client, n));
    const one = out[0]?.median ?? 1;
    const scaled = out.map((r) => ({
      ...r,
      extra: { ...r.extra, vsOneWorker: `${(r.median / one).toFixed(2)}x` },
    }));
    out.splice(0, out.length, ...scaled);
    out.push(await ingest(client, "webhook-await"));
    out.push(await ingest(client, "webhook-queue"));
    return out;
  } finally {
    await client.close();
  }
}
