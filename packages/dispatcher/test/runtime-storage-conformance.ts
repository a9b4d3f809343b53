/**
 * The behaviour every `Storage` must have. `@bot/persistence-redis` runs the same suite:
 * `describeStorage("RedisStorage", async () => ({ storage, advance, cleanup }))`.
 * A store with the optional `lock` capability passes `{ lock: true }` to run the lock contract too
 * (mutual exclusion, wait deadline, expiry, fencing, release by a non-holder refused, atomic
 * fenced commits); `MemoryStorage` does.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StorageLease } from "../src/advanced.js";
import type { Storage } from "../src/index.js";

export interface StorageHarness {
  readonly storage: Storage;
  /**
   * Moves the store's clock forward (a fake clock), or waits for real (a networked store).
   * TTL tests use short TTLs (50 ms) so a real wait stays short.
   */
  advance(ms: number): Promise<void>;
  /** Removes whatever the test wrote (e.g. its Redis key prefix). */
  cleanup?(): Promise<void>;
}

/**
 * Registers the conformance tests of one `Storage` implementation.
 *
 * @param name The implementation's name, used as the describe title.
 * @param factory A fresh, empty store per test.
 * @param options `lock: true` for a store with the `lock` capability.
 */
export function describeStorage(
  name: string,
  factory: () => Promise<StorageHarness>,
  options: { readonly lock?: boolean } = {},
): void {
  if (options.lock === true) describeLock(name, factory);
  describe(`Storage conformance: ${name}`, () => {
    let harness: StorageHarness | undefined;
    const make = async () => {
      harness = await factory();
      return harness;
    };
    afterEach(async () => {
      await harness?.cleanup?.();
      harness = undefined;
    });

    it("returns undefined for a missing key", async () => {
      const { storage } = await make();
      expect(await storage.get("missing")).toBeUndefined();
    });

    it("sets and gets JSON values with a version", async () => {
      const { storage } = await make();
      const value = { n: 1, list: [1, "two", null], nested: { ok: true } };
      const version = await storage.set("k", value);
      expect(typeof version).toBe("string");
      expect(await storage.get("k")).toEqual({ value, version });
    });

    it("copies values in and out", async () => {
      const { storage } = await make();
      const value = { n: 1 };
      await storage.set("k", value);
      value.n = 2;
      const read = await storage.get<{ n: number }>("k");
      expect(read?.value).toEqual({ n: 1 });
      read!.value.n = 3;
      expect((await storage.get("k"))?.value).toEqual({ n: 1 });
    });

    it("changes the version on every write, even with the same value", async () => {
      const { storage } = await make();
      const a = await storage.set("k", 1);
      const b = await storage.set("k", 1);
      expect(a).not.toBe(b);
    });

    it("does not reuse a version after delete and re-create", async () => {
      const { storage } = await make();
      const a = await storage.set("k", 1);
      await storage.delete("k");
      const b = await storage.set("k", 1);
      expect(b).not.toBe(a);
      expect(await storage.compareAndSet("k", a, 2)).toBeUndefined();
    });

    it("deletes and tells whether the key existed", async () => {
      const { storage } = await make();
      await storage.set("k", "v");
      expect(await storage.delete("k")).toBe(true);
      expect(await storage.delete("k")).toBe(false);
      expect(await storage.get("k")).toBeUndefined();
    });

    it("compareAndSet with null writes only an absent key", async () => {
      const { storage } = await make();
      const v1 = await storage.compareAndSet("k", null, "first");
      expect(v1).toBeTypeOf("string");
      expect(await storage.compareAndSet("k", null, "second")).toBeUndefined();
      expect((await storage.get("k"))?.value).toBe("first");
    });

    it("compareAndSet writes only when the version matches", async () => {
      const { storage } = await make();
      const v1 = await storage.set("k", 1);
      const v2 = await storage.compareAndSet("k", v1, 2);
      expect(v2).toBeTypeOf("string");
      expect(await storage.compareAndSet("k", v1, 3)).toBeUndefined();
      expect(await storage.get("k")).toEqual({ value: 2, version: v2 });
    });

    it("compareAndSet against a deleted key fails", async () => {
      const { storage } = await make();
      const v1 = await storage.set("k", 1);
      await storage.delete("k");
      expect(await storage.compareAndSet("k", v1, 2)).toBeUndefined();
      expect(await storage.get("k")).toBeUndefined();
    });

    it("lets exactly one of many concurrent compareAndSet calls win", async () => {
      const { storage } = await make();
      const v0 = await storage.set("k", 0);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => storage.compareAndSet("k", v0, i + 1)),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it("setIfAbsent writes once", async () => {
      const { storage } = await make();
      const results = await Promise.all([
        storage.setIfAbsent("k", "a"),
        storage.setIfAbsent("k", "b"),
        storage.setIfAbsent("k", "c"),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await storage.setIfAbsent("k", "d")).toBe(false);
    });

    it("expires keys after ttlMs", async () => {
      const h = await make();
      await h.storage.set("short", 1, { ttlMs: 50 });
      await h.storage.set("long", 1, { ttlMs: 60_000 });
      await h.storage.set("forever", 1);
      // a key with a TTL reads back before it expires (a long TTL: no race with a real clock)
      expect((await h.storage.get("long"))?.value).toBe(1);
      await h.advance(120);
      expect(await h.storage.get("short")).toBeUndefined();
      expect((await h.storage.get("long"))?.value).toBe(1);
      expect((await h.storage.get("forever"))?.value).toBe(1);
    });

    it("treats an expired key as absent for compareAndSet and setIfAbsent", async () => {
      const h = await make();
      const v1 = await h.storage.set("a", 1, { ttlMs: 50 });
      await h.storage.set("b", 1, { ttlMs: 50 });
      await h.advance(120);
      expect(await h.storage.compareAndSet("a", v1, 2)).toBeUndefined();
      expect(await h.storage.compareAndSet("a", null, 3)).toBeTypeOf("string");
      expect(await h.storage.setIfAbsent("b", 4, { ttlMs: 50 })).toBe(true);
    });

    it("a write without ttlMs removes an earlier TTL", async () => {
      const h = await make();
      await h.storage.set("k", 1, { ttlMs: 50 });
      await h.storage.set("k", 2);
      await h.advance(120);
      expect((await h.storage.get("k"))?.value).toBe(2);
    });

    it("rejects values that are not JSON-serialisable with a typed error", async () => {
      const { storage } = await make();
      await expect(storage.set("k", undefined)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      });
      await expect(storage.set("k", { big: 1n })).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      });
      expect(await storage.get("k")).toBeUndefined();
    });

    it("keeps keys apart, including awkward ones", async () => {
      const { storage } = await make();
      const keys = ["a", "a:b", "__proto__", "constructor", "ключ", "a b"];
      for (const [i, k] of keys.entries()) await storage.set(k, i);
      for (const [i, k] of keys.entries()) expect((await storage.get(k))?.value).toBe(i);
      expect(({} as Record<string, unknown>).a).toBeUndefined();
    });
  });
}

/** Takes a lease (the store must have `lock`). */
function lockOf(storage: Storage) {
  const lock = storage.lock?.bind(storage);
  if (lock === undefined) throw new Error("this storage has no lock capability");
  return (keys: string[], ttlMs = 10_000, waitMs = 2000, signal?: AbortSignal) =>
    lock(keys, { ttlMs, waitMs, signal });
}

function describeLock(name: string, factory: () => Promise<StorageHarness>): void {
  describe(`Storage lock conformance: ${name}`, () => {
    let harness: StorageHarness | undefined;
    const make = async () => {
      harness = await factory();
      return harness;
    };
    afterEach(async () => {
      await harness?.cleanup?.();
      harness = undefined;
    });

    it("grants a lease with the keys' current entries and a safe-integer token", async () => {
      const { storage } = await make();
      const v1 = await storage.set("a", { n: 1 });
      const lease = await lockOf(storage)(["a", "b"]);
      expect(lease.keys).toEqual(["a", "b"]);
      expect(lease.entries).toEqual([{ value: { n: 1 }, version: v1 }, undefined]);
      expect(Number.isSafeInteger(lease.token)).toBe(true);
      expect(await lease.release()).toBe(true);
    });

    it("is exclusive: a second holder gets the keys only after release, and sees the first's write", async () => {
      const { storage } = await make();
      const lock = lockOf(storage);
      const first = await lock(["k"]);
      const events: string[] = [];
      const second = lock(["k"], 10_000, 5000).then((lease) => {
        events.push("second granted");
        return lease;
      });
      const outcome = await first.commit([{ key: "k", expectedVersion: null, value: "first" }]);
      expect(outcome.ok).toBe(true);
      events.push("first releases");
      expect(await first.release()).toBe(true);
      const lease = await second;
      expect(events).toEqual(["first releases", "second granted"]);
      expect(lease.entries[0]?.value).toBe("first");
      expect(lease.token).toBeGreaterThan(first.token);
      await lease.release();
    });

    it("gives up after waitMs with BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT and holds nothing then", async () => {
      const { storage } = await make();
      const lock = lockOf(storage);
      const holder = await lock(["k"]);
      await expect(lock(["j", "k"], 10_000, 50)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT",
      });
      // the key "j" taken on the way was given back
      const j = await lock(["j"], 10_000, 0);
      await j.release();
      await expect(lock(["k"], 10_000, 0)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT",
      });
      await holder.release();
      const after = await lock(["k"], 10_000, 0);
      await after.release();
    });

    it("commits compare-and-set writes atomically: one stale version writes nothing", async () => {
      const { storage } = await make();
      const va = await storage.set("a", 1);
      const lease = await lockOf(storage)(["a", "b"]);
      const stale = await lease.commit([
        { key: "a", expectedVersion: va, value: 2 },
        { key: "b", expectedVersion: "not-the-version", value: 2 },
      ]);
      expect(stale).toEqual({ ok: false, conflict: "b" });
      expect((await storage.get("a"))?.value).toBe(1);
      const done = await lease.commit([
        { key: "a", expectedVersion: va, value: 3, ttlMs: 10_000 },
        { key: "b", expectedVersion: null, value: 4 },
      ]);
      expect(done.ok).toBe(true);
      const versions = done.ok ? done.versions : [];
      expect(await storage.get("a")).toEqual({ value: 3, version: versions[0] });
      expect(await storage.get("b")).toEqual({ value: 4, version: versions[1] });
      const removed = await lease.commit([
        { key: "b", expectedVersion: versions[1] ?? null, delete: true },
      ]);
      expect(removed).toEqual({ ok: true, versions: [undefined] });
      expect(await storage.get("b")).toBeUndefined();
      await lease.release();
    });

    it("a plain write by someone skipping the lock makes the commit conflict, not overwrite", async () => {
      const { storage } = await make();
      const lease = await lockOf(storage)(["k"]);
      await storage.set("k", "outsider");
      expect(await lease.commit([{ key: "k", expectedVersion: null, value: "mine" }])).toEqual({
        ok: false,
        conflict: "k",
      });
      expect((await storage.get("k"))?.value).toBe("outsider");
      await lease.release();
    });

    it("commit with release: true frees the keys", async () => {
      const { storage } = await make();
      const lock = lockOf(storage);
      const lease = await lock(["k"]);
      await lease.commit([{ key: "k", expectedVersion: null, value: 1 }], { release: true });
      const next = await lock(["k"], 10_000, 0);
      expect(next.entries[0]?.value).toBe(1);
      await next.release();
    });

    it("an expired lease is lost: its commit and extend are refused, its release frees nothing, a newer holder keeps the keys", async () => {
      const h = await make();
      const lock = lockOf(h.storage);
      const old = await lock(["k"], 50);
      await h.advance(120);
      const newer = await lock(["k"], 10_000, 2000);
      expect(newer.token).toBeGreaterThan(old.token);
      await expect(
        old.commit([{ key: "k", expectedVersion: null, value: "late" }]),
      ).rejects.toMatchObject({ code: "BOT_DISPATCHER_STORAGE_LEASE_LOST" });
      expect(await h.storage.get("k")).toBeUndefined();
      await expect(old.extend(10_000)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_LEASE_LOST",
      });
      expect(await old.release()).toBe(false);
      await expect(lock(["k"], 10_000, 0)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT",
      });
      const ok = await newer.commit([{ key: "k", expectedVersion: null, value: "newer" }]);
      expect(ok.ok).toBe(true);
      expect((await h.storage.get("k"))?.value).toBe("newer");
      await newer.release();
    });

    it("an expired lease is lost even when nobody took the keys since", async () => {
      const h = await make();
      const lease = await lockOf(h.storage)(["k"], 50);
      await h.advance(120);
      await expect(
        lease.commit([{ key: "k", expectedVersion: null, value: 1 }]),
      ).rejects.toMatchObject({ code: "BOT_DISPATCHER_STORAGE_LEASE_LOST" });
      expect(await h.storage.get("k")).toBeUndefined();
    });

    it("extend keeps a lease past its first TTL", async () => {
      const h = await make();
      // margins of 1.5 s against a real clock on a loaded machine
      const lease = await lockOf(h.storage)(["k"], 3000);
      await h.advance(1500);
      await lease.extend(3000);
      await h.advance(1500);
      const outcome = await lease.commit([{ key: "k", expectedVersion: null, value: 1 }]);
      expect(outcome.ok).toBe(true);
      await lease.release();
    });

    it("a released lease refuses commits and a second release", async () => {
      const { storage } = await make();
      const lease = await lockOf(storage)(["k"]);
      expect(await lease.release()).toBe(true);
      expect(await lease.release()).toBe(false);
      await expect(
        lease.commit([{ key: "k", expectedVersion: null, value: 1 }]),
      ).rejects.toMatchObject({ code: "BOT_DISPATCHER_STORAGE_LEASE_LOST" });
    });

    it("two holders asking for the same keys in opposite orders never deadlock", async () => {
      const { storage } = await make();
      const lock = lockOf(storage);
      const results = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const lease = await lock(i % 2 === 0 ? ["x", "y"] : ["y", "x"], 10_000, 5000);
          // entries come in the order the keys were asked for
          const at = (key: string) => lease.entries[lease.keys.indexOf(key)];
          const x = at("x");
          const y = at("y");
          const outcome = await lease.commit(
            [
              {
                key: "x",
                expectedVersion: x?.version ?? null,
                value: ((x?.value as number) ?? 0) + 1,
              },
              {
                key: "y",
                expectedVersion: y?.version ?? null,
                value: ((y?.value as number) ?? 0) + 1,
              },
            ],
            { release: true },
          );
          return outcome.ok;
        }),
      );
      expect(results.every(Boolean)).toBe(true);
      expect((await storage.get("x"))?.value).toBe(10);
      expect((await storage.get("y"))?.value).toBe(10);
    });

    it("stops waiting when the signal aborts", async () => {
      const { storage } = await make();
      const lock = lockOf(storage);
      const holder: StorageLease = await lock(["k"]);
      const controller = new AbortController();
      const waiting = lock(["k"], 10_000, 5000, controller.signal);
      controller.abort(new Error("stop waiting"));
      await expect(waiting).rejects.toThrow("stop waiting");
      await holder.release();
      const next = await lock(["k"], 10_000, 0);
      await next.release();
    });

    it("rejects an empty or repeated key list with BOT_DISPATCHER_STORAGE_INVALID_KEY", async () => {
      const { storage } = await make();
      const lock = lockOf(storage);
      await expect(lock([])).rejects.toMatchObject({ code: "BOT_DISPATCHER_STORAGE_INVALID_KEY" });
      await expect(lock(["a", "a"])).rejects.toMatchObject({
        code: "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      });
    });
  });
}
