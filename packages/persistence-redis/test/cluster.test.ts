import { Bot } from "@bot/dispatcher";
import { createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStorage } from "../../dispatcher/test/runtime-storage-conformance.js";
import { RedisStorage, redisKey } from "../src/index.js";
import { RedisUpdateQueue } from "../src/queue/index.js";
import { startCluster, type TestCluster } from "./cluster.js";
import { uniquePrefix } from "./helpers.js";
import { message } from "./queue-helpers.js";

let cluster: TestCluster;
let client: ReturnType<typeof createCluster>;

beforeAll(async () => {
  cluster = await startCluster();
  client = createCluster({
    rootNodes: cluster.ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })),
  });
  client.on("error", () => {});
  await client.connect();
}, 60_000);
afterAll(async () => {
  await client?.close().catch(() => {});
  await cluster?.stop();
});

describeStorage(
  "RedisStorage on a 3-master Redis Cluster",
  async () => ({
    storage: new RedisStorage({ client, prefix: uniquePrefix("cluster") }),
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    // The cluster is thrown away after the file: nothing to clean per test.
  }),
  { lock: true },
);

describe("keys on a cluster", () => {
  it("spreads storage keys over the masters, one slot per storage key", async () => {
    const storage = new RedisStorage({ client, prefix: uniquePrefix("spread") });
    for (let i = 0; i < 60; i++) await storage.set(`chat:${i}`, i);
    const slots = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const k = redisKey(storage.prefix, `chat:${i}`);
      slots.add(Number(await client.sendCommand(k, true, ["CLUSTER", "KEYSLOT", k])));
    }
    expect(slots.size).toBeGreaterThan(30);
    let reached = 0;
    for (const m of client.masters) {
      const node = await client.nodeClient(m);
      if (Number(await node.dbSize()) > 0) reached++;
    }
    expect(reached).toBe(3);
  });
});

describe("the update queue on a cluster", () => {
  it("each partition's keys share one slot; bot.work runs every update once, each chat in order", async () => {
    const prefix = uniquePrefix("cluster-queue");
    const queue = new RedisUpdateQueue({ client, name: "cq", partitions: 6, prefix, leaseMs: 600 });
    for (let p = 0; p < 6; p++) {
      const slot = async (k: string) =>
        Number(await client.sendCommand(k, true, ["CLUSTER", "KEYSLOT", k]));
      const tag = `queue:cq:${p}`;
      const stream = await slot(redisKey(prefix, tag, ":s"));
      expect(await slot(redisKey(prefix, tag, ":lock"))).toBe(stream);
      expect(await slot(redisKey(prefix, tag, ":fence"))).toBe(stream);
      expect(await slot(redisKey(prefix, tag, ":owner"))).toBe(stream);
    }
    const updates = Array.from({ length: 300 }, (_, i) => message(i + 1, 500 + (i % 20)));
    await queue.append(updates);
    const seen: string[] = [];
    const bot = new Bot("4242:cluster-queue-token", {
      botInfo: { id: 4242, is_bot: true, first_name: "c", username: "c_bot" } as never,
      storage: new RedisStorage({ client, prefix }),
    });
    bot.on("message", (ctx) => {
      seen.push(`${ctx.chat.id}:${ctx.update.update_id}`);
    });
    const stop = new AbortController();
    const working = bot.work(queue, { concurrency: 5, signal: stop.signal });
    for (let i = 0; i < 400 && seen.length < 300; i++) await new Promise((r) => setTimeout(r, 25));
    const stats = await queue.stats();
    stop.abort();
    await working;
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
    const last = new Map<string, number>();
    for (const s of seen) {
      const [chat, id] = s.split(":").map(Number) as [number, number];
      expect(id).toBeGreaterThan(last.get(String(chat)) ?? 0);
      last.set(String(chat), id);
    }
    expect(stats.workers).toHaveLength(1);
    expect(stats.partitions.every((p) => p.owner === stats.workers[0])).toBe(true);
    expect((await queue.stats()).depth).toBe(0);
  }, 30_000);
});
