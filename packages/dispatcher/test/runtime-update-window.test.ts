import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import { UpdateWindow } from "../src/runtime/update-window.js";

const batch = (...ids: number[]): Update[] => ids.map((update_id) => ({ update_id }) as Update);
const ids = (updates: readonly Update[]) => updates.map((u) => u.update_id);

describe("UpdateWindow: delivering an update again (storage was down)", () => {
  it("takes a left update again from a later batch, skips the finished and the running ones", () => {
    const w = new UpdateWindow();
    expect(ids(w.accept(batch(1, 2, 3, 4)))).toEqual([1, 2, 3, 4]);
    w.finish(1);
    w.leave(2); // not handled: to be delivered again
    w.finish(3); // another chat, finished meanwhile
    // 4 still runs
    expect(w.watermark).toBe(1);
    expect(w.nextOffset(undefined)).toBe(2);
    // The redelivery repeats 2, 3, 4 and brings 5: only 2 (again) and 5 (new) run.
    expect(ids(w.accept(batch(2, 3, 4, 5)))).toEqual([2, 5]);
    expect(w.inFlight).toBe(3);
    w.finish(2);
    w.finish(4);
    w.finish(5);
    expect(w.watermark).toBe(5);
    expect(w.inFlight).toBe(0);
    // Behind the watermark nothing is taken again.
    expect(ids(w.accept(batch(2, 5)))).toEqual([]);
  });

  it("a rewind turns the pending updates above it stale (they leave at their turn), not those below", () => {
    const w = new UpdateWindow();
    w.accept(batch(10, 11, 12, 13));
    expect(w.isStale(12)).toBe(false);
    w.leave(11);
    w.rewind(11);
    expect(w.isStale(10)).toBe(false);
    expect(w.isStale(11)).toBe(false); // left already
    expect(w.isStale(12)).toBe(true);
    expect(w.isStale(13)).toBe(true);
    w.leave(12); // its turn came: it leaves
    w.finish(13); // it was running already: it finishes and is not run again
    expect(w.isStale(13)).toBe(false);
    w.finish(10);
    expect(w.watermark).toBe(10);
    expect(ids(w.accept(batch(11, 12, 13)))).toEqual([11, 12]);
    expect(w.isStale(11)).toBe(false);
    expect(w.isStale(12)).toBe(false);
    w.finish(11);
    w.finish(12);
    expect(w.watermark).toBe(13);
  });
});
