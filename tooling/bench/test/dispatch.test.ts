import { describe, expect, it } from "vitest";
import { benchDispatch, buildUpdates, dispatchSubjects, HANDLERS } from "../src/dispatch.ts";

describe("dispatch bench", () => {
  it("every subject fires the same handlers the same number of times", async () => {
    const updates = buildUpdates(3000);
    const subjects = dispatchSubjects();
    for (const s of subjects) {
      for (const u of updates) await s.handle(structuredClone(u));
    }
    const [reference, ...others] = subjects;
    const expected = Object.fromEntries(reference?.counts ?? []);
    // every handler fires at least once, and the mix covers every update
    for (const h of HANDLERS) expect(expected[h], h).toBeGreaterThan(0);
    expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBe(updates.length);
    for (const s of others) expect(Object.fromEntries(s.counts), s.name).toEqual(expected);
  });

  it("has the mix the issue asks for", () => {
    const updates = buildUpdates(10_000);
    const share = (f: (u: (typeof updates)[number]) => boolean) =>
      updates.filter(f).length / updates.length;
    expect(share((u) => u.message?.entities?.[0]?.type === "bot_command")).toBeCloseTo(0.2, 1);
    expect(share((u) => u.message !== undefined)).toBeCloseTo(0.6, 1);
    expect(share((u) => u.callback_query !== undefined)).toBeCloseTo(0.25, 1);
    expect(share((u) => u.edited_message !== undefined)).toBeCloseTo(0.1, 1);
    expect(share((u) => u.inline_query !== undefined)).toBeCloseTo(0.05, 1);
  });

  it("reports every subject", async () => {
    const results = await benchDispatch({ updates: 500, runs: 1 });
    expect(results.map((r) => r.subject)).toEqual([
      "@bot/dispatcher",
      "grammY",
      "Telegraf",
      "switch",
    ]);
    for (const r of results) {
      expect(r.unit).toBe("updates/s");
      expect(r.median).toBeGreaterThan(0);
      expect(typeof r.extra?.rssGrowthMB).toBe("number");
    }
  });
});
