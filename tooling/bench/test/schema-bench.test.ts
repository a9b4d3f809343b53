import { safeParseUpdate } from "@bot/types/schemas";
import { describe, expect, it } from "vitest";
import { messageUpdate1k } from "../src/fixtures.ts";
import { median } from "../src/harness.ts";
import { benchSchema } from "../src/schema.ts";

describe("bench harness", () => {
  it("takes medians", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it("uses a valid ~1 KB update", () => {
    const text = JSON.stringify(messageUpdate1k());
    expect(Buffer.byteLength(text)).toBeGreaterThan(900);
    expect(Buffer.byteLength(text)).toBeLessThan(1400);
    expect(safeParseUpdate(JSON.parse(text)).success).toBe(true);
  });

  it("the schema bench runs and reports every subject", async () => {
    const results = await benchSchema({ ops: 200, runs: 1 });
    expect(results.map((r) => r.subject)).toEqual(["@bot/types schemas", "JSON.parse (yardstick)"]);
    for (const r of results) expect(r.runs).toHaveLength(1);
  });
});
