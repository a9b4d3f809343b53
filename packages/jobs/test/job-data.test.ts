/**
 * Issue 14: `job.chatData` is the chat's `ctx.chatData`, under the same lease. Updates through
 * `@bot/emulator` and a repeating job both do a slow read-modify-write of one chat's `n`; the
 * final `n` must be exactly the number of updates plus the number of job runs (a lost write
 * would leave it lower). On MemoryStorage and RedisStorage in one process, and on RedisStorage
 * with the job in a second process (BullMQ driver).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Client } from "@bot/client";
import {
  Bot,
  type Context,
  type DataFlavor,
  dataSessions,
  MemoryStorage,
  type Storage,
} from "@bot/dispatcher";
import { createEmulator, type Emulator } from "@bot/emulator";
import { RedisStorage } from "@bot/persistence-redis";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Jobs, MemoryDriver } from "../src/index.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const UPDATES = 50;
type Chat = { n: number };
type C = Context & DataFlavor<Chat>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: ReturnType<typeof createClient>;
let emu: Emulator | undefined;
const prefixes: string[] = [];
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redis = createClient({ url: REDIS_URL });
  redis.on("error", () => {});
  await redis.connect();
});
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const p of prefixes) {
    let cursor = "0";
    do {
      const r = await redis.scan(cursor, { MATCH: `${p}*`, COUNT: 500 });
      cursor = String(r.cursor);
      if (r.keys.length > 0) await redis.del(r.keys);
    } while (cursor !== "0");
  }
  await redis.close();
});

function prefix(): string {
  const p = `test:jobs-data:${randomBytes(6).toString("hex")}`;
  prefixes.push(p);
  return p;
}

/** A bot counting `/inc` in `chatData.n` with a slow read-modify-write, polling the emulator. */
async function counterBot(storage: Storage) {
  emu = await createEmulator();
  const handle = emu.createBot({ username: "count_bot" });
  const bot = new Bot<C>(handle.token, { clientOptions: { apiRoot: emu.apiRoot }, storage });
  const errors: unknown[] = [];
  bot.catch((e) => {
    errors.push(e.error);
  });
  const data = dataSessions<Chat>({ initial: { chat: () => ({ n: 0 }) } });
  bot.use(data);
  bot.command("inc", async (ctx) => {
    const d = await ctx.chatData;
    const n = d.n;
    await sleep(2);
    d.n = n + 1;
    await ctx.reply("ok");
  });
  let live!: () => void;
  const started = new Promise<void>((r) => {
    live = r;
  });
  const running = bot.start({ signals: false, timeout: 1, onStart: () => live() });
  await started;
  const alice = emu.user({ first_name: "Alice", bot: handle });
  /**
   * Sends the updates in five bursts and waits until each was handled and saved. Before each
   * burst is awaited, `contended()` must have seen progress (a job run), so the job overlaps
   * the updates however the machine schedules them.
   */
  const sendAll = async (contended: () => Promise<void> = async () => {}) => {
    const burst = UPDATES / 5;
    for (let b = 0; b < 5; b++) {
      for (let i = 0; i < burst; i++) alice.send("/inc");
      await contended();
      for (let i = 0; i < burst; i++) await alice.nextMessage({ timeoutMs: 60_000 });
    }
  };
  const final = () =>
    data.withData({ api: bot.api, chatId: alice.id }, async (d) => (await d.chatData).n);
  const stop = async () => {
    await bot.stop();
    await running;
  };
  return { bot, data, errors, alice, sendAll, final, stop, token: handle.token };
}

describe.each([
  ["MemoryStorage", () => new MemoryStorage()],
  ["RedisStorage", () => new RedisStorage({ client: redis, prefix: `${prefix()}:` })],
] as const)("job.chatData and updates on %s", (_name, makeStorage) => {
  it(`${UPDATES} updates and a repeating job on one chat: no lost write`, {
    timeout: 120_000,
  }, async () => {
    const { bot, data, errors, alice, sendAll, final, stop } = await counterBot(makeStorage());
    const jobs = new Jobs<Client, { chat: Chat; user: object; bot: object }>({
      bot,
      data,
      driver: new MemoryDriver(),
    });
    let runs = 0;
    let stopping = false;
    // one run at a time, each scheduling the next: the job keeps contending with the updates
    jobs.define("inc", async (job) => {
      const d = await job.chatData;
      const n = d.n;
      await sleep(2);
      d.n = n + 1;
      runs++;
      if (!stopping) await jobs.runOnce("inc", { in: 1 }, { chatId: job.chatId });
    });
    await jobs.start();
    await jobs.runOnce("inc", { in: 0 }, { chatId: alice.id });
    // Each burst of updates is in flight while at least one more job run finishes.
    await sendAll(async () => {
      const before = runs;
      for (let t = 0; runs === before; t++) {
        if (t > 6_000) throw new Error("the job made no progress");
        await sleep(10);
      }
    });
    stopping = true;
    await jobs.stop();
    await stop();
    const n = await final();
    console.log(`${_name}: ${UPDATES} updates + ${runs} job runs, chatData.n = ${n}`);
    expect(errors).toEqual([]);
    expect(runs).toBeGreaterThanOrEqual(5);
    expect(n).toBe(UPDATES + runs);
  });
});

describe("job.chatData and updates in two processes on RedisStorage", () => {
  it(`${UPDATES} updates here, a repeating job on the BullMQ driver there: no lost write`, {
    timeout: 120_000,
  }, async () => {
    const p = prefix();
    const { errors, alice, sendAll, final, stop, token } = await counterBot(
      new RedisStorage({ client: redis, prefix: `${p}:data:` }),
    );
    const child = spawn(
      process.execPath,
      [
        "--conditions=@bot/source",
        "--import",
        "tsx",
        fileURLToPath(new URL("./fixtures/data-process.ts", import.meta.url)),
        REDIS_URL,
        p,
        token,
        String(alice.id),
        "10",
      ],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] },
    );
    children.add(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        if (d.toString().includes('"ready"')) resolve();
      });
      child.on("exit", (code) => reject(new Error(`job process exited (${code})`)));
    });
    const jobRuns = async () => Number((await redis.get(`${p}:job-runs`)) ?? 0);
    // the job process is running its job before the updates come
    while ((await jobRuns()) < 3) await sleep(20);
    await sendAll();
    await new Promise<void>((resolve) => {
      child.on("exit", () => resolve());
      child.kill("SIGTERM");
    });
    children.delete(child);
    await stop();
    const runs = await jobRuns();
    const jobErrors = Number((await redis.get(`${p}:job-errors`)) ?? 0);
    const n = await final();
    console.log(`2 processes: ${UPDATES} updates + ${runs} job runs, chatData.n = ${n}`);
    expect(errors).toEqual([]);
    expect(jobErrors).toBe(0);
    expect(runs).toBeGreaterThan(3);
    expect(n).toBe(UPDATES + runs);
  });
});

describe("job data rules", () => {
  it("saves only after a handler that resolved, refuses data without a key or after the run", async () => {
    const storage = new MemoryStorage();
    const bot = new Bot<C>("77:jobs-data-rules", {
      botInfo: { id: 77, is_bot: true, first_name: "b", username: "b_bot" } as never,
      storage,
    });
    const data = dataSessions<Chat>({ initial: { chat: () => ({ n: 0 }) } });
    const errors: unknown[] = [];
    bot.catch((e) => {
      errors.push(e.error);
    });
    const jobs = new Jobs<Client, { chat: Chat; user: object; bot: object }>({
      bot,
      data,
      driver: new MemoryDriver(),
    });
    let kept: Promise<Chat> | undefined;
    const outcomes: string[] = [];
    jobs.define("inc", async (job) => {
      (await job.chatData).n += 1;
      if ((job.data as { fail?: boolean }).fail) throw new Error("failed after the write");
    });
    jobs.define("keyless", async (job) => {
      await job.chatData.catch((e: { code: string }) => outcomes.push(e.code));
    });
    jobs.define("late", (job) => {
      setTimeout(() => {
        kept = job.chatData;
        kept.catch(() => {}); // checked below
      }, 0);
    });
    await jobs.start();
    await jobs.runOnce("inc", { in: 0 }, { chatId: 1, data: {} });
    await jobs.runOnce("inc", { in: 0 }, { chatId: 1, data: { fail: true } });
    await jobs.runOnce("keyless", { in: 0 });
    await jobs.runOnce("late", { in: 0 }, { chatId: 1 });
    while ((await jobs.list()).length > 0 || kept === undefined) await sleep(5);
    await jobs.stop();
    const n = await data.withData({ api: bot.api, chatId: 1 }, async (d) => (await d.chatData).n);
    expect(n).toBe(1); // the failed run's write was dropped
    expect(outcomes).toEqual(["BOT_DISPATCHER_SESSION_NO_KEY"]);
    await expect(kept).rejects.toMatchObject({ code: "BOT_JOBS_INVALID_OPTIONS" });
    expect(errors).toHaveLength(1);
  });
});
