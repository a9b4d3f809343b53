import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStorage } from "../src/index.js";
import { connect, dropPrefix, uniquePrefix } from "./helpers.js";

// What a lease leaves in Redis: one hash per storage key (value, lock, fence), with a TTL
// whenever the key would otherwise outlive its value. Nothing else, nothing forever.

let client: Awaited<ReturnType<typeof connect>>;
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  await client.close();
});

async function keysOf(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 }))
    out.push(...(Array.isArray(batch) ? batch : [batch]));
  return out.sort();
}

describe("RedisStorage key layout", () => {
  it("a lease on a key that stays absent leaves no Redis key behind", async () => {
    const prefix = uniquePrefix("layout-absent");
    const storage = new RedisStorage({ client, prefix });
    try {
      const lease = await storage.lock(["a", "b"], { ttlMs: 10_000, waitMs: 0 });
      // while held: one key per storage key, each expiring with the lease
      expect(await keysOf(prefix)).toHaveLength(2);
      for (const k of await keysOf(prefix)) {
        const ttl = await client.pTTL(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(10_000);
      }
      expect(await lease.release()).toBe(true);
      expect(await keysOf(prefix)).toEqual([]);
      // a commit that deletes leaves nothing either
      await storage.set("c", { n: 1 });
      const second = await storage.lock(["c"], { ttlMs: 10_000, waitMs: 0 });
      const version = second.entries[0]?.version ?? null;
      const outcome = await second.commit([{ key: "c", expectedVersion: version, delete: true }], {
        release: true,
      });
      expect(outcome.ok).toBe(true);
      expect(await keysOf(prefix)).toEqual([]);
    } finally {
      await dropPrefix(client, prefix);
    }
  });

  it("a session written under a lease is one persistent key; its lock and fence live inside it", async () => {
    const prefix = uniquePrefix("layout-session");
    const storage = new RedisStorage({ client, prefix });
    try {
      let token = 0;
      for (let i = 0; i < 3; i++) {
        const lease = await storage.lock(["s"], { ttlMs: 10_000, waitMs: 0 });
        expect(lease.token).toBeGreaterThan(token);
        token = lease.token;
        const outcome = await lease.commit(
          [{ key: "s", expectedVersion: lease.entries[0]?.version ?? null, value: { n: i } }],
          { release: true },
        );
        expect(outcome.ok).toBe(true);
      }
      const keys = await keysOf(prefix);
      expect(keys).toHaveLength(1);
      expect(await client.pTTL(keys[0] as string)).toBe(-1);
      expect((await storage.get("s"))?.value).toEqual({ n: 2 });
      // a token stays above every earlier one even after the key is gone
      await storage.delete("s");
      expect(await keysOf(prefix)).toEqual([]);
      const again = await storage.lock(["s"], { ttlMs: 10_000, waitMs: 0 });
      expect(again.token).toBeGreaterThan(token);
      await again.release();
    } finally {
      await dropPrefix(client, prefix);
    }
  });

  it("a value whose TTL ends while its key is locked expires, the lock holds, then the key goes", async () => {
    const prefix = uniquePrefix("layout-ttl");
    const storage = new RedisStorage({ client, prefix });
    try {
      await storage.set("t", { n: 1 }, { ttlMs: 150 });
      const lease = await storage.lock(["t"], { ttlMs: 600, waitMs: 0 });
      expect(lease.entries[0]?.value).toEqual({ n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await storage.get("t")).toBeUndefined();
      await expect(storage.lock(["t"], { ttlMs: 1000, waitMs: 0 })).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT",
      });
      expect(await lease.release()).toBe(true);
      expect(await keysOf(prefix)).toEqual([]);
      // and with a TTL longer than the lock, release gives the key back its own expiry
      await storage.set("u", { n: 2 }, { ttlMs: 60_000 });
      const other = await storage.lock(["u"], { ttlMs: 120_000, waitMs: 0 });
      await other.release();
      const ttl = await client.pTTL((await keysOf(prefix))[0] as string);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await dropPrefix(client, prefix);
    }
  });
});
