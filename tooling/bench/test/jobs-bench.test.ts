import { describe, expect, it } from "vitest";
import { benchJobs } from "../src/jobs.ts";

describe("jobs bench", () => {
  it("runs every job of every subject and reports throughput and lateness", {
    timeout: 120_000,
  }, async () => {
    const results = await benchJobs({ jobs: 300, spreadMs: 300, runs: 1 });
    expect(results.map((r) => r.subject)).toEqual([
      "@bot/jobs memory driver",
      "@bot/jobs BullMQ driver",
      "raw BullMQ",
    ]);
    for (const r of results) {
      expect(r.median).toBeGreaterThan(0);
      expect(r.extra?.["lateness p99 ms"]).toBeTypeOf("number");
    }
  });
});
