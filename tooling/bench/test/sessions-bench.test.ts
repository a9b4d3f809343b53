import { describe, expect, it } from "vitest";
import { benchSessions, driveSessions, sessionSubjects } from "../src/sessions.ts";

describe("sessions bench", () => {
  it("every subject counts every update in its chat's session", async () => {
    for (const s of sessionSubjects()) {
      await driveSessions(3_000, s);
      const counts = await Promise.all([0, 1, 999].map((chat) => s.count(chat)));
      expect(counts, s.name).toEqual([3, 3, 3]);
    }
  });

  it("reports every subject", async () => {
    const results = await benchSessions({ updates: 500, runs: 1 });
    expect(results.map((r) => r.subject)).toEqual([
      "@bot/dispatcher chatData on MemoryStorage",
      "grammY session() in memory",
      "Telegraf session() in memory",
      "Map get+set (raw)",
    ]);
    for (const r of results) expect(r.median).toBeGreaterThan(0);
  });
});
