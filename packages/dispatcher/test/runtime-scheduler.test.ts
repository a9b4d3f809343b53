import { afterEach, describe, expect, it, vi } from "vitest";
import { KeyedScheduler, type SchedulerTask, type TaskHandle } from "../src/advanced.js";
import { HandlerTimeoutError, RuntimeError } from "../src/index.js";

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
        expect.objectContaining({ code: "BOT_DISPATCHER_SCHEDULER_INVALID_OPTIONS" }),
      );
    }
    expect(() => new KeyedScheduler({ concurrency: 0 })).toThrow(/^@bot\/dispatcher:/);
  });
});

describe("KeyedScheduler deadline (timeoutMs)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("abandons a task that never settles: typed error, aborted signal, its key runs on", async () => {
    vi.useFakeTimers();
    const scheduler = new KeyedScheduler({ concurrency: 4, timeoutMs: 1000 });
    let signal: AbortSignal | undefined;
    const hung = scheduler.schedule("chat", (handle) => {
      signal = handle.signal;
      return new Promise<void>(() => {});
    });
    const outcome = hung.then(
      () => "resolved",
      (error: unknown) => error,
    );
    let secondRan = false;
    const second = scheduler.schedule("chat", () => {
      secondRan = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(secondRan).toBe(false);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(300); // one tick (100 ms) of lateness at most, plus one
    const error = await outcome;
    expect(error).toBeInstanceOf(HandlerTimeoutError);
    expect(error).toMatchObject({ code: "BOT_DISPATCHER_HANDLER_TIMEOUT", timeoutMs: 1000 });
    expect(RuntimeError.is(error)).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    await second;
    expect(secondRan).toBe(true);
    expect(scheduler.running).toBe(0);
    expect(scheduler.abandoned).toBe(1);
    await scheduler.idle(); // the abandoned task is not waited for
  });

  it("never fires before the deadline, and not for tasks that finish in time", async () => {
    vi.useFakeTimers();
    const scheduler = new KeyedScheduler({ concurrency: 100, timeoutMs: 50 });
    const timedOut: number[] = [];
    const finished: number[] = [];
    for (let i = 0; i < 100; i++) {
      scheduler.submit(i % 7, {
        run: () => new Promise<void>((resolve) => setTimeout(resolve, 40)),
        finished: () => finished.push(i),
        timedOut: () => timedOut.push(i),
      });
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(timedOut).toEqual([]);
    expect(finished).toHaveLength(100);
  });

  it("restartDeadline() counts the deadline again (for waits that are not the handler's)", async () => {
    vi.useFakeTimers();
    const scheduler = new KeyedScheduler({ concurrency: 1, timeoutMs: 1000 });
    const events: string[] = [];
    scheduler.submit("k", {
      run: async (handle) => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        handle.restartDeadline();
        await new Promise((resolve) => setTimeout(resolve, 800));
        events.push("done");
      },
      finished: () => events.push("finished"),
      timedOut: () => events.push("timed out"),
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(events).toEqual(["done", "finished"]);
  });

  it("timeoutMs 0 (the default) never abandons", async () => {
    vi.useFakeTimers();
    const scheduler = new KeyedScheduler({ concurrency: 1 });
    let done = false;
    const task = scheduler.schedule("k", async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_600_000));
      done = true;
    });
    await vi.advanceTimersByTimeAsync(3_600_000);
    await task;
    expect(done).toBe(true);
    expect(scheduler.timeoutMs).toBe(0);
  });
});

describe("KeyedScheduler close and abort", () => {
  it("close() drops what has not started, in every line, and what comes later", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 2 });
    const gates: Array<() => void> = [];
    const events: string[] = [];
    const task = (name: string): SchedulerTask => ({
      run: () =>
        new Promise<void>((resolve) => {
          events.push(`run ${name}`);
          gates.push(resolve);
        }),
      finished: () => events.push(`finished ${name}`),
      dropped: () => events.push(`dropped ${name}`),
    });
    scheduler.submit("a", task("a1"));
    scheduler.submit("a", task("a2"));
    scheduler.submit("b", task("b1"));
    scheduler.submit("c", task("c1")); // waits for a slot
    scheduler.submit("c", task("c2"));
    expect(scheduler.size).toBe(3);
    scheduler.close();
    expect(scheduler.closed).toBe(true);
    expect(scheduler.size).toBe(0);
    const late = scheduler.submit("d", task("d1"));
    expect(late.state).toBe("dropped");
    for (const open of gates) open();
    await scheduler.idle();
    expect(events.sort()).toEqual(
      [
        "run a1",
        "run b1",
        "dropped a2",
        "dropped c1",
        "dropped c2",
        "dropped d1",
        "finished a1",
        "finished b1",
      ].sort(),
    );
  });

  it("schedule() promises of dropped tasks reject with BOT_DISPATCHER_SCHEDULER_CLOSED", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 1 });
    const first = scheduler.schedule("k", () => new Promise<void>((r) => setTimeout(r, 5)));
    const second = expect(scheduler.schedule("k", () => undefined)).rejects.toMatchObject({
      code: "BOT_DISPATCHER_SCHEDULER_CLOSED",
    });
    scheduler.close();
    await second;
    await first;
  });

  it("abort(reason) aborts running tasks' signals, also ones read later, not queued ones", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 2 });
    const handles: TaskHandle[] = [];
    const release: Array<() => void> = [];
    for (const key of ["a", "b", "a"]) {
      scheduler.submit(key, {
        run: (handle) =>
          new Promise<void>((resolve) => {
            handles.push(handle);
            release.push(resolve);
          }),
      });
    }
    const early = handles[0]!.signal; // created before the abort
    const reason = new Error("shutdown");
    scheduler.abort(reason);
    expect(early.aborted).toBe(true);
    expect(early.reason).toBe(reason);
    expect(handles[1]!.signal.aborted).toBe(true); // created after the abort
    release[0]!();
    await new Promise((r) => setTimeout(r, 1));
    expect(handles).toHaveLength(3);
    expect(handles[2]!.signal.aborted).toBe(false); // started after the abort
    for (const r of release) r();
    await scheduler.idle();
  });

  it("creates no AbortController for a task that never reads its signal", async () => {
    const created = vi.spyOn(globalThis, "AbortController");
    const scheduler = new KeyedScheduler({ concurrency: 8, timeoutMs: 30_000 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => scheduler.schedule(i % 5, () => {})));
    expect(created).not.toHaveBeenCalled();
    created.mockRestore();
  });

  it("a hook that throws does not break the scheduler", async () => {
    const scheduler = new KeyedScheduler({ concurrency: 1 });
    scheduler.submit("k", {
      run: () => {},
      finished: () => {
        throw new Error("hook");
      },
    });
    let ran = false;
    await scheduler.schedule("k", () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it("rejects a bad timeoutMs", () => {
    for (const timeoutMs of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new KeyedScheduler({ concurrency: 1, timeoutMs })).toThrow(
        expect.objectContaining({ code: "BOT_DISPATCHER_SCHEDULER_INVALID_OPTIONS" }),
      );
    }
  });
});
