import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import { KeyedScheduler, updateKey } from "../src/index.js";
import { textUpdate } from "./fixtures/fake-bot-api.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A deterministic PRNG so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("KeyedScheduler", () => {
  it("runs 10,000 tasks over 100 keys with random delays: 0 inversions, bounded and parallel", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 64 });
    const rnd = random(42);
    const lastSeen = new Map<string, number>();
    let inversions = 0;
    let running = 0;
    let maxRunning = 0;
    const perKeyRunning = new Map<string, number>();
    let overlapsWithinKey = 0;
    const all: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const key = `chat${Math.floor(rnd() * 100)}`;
      const delay = rnd() < 0.3 ? Math.floor(rnd() * 3) : -1;
      all.push(
        scheduler.schedule(key, async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          const inKey = (perKeyRunning.get(key) ?? 0) + 1;
          perKeyRunning.set(key, inKey);
          if (inKey > 1) overlapsWithinKey += 1;
          if ((lastSeen.get(key) ?? -1) > i) inversions += 1;
          lastSeen.set(key, i);
          if (delay >= 0) await sleep(delay);
          else await Promise.resolve();
          perKeyRunning.set(key, (perKeyRunning.get(key) ?? 1) - 1);
          running -= 1;
        }),
      );
    }
    await Promise.all(all);
    console.log(
      `[scheduler] 10000 tasks / 100 keys: inversions=${inversions}, overlaps within a key=${overlapsWithinKey}, max running=${maxRunning}/64`,
    );
    expect(inversions).toBe(0);
    expect(overlapsWithinKey).toBe(0);
    expect(maxRunning).toBeLessThanOrEqual(64);
    expect(maxRunning).toBeGreaterThan(1);
    expect(scheduler.size).toBe(0);
    expect(scheduler.running).toBe(0);
  });

  it("runs different keys in parallel and one key one at a time", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 10 });
    const gates: Array<() => void> = [];
    const started: string[] = [];
    const task = (name: string) => () =>
      new Promise<void>((resolve) => {
        started.push(name);
        gates.push(resolve);
      });
    const done = [
      scheduler.schedule("a", task("a1")),
      scheduler.schedule("a", task("a2")),
      scheduler.schedule("b", task("b1")),
      scheduler.schedule(undefined, task("x1")),
      scheduler.schedule(undefined, task("x2")),
    ];
    await sleep(5);
    expect(started).toEqual(["a1", "b1", "x1", "x2"]);
    expect(scheduler.running).toBe(4);
    expect(scheduler.size).toBe(1);
    gates[0]!();
    await sleep(5);
    expect(started).toEqual(["a1", "b1", "x1", "x2", "a2"]);
    for (const gate of gates) gate();
    await Promise.all(done);
    await scheduler.idle();
    expect(scheduler.running).toBe(0);
  });

  it("never runs more than concurrency tasks, even without keys", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 3 });
    let running = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        scheduler.schedule(undefined, async () => {
          running += 1;
          max = Math.max(max, running);
          await sleep(1);
          running -= 1;
        }),
      ),
    );
    expect(max).toBe(3);
  });

  it("rejects the schedule promise with the task's error and keeps going", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 1 });
    const boom = new Error("boom");
    const first = scheduler.schedule("k", async () => {
      throw boom;
    });
    let ran = false;
    const second = scheduler.schedule("k", async () => {
      ran = true;
    });
    await expect(first).rejects.toBe(boom);
    await second;
    expect(ran).toBe(true);
  });

  it("idle() waits for queued and running tasks", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 2 });
    let finished = 0;
    for (let i = 0; i < 5; i++) {
      void scheduler.schedule(String(i % 2), async () => {
        await sleep(2);
        finished += 1;
      });
    }
    await scheduler.idle();
    expect(finished).toBe(5);
    await scheduler.idle();
  });

  it("rejects bad options with a typed, prefixed error", () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(() => new KeyedScheduler({ concurrency })).toThrow(
        expect.objectContaining({ code: "SCHEDULER_INVALID_OPTIONS" }),
      );
    }
    expect(() => new KeyedScheduler({ concurrency: 0 })).toThrow(/^@bot\/dispatcher:/);
  });
});

describe("updateKey", () => {
  it("keys by chat, else by user, else undefined", () => {
    expect(updateKey(textUpdate(1, -100, "hi"))).toBe("-100");
    const callback = {
      update_id: 2,
      callback_query: {
        id: "q",
        from: { id: 7, is_bot: false, first_name: "U" },
        chat_instance: "c",
      },
    } as Update;
    expect(updateKey(callback)).toBe("7");
    const inline = {
      update_id: 3,
      inline_query: {
        id: "q",
        from: { id: 8, is_bot: false, first_name: "U" },
        query: "",
        offset: "",
      },
    } as Update;
    expect(updateKey(inline)).toBe("8");
    expect(updateKey({ update_id: 4 } as Update)).toBeUndefined();
  });
});
