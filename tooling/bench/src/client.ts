/**
 * Client benchmark: 20k `sendMessage` calls with 50 in flight against one local fake Bot API
 * server (bare `node:http`, canned reply, in its own process: `client-api.ts`), through
 * @bot/client, grammY's `Api`, Telegraf's `Telegram` and a bare undici `Pool` (the limit).
 *
 * Runs are interleaved (round `i` runs every subject once, in an order rotated each round), so
 * a slow spell of a shared machine hits every subject alike; with two or more CPUs and
 * `taskset`, the fake API is pinned to the first CPU and the clients to the last. Besides the
 * medians, ours reports the median of its per-round ratios to bare undici.
 */
import { type ChildProcess, fork } from "node:child_process";
import { Agent as HttpAgent } from "node:http";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Client } from "@bot/client";
import { Api } from "grammy";
import { Telegram } from "telegraf";
import { Pool } from "undici";
import { CHILD_EXEC_ARGV } from "./exec-argv.ts";
import { type BenchResult, median } from "./harness.ts";
import { pin } from "./pin.ts";

const TOKEN = "123456789:bench-token-not-secret";
const IN_FLIGHT = 50;
const EXEC_ARGV = CHILD_EXEC_ARGV;
const CWD = fileURLToPath(new URL("..", import.meta.url));

function startApi(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(new URL("./client-api.ts", import.meta.url)), [], {
    execArgv: EXEC_ARGV,
    cwd: CWD,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`fake Bot API exited with ${code}`)));
    child.once("message", (m) => resolve({ child, url: (m as { url: string }).url }));
  });
}

/**
 * Runs `calls` sends with `IN_FLIGHT` workers and returns calls per second.
 *
 * @param calls How many calls.
 * @param send Sends call number `i`.
 * @returns Calls per second.
 */
async function drive(calls: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      await send(i);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return calls / ((performance.now() - start) / 1000);
}

interface Subject {
  readonly name: string;
  readonly send: (i: number) => Promise<unknown>;
  readonly close: () => Promise<void> | void;
  readonly figures: number[];
}

function subjects(url: string): Subject[] {
  const params = (i: number) => ({ chat_id: 42, text: `hello ${i}` });
  const pool = new Pool(url, { pipelining: 1 });
  const path = `/bot${TOKEN}/sendMessage`;
  const headers = { "content-type": "application/json" };
  const client = new Client(TOKEN, { apiRoot: url });
  const api = new Api(TOKEN, { apiRoot: url });
  const agent = new HttpAgent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const telegram = new Telegram(TOKEN, { apiRoot: url, agent });
  return [
    {
      name: "bare undici",
      send: async (i) => {
        const res = await pool.request({
          path,
          method: "POST",
          headers,
          body: JSON.stringify(params(i)),
        });
        const body = (await res.body.json()) as { ok: boolean; result: unknown };
        if (!body.ok) throw new Error("bare undici: not ok");
        return body.result;
      },
      close: () => pool.close(),
      figures: [],
    },
    {
      name: "@bot/client",
      send: (i) => client.sendMessage(params(i)),
      close: () => client.close(),
      figures: [],
    },
    {
      name: "grammY",
      send: (i) => api.sendMessage(42, `hello ${i}`),
      close: () => undefined,
      figures: [],
    },
    {
      name: "Telegraf",
      send: (i) => telegram.sendMessage(42, `hello ${i}`),
      close: () => agent.destroy(),
      figures: [],
    },
  ];
}

/**
 * The client benchmark.
 *
 * @param opts How many calls per run (default 20 000) and measured rounds (default 5).
 * @returns One result per subject.
 */
export async function benchClient(
  opts: { calls?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const calls = opts.calls ?? 20_000;
  const runs = Math.max(opts.runs ?? 5, 1);
  const cpus = availableParallelism();
  const { child, url } = await startApi();
  let pinned = false;
  const all = subjects(url);
  try {
    if (cpus >= 2 && child.pid !== undefined) {
      pinned = pin(child.pid, "0") && pin(process.pid, String(cpus - 1));
    }
    for (const s of all) await drive(calls, s.send); // warm-up
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < all.length; k++) {
        const s = all[(round + k) % all.length] as Subject;
        s.figures[round] = await drive(calls, s.send);
      }
    }
  } finally {
    for (const s of all) await s.close();
    if (pinned) pin(process.pid, `0-${cpus - 1}`);
    child.disconnect();
  }
  const bare = all[0] as Subject;
  return all.map((s) => {
    const extra: Record<string, string> = { pinned: pinned ? "yes" : "no" };
    if (s !== bare) {
      const paired = s.figures.map((f, i) => f / (bare.figures[i] as number));
      extra.pairedRatioToBare = `${(median(paired) * 100).toFixed(1)}%`;
    }
    return {
      bench: "client",
      subject: s.name,
      unit: "calls/s",
      higherIsBetter: true,
      runs: s.figures,
      median: median(s.figures),
      extra,
    };
  });
}
