import { randomBytes } from "node:crypto";
import { ManualClock } from "@bot/emulator";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BullMQDriver, type BullMQRedisClient } from "../src/bullmq.js";
import { type JobRecord, Jobs, type JobsBot, MemoryDriver } from "../src/index.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const bot: JobsBot<object> = { api: {}, reportError: async () => {} };

/** The real memory driver, counting full reads (`list()`), which cancel/replace must not need. */
class CountingDriver extends MemoryDriver {
  lists = 0;
  override list(): Promise<JobRecord[]> {
    this.lists++;
    return super.list();
  }
}

describe("lookups by name and chat on the memory driver", () => {
  it("replace and cancel by label with 10,000 unrelated jobs read only the matches", async () => {
    const driver = new CountingDriver({ clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    const jobs = new Jobs({ bot, driver });
    jobs.define("timeout", () => {});
    jobs.define("other", () => {});
    for (let i = 0; i < 10_000; i++)
      await jobs.runOnce("other", { in: 60_000 }, { chatId: i % 100, name: `o${i % 7}` });
    const a = await jobs.runOnce("timeout", { in: 1_000 }, { chatId: 1, name: "t", replace: true });
    const b = await jobs.runOnce("timeout", { in: 2_000 }, { chatId: 1, name: "t", replace: true });
    await jobs.runOnce("timeout", { in: 3_000 }, { chatId: 2, name: "t", replace: true });
    expect(driver.lists).toBe(0);
    // the replaced job is gone, the other chat's job with the same label stays
    expect((await jobs.list({ name: "t", chatId: 1 })).map((j) => j.id)).toEqual([b.id]);
    expect((await jobs.list({ name: "t" })).length).toBe(2);
    // by handler name, though labelled otherwise
    expect((await jobs.list({ name: "timeout", chatId: 2 })).map((j) => j.label)).toEqual(["t"]);
    expect(await jobs.cancel(a.id)).toBe(0);
    expect(await jobs.pause(b.id)).toBe(true);
    expect((await jobs.list({ name: "t", chatId: 1 }))[0]?.paused).toBe(true);
    expect(await jobs.resume(b.id)).toBe(true);
    expect(await jobs.cancel(b.id)).toBe(1);
    // a label, not a handler name, is what cancel matches
    expect(await jobs.cancel("timeout")).toBe(0);
    expect(await jobs.cancel("t")).toBe(1);
    expect(driver.lists).toBe(0);
    expect(await jobs.cancel("o3", { chatId: 5 })).toBeGreaterThan(0);
    expect((await jobs.list({ name: "o3", chatId: 5 })).length).toBe(0);
    expect(driver.lists).toBe(0);
    // 10,000 jobs with two tags (name and label) each, under "any chat" and their chat
    const left = (await jobs.list()).length;
    expect(driver.indexSize).toBe(left * 4);
  });

  it("a one-shot job that ran leaves no index entry behind", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const driver = new MemoryDriver({ clock });
    const jobs = new Jobs({ bot, driver });
    let ran = 0;
    jobs.define("ping", () => {
      ran++;
    });
    await jobs.start();
    await jobs.runOnce("ping", { in: 10 }, { chatId: 3, replace: true });
    await jobs.runOnce("ping", { in: 10 }, { chatId: 3, replace: true });
    expect(driver.indexSize).toBe(2);
    await clock.advanceAsync(10);
    expect(ran).toBe(1);
    expect(driver.indexSize).toBe(0);
    await jobs.stop();
  });
});

describe("lookups by name and chat on the BullMQ driver", () => {
  let redis: ReturnType<typeof createClient>;
  const prefixes: string[] = [];
  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    redis.on("error", () => {});
    await redis.connect();
  });
  afterAll(async () => {
    for (const p of prefixes) {
      let cursor = "0";
      do {
        const r = await redis.scan(cursor, { MATCH: `*${p}*`, COUNT: 500 });
        cursor = String(r.cursor);
        if (r.keys.length > 0) await redis.del(r.keys);
      } while (cursor !== "0");
    }
    await redis.close();
  });

  /** The Redis commands the driver sends through its client (BullMQ's own connections aside). */
  function recording(): { client: BullMQRedisClient; sent: string[] } {
    const sent: string[] = [];
    const client = new Proxy(redis, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== "function") return v;
        if (prop === "duplicate") return v.bind(target);
        return (...args: unknown[]) => {
          const [first, second] = args;
          // a script is named by the first command it runs
          const script = (second as { keys?: string[] } | undefined)?.keys;
          sent.push(script === undefined ? `${String(prop)} ${String(first)}` : String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as unknown as BullMQRedisClient;
    return { client, sent };
  }

  const indexKeys = async (p: string) => {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const r = await redis.scan(cursor, { MATCH: `*${p}*:index:*`, COUNT: 1000 });
      cursor = String(r.cursor);
      keys.push(...r.keys);
    } while (cursor !== "0");
    return keys;
  };

  it("replace on a queue of 1,000 unrelated jobs reads no whole records hash", {
    timeout: 120_000,
  }, async () => {
    const p = `test:jobs:${randomBytes(6).toString("hex")}`;
    prefixes.push(p);
    const { client, sent } = recording();
    const driver = new BullMQDriver({ client, prefix: p });
    const jobs = new Jobs({ bot, driver });
    jobs.define("timeout", () => {});
    jobs.define("other", () => {});
    for (let i = 0; i < 1_000; i++)
      await jobs.runOnce("other", { in: 3_600_000 }, { chatId: i % 50, name: `t${i % 3}` });
    await jobs.runOnce("timeout", { in: 3_600_000 }, { chatId: 7, name: "t" });
    sent.length = 0;
    const last = await jobs.runOnce(
      "timeout",
      { in: 3_600_000 },
      { chatId: 7, name: "t", replace: true },
    );
    // the label's index set and the id lookup, the old job's read and delete, the new one's write
    expect(sent.filter((c) => /^h(Vals|GetAll)/i.test(c))).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(5);
    expect((await jobs.list({ name: "t", chatId: 7 })).map((j) => j.id)).toEqual([last.id]);
    expect(await jobs.cancel("t", { chatId: 7 })).toBe(1);
    expect(sent.filter((c) => /^h(Vals|GetAll)/i.test(c))).toEqual([]);
    // the index sets hold exactly the jobs left, and lose each removed one
    const keys = await indexKeys(p);
    const chat7 = keys.filter((k) => k.endsWith(":index:7:t") || k.endsWith(":index:7:timeout"));
    expect(chat7).toEqual([]);
    let entries = 0;
    for (const k of keys) entries += await redis.sCard(k);
    expect(entries).toBe(1_000 * 4);
    // the index is in the records' hash slot (Redis Cluster): its keys have the records key as tag
    expect(keys.every((k) => k.startsWith(`{${p}:jobs:records}:index:`))).toBe(true);
    await driver.close();
  });

  it("a one-shot run deletes its index entries with its record", { timeout: 60_000 }, async () => {
    const p = `test:jobs:${randomBytes(6).toString("hex")}`;
    prefixes.push(p);
    const driver = new BullMQDriver({ client: redis as unknown as BullMQRedisClient, prefix: p });
    const jobs = new Jobs({ bot, driver });
    let ran = 0;
    jobs.define("ping", () => {
      ran++;
    });
    await jobs.runOnce("ping", { in: 50 }, { chatId: 9, name: "p" });
    expect((await indexKeys(p)).length).toBe(4);
    await jobs.start();
    const end = Date.now() + 30_000;
    while (ran === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(ran).toBe(1);
    expect(await indexKeys(p)).toEqual([]);
    await jobs.stop();
  });
});
