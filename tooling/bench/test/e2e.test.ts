import { describe, expect, it } from "vitest";
import { benchE2e } from "../src/e2e.ts";
import { E2E_SUBJECTS } from "../src/e2e-bot.ts";

describe("end-to-end bench", () => {
  it("every subject answers every update once, and ours in per-chat order", async () => {
    const results = await benchE2e({ total: 600, chats: 50, rounds: 1, runTimeoutMs: 60_000 });
    expect(results.map((r) => r.subject)).toEqual([...E2E_SUBJECTS]);
    for (const r of results) {
      expect(r.extra?.failed, r.subject).toBe(0);
      expect(r.extra?.duplicates, r.subject).toBe(0);
      expect(r.median, r.subject).toBeGreaterThan(0);
    }
    // grammY runs one update at a time; ours and the hand loop keep each chat in order.
    for (const name of ["@bot", "grammY", "hand loop"]) {
      expect(results.find((r) => r.subject === name)?.extra?.inversions, name).toBe(0);
    }
    const ours = results.find((r) => r.subject === "@bot");
    expect(ours?.extra?.pairedToGrammy).toMatch(/x$/);
    expect(ours?.extra?.pairedToHandLoop).toMatch(/%$/);
  }, 120_000);
});
