import { describe, expect, it, vi } from "vitest";
import { benchRedis } from "../src/redis.ts";

describe("redis bench", () => {
  it("reports every subject with its Redis figures, on the real Redis", async () => {
    // not pinned: other test files share this Redis; and its summary line (figures of a
    // 300-update smoke run, meaningless as measurements) stays out of the test log
    process.env.BENCH_REDIS_PIN = "0";
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const results = await benchRedis({ updates: 300, runs: 1 });
      expect(results.map((r) => r.subject)).toEqual([
        "ioredis GET+SET (raw)",
        "ioredis GET+SET, auto-pipelined (raw)",
        "node-redis GET+SET (raw)",
        "@bot/dispatcher chatData on RedisStorage",
        "grammY session() on @grammyjs/storage-redis",
        "Telegraf session() on @telegraf/session/redis",
        "RedisStorage lock+commit",
        "RedisStorage get+compareAndSet",
      ]);
      for (const r of results) {
        expect(r.median, r.subject).toBeGreaterThan(0);
        expect(r.extra?.pinned, r.subject).toBe("no");
        expect(r.extra?.["Redis commands/update"], r.subject).toBeGreaterThanOrEqual(2);
      }
      const ours = results.find((r) => r.subject.startsWith("@bot/dispatcher"));
      // the scripts of updates in flight together go as one command: well under 2 per update
      expect(ours?.extra?.["commands sent/update"]).toBeLessThan(2);
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^redis: fastest raw loop /));
    } finally {
      log.mockRestore();
      delete process.env.BENCH_REDIS_PIN;
    }
  });
});
