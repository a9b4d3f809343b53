import { describe, expect, it } from "vitest";
import { describeDelay, MAX_REMINDER_MS, parseReminder } from "../src/reminders.ts";

describe("parseReminder", () => {
  it("reads a duration and the text", () => {
    expect(parseReminder("10m stretch your legs")).toEqual({
      delayMs: 600_000,
      text: "stretch your legs",
    });
    expect(parseReminder("  1h30m  call back  ")).toEqual({
      delayMs: 5_400_000,
      text: "call back",
    });
    expect(parseReminder("90s x")?.delayMs).toBe(90_000);
    expect(parseReminder("30d x")?.delayMs).toBe(MAX_REMINDER_MS);
    expect(parseReminder("1d line one\nline two")?.text).toBe("line one\nline two");
  });

  it("refuses what it cannot read, zero, and more than 30 days", () => {
    for (const bad of [
      "",
      "10m",
      "tea 10m",
      "10 tea",
      "10x tea",
      "0m tea",
      "31d tea",
      "-5m tea",
      "1.5h tea",
    ])
      expect(parseReminder(bad)).toBeUndefined();
  });

  it("keeps at most 1000 characters of text", () => {
    expect(parseReminder(`1m ${"a".repeat(5000)}`)?.text).toHaveLength(1000);
  });
});

describe("describeDelay", () => {
  it("says it in words", () => {
    expect(describeDelay(600_000)).toBe("10 minutes");
    expect(describeDelay(5_400_000)).toBe("1 hour 30 minutes");
    expect(describeDelay(86_401_000)).toBe("1 day 1 second");
  });
});
