import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../src/index.js";
import { describeStorage } from "./runtime-storage-conformance.js";

describeStorage("MemoryStorage", async () => {
  let now = 1_000_000;
  const storage = new MemoryStorage({ now: () => now });
  return {
    storage,
    async advance(ms) {
      now += ms;
    },
  };
});

describe("MemoryStorage", () => {
  it("rejects bad options with a prefixed message", () => {
    expect(() => new MemoryStorage({ now: 5 as unknown as () => number })).toThrow(
      /^@bot\/dispatcher: invalid MemoryStorage options/,
    );
  });

  it("rejects an empty key and a bad TTL", async () => {
    const storage = new MemoryStorage();
    await expect(storage.set("", 1)).rejects.toMatchObject({ code: "STORAGE_INVALID_KEY" });
    await expect(storage.set("k", 1, { ttlMs: -1 })).rejects.toMatchObject({
      code: "STORAGE_INVALID_VALUE",
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
