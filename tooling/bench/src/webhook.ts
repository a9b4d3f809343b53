/**
 * Webhook benchmark: requests/s of one Fastify webhook route under autocannon (50
 * connections, a ~1 KB message update, handlers that only count), for @bot/webhook-fastify
 * (secret check and schema validation on, `await` mode), grammY's `webhookCallback(bot,
 * "fastify")` with a secret, Telegraf's `webhookCallback` mounted in a Fastify route with a
 * secret, and a bare Fastify route that parses the JSON and answers 200 (the limit).
 *
 * Each server runs in its own child process; autocannon runs in this process. Runs are
 * interleaved across subjects and, where possible, servers and load generator are pinned to
 * different CPUs (see `benchWebhook`).
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { CHILD_EXEC_ARGV } from "./exec-argv.ts";
import { messageUpdate1k } from "./fixtures.ts";
import { type BenchResult, median } from "./harness.ts";
import { pin } from "./pin.ts";

const SUBJECTS = ["@bot/webhook-fastify", "grammY", "Telegraf", "bare Fastify"] as const;
const SECRET = "bench_secret_token_0123456789";

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types: load it through require with the one signature used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

function startServer(subject: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(new URL("./webhook-server.ts", import.meta.url)), [subject], {
    execArgv: CHILD_EXEC_ARGV,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${subject} server exited with ${code}`)));
    child.once("message", (m) => resolve({ child, port: (m as { port: number }).port }));
  });
}

function ask(child: ChildProcess): Promise<{ count: number; cpuUs: number }> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as { count: number; cpuUs: number }));
    child.send("count");
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.send("stop");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}

function load(port: number, connections: number, duration: number): Promise<AutocannonResult> {
  return autocannon({
    url: `http://127.0.0.1:${port}/hook`,
    method: "POST",
    connections,
    duration,
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    body: JSON.stringify(messageUpdate1k(1)),
  });
}

interface Server {
  readonly subject: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly figures: number[];
  bad: number;
  sent: number;
  handled: number;
  cpuUs: number;
}

/**
 * Runs the webhook benchmark.
 *
 * All servers start first and stay up; the runs are interleaved (round `i` loads every
 * subject once, in an order rotated each round), so a slow spell of a shared machine hits
 * every subject alike. With two or more CPUs and `taskset`, the servers are pinned to the
 * last CPU and the load generator to the first, so the two never fight over one core.
 *
 * @param opts Seconds per run (default 10), measured runs per subject after one warm-up
 *   (default 5) and autocannon connections (default 50).
 * @returns One result per subject, in req/s, with the handler count, non-2xx seen, server
 *   CPU per request and, for ours, the median of the per-round ratios to the bare route.
 */
export async function benchWebhook(
  opts: { durationSec?: number; runs?: number; connections?: number } = {},
): Promise<BenchResult[]> {
  const duration = opts.durationSec ?? 10;
  const runs = opts.runs ?? 5;
  const connections = opts.connections ?? 50;
  const cpus = availableParallelism();
  const servers: Server[] = [];
  let pinned = false;
  try {
    for (const subject of SUBJECTS) {
      const { child, port } = await startServer(subject);
      servers.push({ subject, child, port, figures: [], bad: 0, sent: 0, handled: 0, cpuUs: 0 });
    }
    if (cpus >= 2) {
      pinned = servers.every(
        (s) => s.child.pid !== undefined && pin(s.child.pid, String(cpus - 1)),
      );
      pinned = pin(process.pid, "0") && pinned;
    }
    for (const s of servers) await load(s.port, connections, Math.min(duration, 3)); // warm-up
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < servers.length; k++) {
        const s = servers[(round + k) % servers.length] as Server;
        const before = await ask(s.child);
        const r = await load(s.port, connections, duration);
        const after = await ask(s.child);
        s.figures[round] = r.requests.average;
        s.bad += r.non2xx + r.errors + r.timeouts;
        s.sent += r.requests.total;
        s.handled += after.count - before.count;
        s.cpuUs += after.cpuUs - before.cpuUs;
      }
    }
  } finally {
    await Promise.all(servers.map((s) => stop(s.child)));
    if (pinned) pin(process.pid, `0-${cpus - 1}`);
  }
  const bare = servers.find((s) => s.subject === "bare Fastify");
  return servers.map((s) => {
    const extra: Record<string, number | string> = {
      non2xx: s.bad,
      handled: s.handled,
      sent: s.sent,
      // Server CPU per request: steadier than req/s on a shared machine.
      cpuUsPerReq: Number((s.cpuUs / Math.max(1, s.sent)).toFixed(1)),
      pinned: pinned ? "yes" : "no",
    };
    if (bare !== undefined && s !== bare) {
      const paired = s.figures.map((f, i) => f / (bare.figures[i] as number));
      extra.pairedRatioToBare = `${(median(paired) * 100).toFixed(1)}%`;
    }
    return {
      bench: "webhook",
      subject: s.subject,
      unit: "req/s",
      higherIsBetter: true,
      runs: s.figures,
      median: median(s.figures),
      extra,
    };
  });
}
