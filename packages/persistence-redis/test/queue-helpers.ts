import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Update } from "@bot/types";
import type { connect } from "./helpers.js";

const WORKER = fileURLToPath(new URL("./fixtures/queue-worker.ts", import.meta.url));
const CWD = fileURLToPath(new URL("..", import.meta.url));

/** One event a worker process printed. */
export interface WorkerEvent {
  readonly pid: number;
  readonly t: number;
  readonly type: string;
  readonly partition?: number;
  readonly count?: number;
  readonly at?: number;
  readonly [k: string]: unknown;
}

/** A worker (or poller) child process and the events it printed. */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly events: WorkerEvent[] = [];
  readonly exited: Promise<number | null>;
  stderr = "";
  #waiters = new Set<() => void>();

  constructor(cfg: Record<string, unknown>) {
    this.child = spawn(
      process.execPath,
      ["--conditions=@bot/source", "--import", "tsx", WORKER, JSON.stringify(cfg)],
      { cwd: CWD, stdio: ["ignore", "pipe", "pipe"] },
    );
    let buf = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.events.push(JSON.parse(line) as WorkerEvent);
        } catch {
          // not an event line
        }
        nl = buf.indexOf("\n");
      }
      for (const w of this.#waiters) w();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Waits until an event of `type` was printed. */
  waitFor(type: string, timeoutMs = 20_000): Promise<WorkerEvent> {
    return this.waitUntil((e) => e.type === type, `a "${type}" event`, timeoutMs);
  }

  /** Waits until an event matching `test` was printed (`what` names it in the timeout error). */
  async waitUntil(
    test: (e: WorkerEvent) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<WorkerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find(test);
      if (e) return e;
      if (Date.now() > deadline)
        throw new Error(`no ${what} from worker ${this.child.pid}: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.#waiters.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.#waiters.clear();
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** A private-chat text message update. */
export function message(updateId: number, chat: number): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_764_000_000,
      chat: { id: chat, type: "private", first_name: "U" },
      from: { id: chat, is_bot: false, first_name: "U" },
      text: `m${updateId}`,
    },
  } as Update;
}

/** What the side-effect log shows. */
export interface LogCheck {
  readonly records: number;
  readonly distinct: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly inversions: number;
}

/**
 * Reads `<prefix>log` (`"<chat>:<update_id>"` per handler run, in run order) and counts.
 *
 * @param client A connected client.
 * @param prefix The test's prefix.
 * @param expected The update ids that must be there.
 * @returns The counts.
 */
export async function checkLog(
  client: Awaited<ReturnType<typeof connect>>,
  prefix: string,
  expected: Iterable<number>,
): Promise<LogCheck> {
  const log = await client.lRange(`${prefix}log`, 0, -1);
  const seen = new Set<number>();
  const last = new Map<string, number>();
  let inversions = 0;
  for (const rec of log) {
    const [chat, id] = rec.split(":") as [string, string];
    const n = Number(id);
    const max = last.get(chat);
    // A rerun repeats the newest record of its chat; anything older is an inversion.
    if (max !== undefined && n < max) inversions++;
    if (max === undefined || n > max) last.set(chat, n);
    seen.add(n);
  }
  let lost = 0;
  for (const id of expected) if (!seen.has(id)) lost++;
  return {
    records: log.length,
    distinct: seen.size,
    lost,
    duplicated: log.length - seen.size,
    inversions,
  };
}

/**
 * Waits until `<prefix>log` holds at least `n` records.
 *
 * @param client A connected client.
 * @param prefix The prefix.
 * @param n How many.
 * @param timeoutMs The deadline.
 */
export async function waitForLog(
  client: Awaited<ReturnType<typeof connect>>,
  prefix: string,
  n: number,
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await client.lLen(`${prefix}log`)) < n) {
    if (Date.now() > deadline)
      throw new Error(`only ${await client.lLen(`${prefix}log`)} of ${n} records in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
