/**
 * End-to-end benchmark: the whole long-polling path. A fake Bot API (`e2e-api.ts`, a bare
 * `node:http` server in its own process) serves 20,000 text updates over 1,000 chats through
 * `getUpdates`; each subject (`e2e-bot.ts`, in its own process) answers every update with one
 * `sendMessage`. The figure is updates/s from the first `getUpdates` to the reply to the last
 * update, measured by the fake API.
 *
 * Subjects: `@bot` (`bot.start()`), grammY (`bot.start()`), Telegraf (`launch()`) and a
 * hand-written undici loop with per-chat order and our concurrency (the limit). Each run
 * starts a fresh bot process; runs are interleaved (every round runs every subject once, in an
 * order rotated each round), and with two or more CPUs and `taskset` the fake API is pinned
 * to the first CPU and the bots to the last.
 *
 * Why not `@bot/emulator` as the fake: measured with the hand loop and 5,000 updates, the
 * emulator (1,000 scripted users) used about 160 µs of CPU per update against about 55 µs for
 * this bare server, a share of a 2-core machine that would be taken from the bots measured.
 * Each result reports `apiCpuShare`, the fake's CPU time over the run's wall time, to show
 * the fake stays far from being the bottleneck.
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { E2eRun } from "./e2e-api.ts";
import { E2E_SUBJECTS, type E2eSubject } from "./e2e-bot.ts";
import { CHILD_EXEC_ARGV } from "./exec-argv.ts";
import { type BenchResult, median } from "./harness.ts";
import { pin } from "./pin.ts";

const EXEC_ARGV = CHILD_EXEC_ARGV;
/** The bench package: children resolve `tsx` and the workspace packages from here. */
const CWD = fileURLToPath(new URL("..", import.meta.url));

/** The concurrency of `bot.start()` by default; the hand loop gets the same. */
export const E2E_CONCURRENCY = 50;

/** Options of {@link benchE2e}. */
export interface E2eOptions {
  /** Updates per run. Default 20,000. */
  readonly total?: number;
  /** Chats they are spread over. Default 1,000. */
  readonly chats?: number;
  /** Measured rounds (every subject once per round). Default 5. */
  readonly rounds?: number;
  /** Subjects to run. Default all. */
  readonly subjects?: readonly E2eSubject[];
  /** Give up on one run after this many ms (the run counts as 0 updates/s). Default 300,000. */
  readonly runTimeoutMs?: number;
}

/** Sums of the checks over a subject's runs (the CPU share is the largest seen). */
interface Check {
  inversions: number;
  duplicates: number;
  failed: number;
  apiCpuShare: number;
}

interface ApiProcess {
  readonly child: ChildProcess;
  readonly apiRoot: string;
}

function startApi(): Promise<ApiProcess> {
  const child = fork(fileURLToPath(new URL("./e2e-api.ts", import.meta.url)), [], {
    execArgv: EXEC_ARGV,
    cwd: CWD,
    env: { ...process.env, E2E_ROLE: "api" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`fake Bot API exited with ${code}`)));
    child.once("message", (m) => resolve({ child, apiRoot: (m as { apiRoot: string }).apiRoot }));
  });
}

/** Starts a run on the fake API and resolves with its figures once the last reply came. */
function runOnApi(
  api: ApiProcess,
  total: number,
  chats: number,
): {
  ready: Promise<void>;
  done: Promise<E2eRun>;
} {
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const done = new Promise<E2eRun>((resolve) => {
    const listener = (m: unknown): void => {
      if (m === "ready") onReady();
      else if (typeof m === "object" && m !== null && "done" in m) {
        api.child.off("message", listener);
        resolve(m as unknown as E2eRun);
      }
    };
    api.child.on("message", listener);
  });
  api.child.send({ reset: true, total, chats });
  return { ready, done };
}

function startBot(subject: E2eSubject, apiRoot: string): ChildProcess {
  return fork(
    fileURLToPath(new URL("./e2e-bot.ts", import.meta.url)),
    [subject, apiRoot, String(E2E_CONCURRENCY)],
    {
      execArgv: EXEC_ARGV,
      cwd: CWD,
      env: { ...process.env, E2E_ROLE: "bot" },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    },
  );
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Runs whose bot process could not be pinned (reported: their figures are less comparable). */
let unpinnedRuns = 0;

/** One measured run of one subject: a fresh bot process against a fresh set of updates. */
async function once(
  api: ApiProcess,
  subject: E2eSubject,
  o: Required<Omit<E2eOptions, "subjects">>,
  botCpu: string | undefined,
): Promise<E2eRun | undefined> {
  const run = runOnApi(api, o.total, o.chats);
  await run.ready;
  const bot = startBot(subject, api.apiRoot);
  if (botCpu !== undefined && (bot.pid === undefined || !pin(bot.pid, botCpu))) unpinnedRuns += 1;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run.done,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), o.runTimeoutMs);
      }),
      new Promise<undefined>((resolve) => bot.once("exit", () => resolve(undefined))),
    ]);
  } finally {
    clearTimeout(timer);
    await kill(bot);
  }
}

/**
 * Runs the end-to-end benchmark.
 *
 * @param options Sizes, rounds and subjects.
 * @returns One result per subject in updates/s, with the paired per-round ratios of ours to
 *   grammY and to the hand loop, and order and duplicate checks.
 */
export async function benchE2e(options: E2eOptions = {}): Promise<BenchResult[]> {
  const o = {
    total: options.total ?? 20_000,
    chats: options.chats ?? 1000,
    rounds: options.rounds ?? 5,
    runTimeoutMs: options.runTimeoutMs ?? 300_000,
  };
  const subjects = options.subjects ?? E2E_SUBJECTS;
  const cpus = availableParallelism();
  unpinnedRuns = 0;
  const api = await startApi();
  const figures = new Map<E2eSubject, number[]>(subjects.map((s) => [s, []]));
  const checks = new Map<E2eSubject, Check>(
    subjects.map((s) => [s, { inversions: 0, duplicates: 0, failed: 0, apiCpuShare: 0 }]),
  );
  let botCpu: string | undefined;
  try {
    if (cpus >= 2 && api.child.pid !== undefined && pin(api.child.pid, "0")) {
      botCpu = String(cpus - 1);
    }
    // Warm the fake API up (its JIT, the sockets' code paths) with a short run of the hand loop.
    await once(api, "hand loop", { ...o, total: Math.min(o.total, 2000) }, botCpu);
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < subjects.length; k++) {
        const subject = subjects[(round + k) % subjects.length] as E2eSubject;
        const r = await once(api, subject, o, botCpu);
        const c = checks.get(subject) as Check;
        if (r === undefined) {
          c.failed += 1;
          (figures.get(subject) as number[])[round] = 0;
          continue;
        }
        (figures.get(subject) as number[])[round] = o.total / (r.ms / 1000);
        c.inversions += r.inversions;
        c.duplicates += r.duplicates;
        // The fake API's CPU share of the run's wall time (near 1: the fake is the bottleneck).
        c.apiCpuShare = Math.max(c.apiCpuShare, Number((r.apiCpuMs / r.ms).toFixed(2)));
      }
    }
  } finally {
    api.child.removeAllListeners("exit");
    api.child.send("stop");
    setTimeout(() => api.child.kill("SIGKILL"), 5000).unref();
  }
  const paired = (a: E2eSubject, b: E2eSubject): number | undefined => {
    const fa = figures.get(a);
    const fb = figures.get(b);
    if (fa === undefined || fb === undefined) return undefined;
    return median(fa.map((f, i) => f / (fb[i] as number)));
  };
  return subjects.map((subject) => {
    const runs = figures.get(subject) as number[];
    const extra: Record<string, number | string> = {
      ...checks.get(subject),
      pinned:
        botCpu === undefined ? "no" : unpinnedRuns === 0 ? "yes" : `all but ${unpinnedRuns} runs`,
    };
    if (subject === "@bot") {
      const g = paired("@bot", "grammY");
      const h = paired("@bot", "hand loop");
      if (g !== undefined) extra.pairedToGrammy = `${g.toFixed(2)}x`;
      if (h !== undefined) extra.pairedToHandLoop = `${(h * 100).toFixed(1)}%`;
    }
    return {
      bench: "e2e",
      subject,
      unit: "updates/s",
      higherIsBetter: true,
      runs,
      median: median(runs),
      extra,
    };
  });
}
