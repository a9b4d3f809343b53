import { Bot } from "@bot/dispatcher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStorage } from "../src/index.js";
import { RedisUpdateQueue } from "../src/queue/index.js";
import { connect, dropPrefix, REDIS_URL, uniquePrefix } from "./helpers.js";
import { checkLog, message, WorkerProcess, waitForLog } from "./queue-helpers.js";

let client: Awaited<ReturnType<typeof connect>>;
const prefixes: string[] = [];
const procs: WorkerProcess[] = [];
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.kill("SIGKILL");
  for (const p of prefixes) await dropPrefix(client, p);
  await client.close();
});

function fresh(name: string): string {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  return prefix;
}

const LEASE_MS = 1_500;

function workers(prefix: string, n: number, extra: Record<string, unknown> = {}) {
  const list = Array.from(
    { length: n },
    () =>
      new WorkerProcess({
        url: REDIS_URL,
        prefix,
        name: "q",
        partitions: 16,
        leaseMs: LEASE_MS,
        mode: "work",
        concurrency: 10,
        maxDelayMs: 20,
        dedupLeaseMs: LEASE_MS,
        ...extra,
      }),
  );
  procs.push(...list);
  return list;
}

/** `count` updates over `chats` chats, round robin, appended in update_id order. */
async function produce(prefix: string, count: number, chats: number): Promise<number[]> {
  const queue = new RedisUpdateQueue({ client, name: "q", partitions: 16, prefix });
  const ids: number[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      batch.push(message(j + 1, 1_000 + (j % chats)));
      ids.push(j + 1);
    }
    await queue.append(batch);
  }
  return ids;
}

/** Every update's side effect recorded exactly once, in per-chat order. */
function expectExactlyOnce(result: Awaited<ReturnType<typeof checkLog>>, n: number): void {
  expect(result).toEqual({ records: n, distinct: n, lost: 0, duplicated: 0, inversions: 0 });
}

async function drained(prefix: string): Promise<void> {
  const queue = new RedisUpdateQueue({ client, name: "q", partitions: 16, prefix });
  for (let i = 0; i < 200; i++) {
    if ((await queue.stats()).depth === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the queue did not drain");
}

describe("RedisUpdateQueue basics", () => {
  it("rejects bad options with a typed error", () => {
    expect(() => new RedisUpdateQueue({ client, name: "a{b}", partitions: 4 })).toThrow(
      expect.objectContaining({ code: "BOT_REDIS_INVALID_OPTIONS" }),
    );
    expect(() => new RedisUpdateQueue({ client, name: "a", partitions: 0 })).toThrow(
      expect.objectContaining({ code: "BOT_REDIS_INVALID_OPTIONS" }),
    );
    expect(() => new RedisUpdateQueue({ client: {} as never, name: "a", partitions: 2 })).toThrow(
      expect.objectContaining({ code: "BOT_REDIS_INVALID_OPTIONS" }),
    );
  });

  it("keeps a chat in one partition; the backlog limit refuses appends (BOT_REDIS_QUEUE_FULL); stats count depth", async () => {
    const prefix = fresh("queue-basics");
    const queue = new RedisUpdateQueue({ client, name: "b", partitions: 8, prefix, maxBacklog: 3 });
    expect(queue.partitionOf(message(1, 77))).toBe(queue.partitionOf(message(2, 77)));
    for (let i = 1; i <= 3; i++) await queue.enqueue(message(i, 77));
    await expect(queue.enqueue(message(4, 77))).rejects.toMatchObject({
      code: "BOT_REDIS_QUEUE_FULL",
    });
    await expect(queue.enqueue({ update_id: 1.5 } as never)).rejects.toMatchObject({
      code: "BOT_REDIS_INVALID_VALUE",
    });
    const stats = await queue.stats();
    expect(stats.depth).toBe(3);
    const p = stats.partitions[queue.partitionOf(message(1, 77))];
    expect(p).toMatchObject({ depth: 3, pending: 0, lag: 3, owner: undefined });
  });

  it("bot.work in one process: every update once, each chat in order, acknowledged and trimmed", async () => {
    const prefix = fresh("queue-inproc");
    const queue = new RedisUpdateQueue({ client, name: "q", partitions: 16, prefix, leaseMs: 600 });
    const ids = await produce(prefix, 600, 30);
    const storage = new RedisStorage({ client, prefix });
    const bot = new Bot("4242:queue-test-token", {
      botInfo: { id: 4242, is_bot: true, first_name: "q", username: "q_bot" } as never,
      storage,
    });
    bot.on("message", async (ctx) => {
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      await client.rPush(`${prefix}log`, `${ctx.chat.id}:${ctx.update.update_id}`);
    });
    const stop = new AbortController();
    const working = bot.work(queue, { concurrency: 8, signal: stop.signal });
    await waitForLog(client, prefix, ids.length);
    await drained(prefix);
    const stats = await queue.stats();
    expect(stats.workers).toHaveLength(1);
    expect(stats.partitions.every((p) => p.owner === stats.workers[0])).toBe(true);
    stop.abort();
    await working;
    const after = await queue.stats();
    expect(after.workers).toEqual([]);
    expect(after.partitions.every((p) => p.owner === undefined)).toBe(true);
    expect(await checkLog(client, prefix, ids)).toEqual({
      records: 600,
      distinct: 600,
      lost: 0,
      duplicated: 0,
      inversions: 0,
    });
    // Acknowledged entries are deleted: nothing is left in the streams.
    for (let p = 0; p < 16; p++) expect(await client.xLen(`${prefix}{queue:q:${p}}:s`)).toBe(0);
  });
});

describe("worker processes", () => {
  it("4 workers, 10,000 updates over 200 chats, handlers 0-20 ms: 0 lost, 0 inversions, each once", async () => {
    const prefix = fresh("queue-4w");
    const list = workers(prefix, 4);
    await Promise.all(list.map((w) => w.waitFor("ready")));
    const started = Date.now();
    const ids = await produce(prefix, 10_000, 200);
    await waitForLog(client, prefix, ids.length);
    await drained(prefix);
    const elapsed = Date.now() - started;
    for (const w of list) w.kill("SIGTERM");
    await Promise.all(list.map((w) => w.exited));
    const result = await checkLog(client, prefix, ids);
    const owned = list.map((w) => w.events.filter((e) => e.type === "acquired").length);
    console.log("[queue] 4 workers, 10k updates:", { ...result, elapsedMs: elapsed, owned });
    expectExactlyOnce(result, 10_000);
    // Every worker took a share.
    expect(owned.every((n) => n > 0)).toBe(true);
  }, 60_000);

  it("kill -9 one worker mid-run, twice at different points: 0 lost, per-chat order kept, reruns only of what was in flight", async () => {
    const prefix = fresh("queue-crash");
    const list = workers(prefix, 4);
    await Promise.all(list.map((w) => w.waitFor("ready")));
    const ids = await produce(prefix, 4_000, 200);
    await waitForLog(client, prefix, 1_000);
    (list[0] as WorkerProcess).kill("SIGKILL");
    await waitForLog(client, prefix, 2_600);
    (list[1] as WorkerProcess).kill("SIGKILL");
    await waitForLog(client, prefix, ids.length);
    await drained(prefix);
    const survivors = list.slice(2);
    for (const w of survivors) w.kill("SIGTERM");
    await Promise.all(list.map((w) => w.exited));
    const result = await checkLog(client, prefix, ids);
    const claimed = survivors
      .flatMap((w) => w.events)
      .filter((e) => e.type === "claimed")
      .reduce((n, e) => n + (e.count ?? 0), 0);
    console.log("[queue] kill -9 twice, 4k updates:", {
      ...result,
      rerunSideEffects: result.duplicated,
      entriesClaimedFromOthers: claimed,
    });
    expect(result.lost).toBe(0);
    expect(result.inversions).toBe(0);
    // A side effect repeats only for a handler that was running when its worker died: at most
    // `concurrency` (10) per kill.
    expect(result.duplicated).toBeLessThanOrEqual(20);
    // The dead workers' unacknowledged entries were claimed and rerun.
    expect(claimed).toBeGreaterThan(0);
  }, 60_000);

  it("graceful stop of one worker while others run: 0 lost, 0 duplicated, its partitions taken over within one lease period", async () => {
    const prefix = fresh("queue-graceful");
    const list = workers(prefix, 4);
    await Promise.all(list.map((w) => w.waitFor("ready")));
    const ids = await produce(prefix, 3_000, 200);
    await waitForLog(client, prefix, 1_000);
    const leaving = list[0] as WorkerProcess;
    // Stop it while it owns partitions (its latest tick says so), so it has some to give back.
    const mark = Date.now();
    await leaving.waitUntil(
      (e) =>
        e.type === "worker-tick" && e.t >= mark && Array.isArray(e.owned) && e.owned.length > 0,
      "a tick owning partitions",
    );
    const stopAt = Date.now();
    leaving.kill("SIGTERM");
    expect(await leaving.exited).toBe(0);
    // The partitions it gave back at its stop (not earlier rebalancing).
    const released = leaving.events.filter(
      (e) => e.type === "released" && e.released === true && (e.at ?? 0) >= stopAt,
    );
    // on failure, what the leaving worker saw around its stop
    const around = leaving.events
      .filter((e) => e.t >= stopAt - 2_000 && e.type !== "worker-tick")
      .map((e) => ({ ...e, ms: e.t - stopAt }));
    expect(released.length, JSON.stringify(around)).toBeGreaterThan(0);
    const others = list.slice(1);
    await waitForLog(client, prefix, ids.length);
    await drained(prefix);
    const takeovers = released.map((r) => {
      const next = others
        .flatMap((w) => w.events)
        .filter(
          (e) => e.type === "acquired" && e.partition === r.partition && (e.at ?? 0) >= (r.at ?? 0),
        )
        .sort((a, b) => (a.at ?? 0) - (b.at ?? 0))[0];
      return next === undefined ? Number.POSITIVE_INFINITY : (next.at ?? 0) - (r.at ?? 0);
    });
    for (const w of others) w.kill("SIGTERM");
    await Promise.all(others.map((w) => w.exited));
    const result = await checkLog(client, prefix, ids);
    console.log("[queue] graceful stop, 3k updates:", {
      ...result,
      partitionsReleased: released.length,
      maxTakeoverMs: Math.max(...takeovers),
      leaseMs: LEASE_MS,
    });
    expectExactlyOnce(result, ids.length);
    expect(Math.max(...takeovers)).toBeLessThan(LEASE_MS);
  }, 60_000);

  it("a graceful stop whose handlers outlast the lease keeps its partitions until they finish: none rerun elsewhere", async () => {
    const prefix = fresh("queue-slow-stop");
    // Each handler runs 2.5 s, longer than the 1 s lease; the stop's grace (5 s) covers it.
    const list = workers(prefix, 2, { leaseMs: 1_000, slowMs: 2_500, dedupLeaseMs: 10_000 });
    const [leaving, staying] = list as [WorkerProcess, WorkerProcess];
    await Promise.all(list.map((w) => w.waitFor("ready")));
    // Settled shares (8 partitions each) before anything is produced.
    const settled = (w: WorkerProcess) =>
      w.events.some((e) => e.type === "worker-tick" && (e.owned as number[]).length === 8);
    for (let i = 0; i < 200 && !(settled(leaving) && settled(staying)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(settled(leaving) && settled(staying)).toBe(true);
    const ids = await produce(prefix, 16, 16);
    // Let the leaving worker's handlers start, then stop it while they run.
    await new Promise((r) => setTimeout(r, 500));
    const stopAt = Date.now();
    leaving.kill("SIGTERM");
    expect(await leaving.exited).toBe(0);
    const afterStop = leaving.events.filter((e) => (e.at ?? 0) >= stopAt);
    expect(afterStop.filter((e) => e.type === "lost")).toEqual([]);
    const released = afterStop.filter((e) => e.type === "released");
    expect(released.length).toBe(8);
    expect(released.every((e) => e.released === true)).toBe(true);
    await waitForLog(client, prefix, ids.length);
    await drained(prefix);
    staying.kill("SIGTERM");
    await staying.exited;
    const result = await checkLog(client, prefix, ids);
    expectExactlyOnce(result, ids.length);
  }, 60_000);
});
