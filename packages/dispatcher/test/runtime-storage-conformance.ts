/**
 * The behaviour every `Storage` must have. `@bot/persistence-redis` runs the same suite:
 * `describeStorage("RedisStorage", async () => ({ storage, advance, cleanup }))`.
 */
import { afterEach, describe, expect, it } from "vitest";
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
 */
export function describeStorage(name: string, factory: () => Promise<StorageHarness>): void {
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
      await h.storage.set("forever", 1);
      expect((await h.storage.get("short"))?.value).toBe(1);
      await h.advance(120);
      expect(await h.storage.get("short")).toBeUndefined();
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
        code: "STORAGE_INVALID_VALUE",
      });
      await expect(storage.set("k", { big: 1n })).rejects.toMatchObject({
        code: "STORAGE_INVALID_VALUE",
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
