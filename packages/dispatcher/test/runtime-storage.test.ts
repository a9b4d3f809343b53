import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../src/index.js";
import { describeStorage } from "./runtime-storage-conformance.js";

describeStorage(
  "MemoryStorage",
  async () => {
    let now = 1_000_000;
    const storage = new MemoryStorage({ now: () => now });
    return {
      storage,
      async advance(ms) {
        now += ms;
      },
    };
  },
  { lock: true },
);

describe("MemoryStorage", () => {
  it("hands a lock to a waiter when the holder's lease runs out, without a release", async () => {
    const storage = new MemoryStorage(); // real clock: the wake-up timer fires
    const holder = await storage.lock(["k"], { ttlMs: 30, waitMs: 10_000 });
    const next = await storage.lock(["k"], { ttlMs: 10_000, waitMs: 10_000 });
    expect(next.token).toBeGreaterThan(holder.token);
    expect(await holder.release()).toBe(false);
    expect(await next.release()).toBe(true);
  });

  it("forgets released locks (no entry per key left behind)", async () => {
    const storage = new MemoryStorage();
    for (let i = 0; i < 50; i++) {
      const lease = await storage.lock([`k${i}`, "shared"], { ttlMs: 1000, waitMs: 1000 });
      await lease.commit([{ key: `k${i}`, expectedVersion: null, value: i }], { release: true });
    }
    const again = await storage.lock(["shared"], { ttlMs: 1000, waitMs: 0 });
    await again.release();
    expect(storage.size).toBe(50); // the values only
  });

  it("rejects bad lock options with a typed error", async () => {
    const storage = new MemoryStorage();
    await expect(storage.lock(["k"], { ttlMs: 0, waitMs: 0 })).rejects.toMatchObject({
      code: "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
    });
    await expect(storage.lock(["k"], { ttlMs: 10, waitMs: -1 })).rejects.toMatchObject({
      code: "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
    });
    const lease = await storage.lock(["k"], { ttlMs: 10, waitMs: 0 });
    await expect(
      lease.commit([{ key: "other", expectedVersion: null, value: 1 }]),
    ).rejects.toMatchObject({ code: "BOT_DISPATCHER_STORAGE_INVALID_KEY" });
    await lease.release();
  });

  it("rejects bad options with a prefixed message", () => {
    expect(() => new MemoryStorage({ now: 5 as unknown as () => number })).toThrow(
      /^@bot\/dispatcher: invalid MemoryStorage options/,
    );
  });

  it("rejects an empty key and a bad TTL", async () => {
    const storage = new MemoryStorage();
    await expect(storage.set("", 1)).rejects.toMatchObject({
      code: "BOT_DISPATCHER_STORAGE_INVALID_KEY",
    });
    await expect(storage.set("k", 1, { ttlMs: -1 })).rejects.toMatchObject({
      code: "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
    });
  });

  it("sweeps expired keys so they do not pile up", async () => {
    let now = 0;
    const storage = new MemoryStorage({ now: () => now });
    for (let i = 0; i < 2000; i++) await storage.set(`k${i}`, i, { ttlMs: 10 });
    expect(storage.size).toBe(2000);
    now += 20;
    for (let i = 0; i < 100; i++) await storage.set(`live${i}`, i);
    expect(storage.size).toBe(100);
  });
});
