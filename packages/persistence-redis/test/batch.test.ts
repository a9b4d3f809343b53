import { isStorageUnavailable } from "@bot/dispatcher";
import { afterEach, describe, expect, it } from "vitest";
import { RedisStorage, RedisStorageError, StorageUnavailableError } from "../src/index.js";
import { connect, dropPrefix, type TestClient, uniquePrefix } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  name: string,
): Promise<{ client: TestClient; storage: RedisStorage; prefix: string }> {
  const client = await connect();
  const prefix = uniquePrefix(name);
  cleanups.push(async () => {
    await dropPrefix(client, prefix);
    await client.close();
  });
  return { client, storage: new RedisStorage({ client, prefix }), prefix };
}

/** The commands Redis ran so far (`INFO commandstats`), by name. */
async function calls(client: TestClient): Promise<Map<string, number>> {
  const info = await client.info("commandstats");
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm))
    out.set(m[1] as string, Number(m[2]));
  return out;
}

describe("scripts called in the same turn", () => {
  it("run as one command on Redis, each call with its own keys, arguments and reply", async () => {
    const { client, storage } = await setup("batch");
    const before = (await calls(client)).get("evalsha") ?? 0;
    // 40 updates for 40 chats and 10 writes racing for one key, all started in one turn
    const chats = Array.from({ length: 40 }, (_, i) => storage.setIfAbsent(`chat:${i}`, { n: i }));
    const racers = Array.from({ length: 10 }, (_, i) => storage.setIfAbsent("shared", { by: i }));
    expect(await Promise.all(chats)).toEqual(Array(40).fill(true));
    const won = await Promise.all(racers);
    // one batch runs its calls in order: the first one wins, as with separate scripts
    expect(won).toEqual([true, ...Array(9).fill(false)]);
    expect((await storage.get("shared"))?.value).toEqual({ by: 0 });
    for (const i of [0, 17, 39]) expect((await storage.get(`chat:${i}`))?.value).toEqual({ n: i });
    const sent = ((await calls(client)).get("evalsha") ?? 0) - before;
    // Other test files share this Redis (INFO counts their scripts too), so leave room for theirs:
    // our 50 calls sent one by one would alone be 50.
    expect(sent).toBeLessThan(30);
  });

  it("leases taken in one turn: each all or nothing, later ones for a held key wait, every write lands", async () => {
    const { storage } = await setup("batch-lease");
    const bump = async (keys: string[]) => {
      const lease = await storage.lock(keys, { ttlMs: 5_000, waitMs: 5_000 });
      const writes = lease.keys.map((key, i) => {
        const entry = lease.entries[i] as { value: { n: number }; version: string } | undefined;
        return {
          key,
          expectedVersion: entry?.version ?? null,
          value: { n: (entry?.value.n ?? 0) + 1 },
        };
      });
      const outcome = await lease.commit(writes, { release: true });
      expect(outcome.ok).toBe(true);
    };
    await Promise.all([
      ...Array.from({ length: 30 }, () => bump(["a", "b"])),
      ...Array.from({ length: 30 }, () => bump(["b", "a"])),
      ...Array.from({ length: 30 }, () => bump(["a"])),
    ]);
    expect((await storage.get("a"))?.value).toEqual({ n: 90 });
    expect((await storage.get("b"))?.value).toEqual({ n: 60 });
  });

  it("calls of different scripts in one turn reach Redis in the order the scripts were first called", async () => {
    const { storage } = await setup("batch-order");
    // one turn: a write, then a lease on the same key; the lease sees the write
    const written = storage.set("k", { n: 1 });
    const leased = storage.lock(["k"], { ttlMs: 5_000, waitMs: 0 });
    await written;
    const lease = await leased;
    expect(lease.entries[0]?.value).toEqual({ n: 1 });
    // and the other way round: a lease, then a write that lands after it (and under it)
    await lease.release();
    const first = storage.lock(["k"], { ttlMs: 5_000, waitMs: 0 });
    const second = storage.set("k", { n: 2 });
    const held = await first;
    await second;
    expect(held.entries[0]?.value).toEqual({ n: 1 });
    expect((await storage.get("k"))?.value).toEqual({ n: 2 });
    await held.release();
  });

  it("leases taken in one turn with different TTLs each keep their own", async () => {
    const { storage } = await setup("batch-ttl");
    // one turn: both go to Redis in one command, and each must keep its own TTL
    const [short, long] = await Promise.all([
      storage.lock(["short"], { ttlMs: 150, waitMs: 0 }),
      storage.lock(["long"], { ttlMs: 20_000, waitMs: 0 }),
    ]);
    expect(short.keys).toEqual(["short"]);
    await new Promise((r) => setTimeout(r, 400));
    // the short lease has expired: its key can be taken again; the long one is still held
    const again = await storage.lock(["short"], { ttlMs: 1_000, waitMs: 0 });
    await again.release();
    await expect(storage.lock(["long"], { ttlMs: 1_000, waitMs: 0 })).rejects.toMatchObject({
      code: "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT",
    });
    expect(await long.release()).toBe(true);
  });
});

describe("a lease commit given the value's JSON", () => {
  it("writes that JSON as is, without serialising the value again (one key and several)", async () => {
    const { storage } = await setup("json");
    let serialised = 0;
    const value = {
      toJSON() {
        serialised += 1;
        return { n: 1 };
      },
    };
    const one = await storage.lock(["a"], { ttlMs: 5_000, waitMs: 1_000 });
    expect(
      await one.commit([{ key: "a", expectedVersion: null, value, json: '{"n":1}' }], {
        release: true,
      }),
    ).toMatchObject({ ok: true });
    const two = await storage.lock(["b", "c"], { ttlMs: 5_000, waitMs: 1_000 });
    const writes = ["b", "c"].map((key) => ({
      key,
      expectedVersion: null,
      value,
      json: '{"n":2}',
    }));
    expect(await two.commit(writes, { release: true })).toMatchObject({ ok: true });
    expect(serialised).toBe(0);
    expect((await storage.get("a"))?.value).toEqual({ n: 1 });
    expect((await storage.get("c"))?.value).toEqual({ n: 2 });
    // without it, the value is serialised
    const three = await storage.lock(["d"], { ttlMs: 5_000, waitMs: 1_000 });
    await three.commit([{ key: "d", expectedVersion: null, value }], { release: true });
    expect(serialised).toBe(1);
    expect((await storage.get("d"))?.value).toEqual({ n: 1 });
  });
});

describe("a command Redis refuses", () => {
  it("is a RedisStorageError (BOT_REDIS_COMMAND_FAILED), not an outage", async () => {
    const { client, storage, prefix } = await setup("refused");
    // a key of the store's namespace holding a plain string: every hash command gets WRONGTYPE
    await client.set(`${prefix}{chat:1}`, "not a hash");
    const read = await storage.get("chat:1").catch((e: unknown) => e);
    const write = await storage.compareAndSet("chat:1", null, { n: 1 }).catch((e: unknown) => e);
    for (const error of [read, write]) {
      expect(error).toBeInstanceOf(RedisStorageError);
      expect(error).not.toBeInstanceOf(StorageUnavailableError);
      expect(error).toMatchObject({ code: "BOT_REDIS_COMMAND_FAILED" });
      expect(String((error as Error).message)).toMatch(/WRONGTYPE/);
      // the dispatcher does not retry it as a transient outage
      expect(isStorageUnavailable(error)).toBe(false);
    }
  });
});
