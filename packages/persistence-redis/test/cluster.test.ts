import { createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStorage } from "../../dispatcher/test/runtime-storage-conformance.js";
import { RedisStorage, redisKey } from "../src/index.js";
import { startCluster, type TestCluster } from "./cluster.js";
import { uniquePrefix } from "./helpers.js";

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
