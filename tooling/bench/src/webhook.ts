/**
 * Webhook benchmark: requests/s of one Fastify webhook route under autocannon (50
 * connections, a ~1 KB message update, handlers that only count), for @bot/webhook-fastify
 * (secret check and schema validation on, `await` mode), grammY's `webhookCallback(bot,
 * "fastify")` with a secret, Telegraf's `webhookCallback` mounted in a Fastify route with a
 * secret, and a bare Fastify route that parses the JSON and answers 200 (the limit).
 *
 * Each server runs in its own child process; autocannon runs in this process.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { messageUpdate1k } from "./fixtures.ts";
import { type BenchResult, median } from "./harness.ts";

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
    execArgv: ["--conditions=@bot/source", "--import", "tsx"],
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

/**
 * Runs the webhook benchmark.
 *
 * @param opts Seconds per run (default 10), measured runs per subject after one warm-up
 *   (default 5) and autocannon connections (default 50).
 * @returns One result per subject, in req/s, with the handler count and non-2xx seen.
 */
export async function benchWebhook(
  opts: { durationSec?: number; runs?: number; connections?: number } = {},
): Promise<BenchResult[]> {
  const duration = opts.durationSec ?? 10;
  const runs = opts.runs ?? 5;
  const connections = opts.connections ?? 50;
  const results: BenchResult[] = [];
  for (const subject of SUBJECTS) {
    const { child, port } = await startServer(subject);
    try {
      await load(port, connections, Math.min(duration, 3)); // warm-up
      const figures: number[] = [];
      let bad = 0;
      let sent = 0;
      const before = await ask(child);
      for (let i = 0; i < runs; i++) {
        const r = await load(port, connections, duration);
        figures.push(r.requests.average);
        bad += r.non2xx + r.errors + r.timeouts;
        sent += r.requests.total;
      }
      const after = await ask(child);
      const handled = after.count - before.count;
      // Server CPU per request: steadier than req/s on a shared machine.
      const cpuUsPerReq = Number(((after.cpuUs - before.cpuUs) / Math.max(1, sent)).toFixed(1));
      results.push({
        bench: "webhook",
        subject,
        unit: "req/s",
        higherIsBetter: true,
        runs: figures,
        median: median(figures),
        extra: { non2xx: bad, handled, sent, cpuUsPerReq },
      });
    } finally {
      await stop(child);
    }
  }
  return results;
}
