import * as v from "valibot";
import { HandlerTimeoutError, RuntimeError } from "./errors.js";

/** The ordering key of a task: tasks with equal keys run one at a time, in order. */
export type TaskKey = string | number | undefined;

/** Options of {@link KeyedScheduler}. */
export interface KeyedSchedulerOptions {
  /** How many tasks may run at once, across all keys. A positive integer. */
  readonly concurrency: number;
  /**
   * The per-task deadline in milliseconds, counted from the task's start; `0` (the default
   * here) disables it. When it passes, the task's signal is aborted with a
   * {@link HandlerTimeoutError}, its slot and its key are released (the next task of that key
   * starts), and its `timedOut` hook runs. The task may still be running: nothing can stop a
   * promise; it is no longer waited for.
   */
  readonly timeoutMs?: number | undefined;
}

/** Where a task is in its life. */
export type TaskState = "queued" | "running" | "finished" | "timed-out" | "dropped";

/**
 * What the scheduler hands to a running task, and what `submit` returns: the task's signal and
 * its deadline.
 */
export interface TaskHandle {
  /** The ordering key the task was submitted with. */
  readonly key: TaskKey;
  /** Where the task is in its life. */
  readonly state: TaskState;
  /**
   * Aborted when the deadline passes (reason: a {@link HandlerTimeoutError}) or when the
   * scheduler's `abort(reason)` is called while the task runs. Created on first access.
   */
  readonly signal: AbortSignal;
  /**
   * Counts the deadline again from now. For waits that are not the task's own work (e.g. a
   * dedup claim held by another process), so they do not use up the handler's time.
   */
  restartDeadline(): void;
  /**
   * Aborts this task's signal (e.g. a shutdown grace ended); nothing else changes.
   *
   * @param reason The abort reason the task sees.
   */
  abort(reason: unknown): void;
}

/**
 * One unit of work for {@link KeyedScheduler.submit}. Only `run` is required; the hooks tell
 * the task how it ended. Exactly one of `finished`, `timedOut` or `dropped` is called, once.
 */
export interface SchedulerTask {
  /**
   * Does the work, when the task's turn came and a slot is free.
   *
   * @param handle The task's signal and deadline.
   * @returns Nothing, or a promise settled when the work is done.
   */
  run(handle: TaskHandle): Promise<void> | void;
  /**
   * The work settled before the deadline.
   *
   * @param failed Whether `run` threw or rejected.
   * @param error What it threw (when `failed`).
   */
  finished?(failed: boolean, error: unknown): void;
  /**
   * The deadline passed while `run` was still going; the signal is aborted already, and the
   * key is released right after this hook returns. A later settlement of `run` is ignored.
   *
   * @param error The {@link HandlerTimeoutError} (also the signal's reason).
   */
  timedOut?(error: HandlerTimeoutError): void;
  /** `close()` dropped the task before it started: `run` is never called. */
  dropped?(): void;
}

const QUEUED = 0;
const RUNNING = 1;
const FINISHED = 2;
const TIMED_OUT = 3;
const DROPPED = 4;
const STATES: readonly TaskState[] = ["queued", "running", "finished", "timed-out", "dropped"];

const OptionsSchema = v.strictObject({
  concurrency: v.pipe(
    v.number("concurrency must be a number"),
    v.integer("concurrency must be an integer"),
    v.minValue(1, "concurrency must be at least 1"),
  ),
  timeoutMs: v.optional(
    v.pipe(
      v.number("timeoutMs must be a number"),
      v.integer("timeoutMs must be an integer"),
      v.minValue(0, "timeoutMs must be at least 0"),
      v.maxValue(2_147_483_647, "timeoutMs must be at most 2147483647"),
    ),
  ),
});

/**
 * One submitted task with the scheduler's links: the next task of its key, the next task
 * waiting for a slot, and its neighbours among the running tasks (oldest first, which is also
 * deadline order because every task gets the same timeout). One object per task.
 */
class Node implements TaskHandle {
  readonly key: TaskKey;
  readonly task: SchedulerTask;
  readonly #list: RunningList;
  nextInLine: Node | undefined = undefined;
  nextReady: Node | undefined = undefined;
  older: Node | undefined = undefined;
  newer: Node | undefined = undefined;
  expiresAt = 0;
  code = QUEUED;
  #controller: AbortController | undefined = undefined;
  /** Set when the task was aborted before anyone asked for its signal. */
  #reason: unknown = undefined;
  #aborted = false;

  constructor(list: RunningList, key: TaskKey, task: SchedulerTask) {
    this.#list = list;
    this.key = key;
    this.task = task;
  }

  get state(): TaskState {
    return STATES[this.code] as TaskState;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  restartDeadline(): void {
    if (this.code === RUNNING) this.#list.restart(this);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  /** What `JSON.stringify` shows of a handle. */
  toJSON(): { key: TaskKey; state: TaskState } {
    return { key: this.key, state: this.state };
  }
}

/**
 * The running tasks, oldest start first, with their deadlines: one shared interval (running
 * only while tasks run) checks them, so a task costs no timer of its own.
 */
class RunningList {
  oldest: Node | undefined;
  newest: Node | undefined;
  readonly #timeoutMs: number;
  readonly #tickMs: number;
  readonly #deadlineTicks: number;
  readonly #onTimeout: (node: Node) => void;
  #sweep: NodeJS.Timeout | undefined;
  #tick = 0;

  constructor(timeoutMs: number, onTimeout: (node: Node) => void) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
    // A deadline fires within one tick after it passed: at most 1 s late, or a tenth of a short one.
    this.#tickMs = Math.max(1, Math.min(1000, Math.ceil(timeoutMs / 10)));
    this.#deadlineTicks = Math.ceil(timeoutMs / this.#tickMs);
  }

  /** Appends a task that starts now, with its deadline. */
  add(node: Node): void {
    if (this.#timeoutMs > 0) {
      node.expiresAt = this.#tick + this.#deadlineTicks + 1; // +1: the interval phase is arbitrary
      if (this.#sweep === undefined) this.#startSweep();
    }
    const newest = this.newest;
    if (newest === undefined) this.oldest = node;
    else {
      newest.newer = node;
      node.older = newest;
    }
    this.newest = node;
  }

  remove(node: Node): void {
    const { older, newer } = node;
    if (older === undefined) this.oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.newest = older;
    else newer.older = older;
    node.older = undefined;
    node.newer = undefined;
  }

  /** Counts a running task's deadline again from now (it moves to the end: still in order). */
  restart(node: Node): void {
    if (this.#timeoutMs === 0) return;
    this.remove(node);
    this.add(node);
  }

  #startSweep(): void {
    this.#sweep = setInterval(() => {
      this.#tick += 1;
      for (let node = this.oldest; node !== undefined; node = this.oldest) {
        if (node.expiresAt > this.#tick) break;
        this.remove(node);
        this.#onTimeout(node);
      }
      if (this.oldest === undefined) {
        clearInterval(this.#sweep);
        this.#sweep = undefined;
      }
    }, this.#tickMs);
    this.#sweep.unref();
  }
}

/** Adapts a function to a {@link SchedulerTask} with a promise (for `schedule`). */
class PromiseTask implements SchedulerTask {
  readonly #fn: (handle: TaskHandle) => Promise<void> | void;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;

  constructor(
    fn: (handle: TaskHandle) => Promise<void> | void,
    resolve: () => void,
    reject: (error: unknown) => void,
  ) {
    this.#fn = fn;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  run(handle: TaskHandle): Promise<void> | void {
    return this.#fn(handle);
  }

  finished(failed: boolean, error: unknown): void {
    if (failed) this.#reject(error);
    else this.#resolve();
  }

  timedOut(error: HandlerTimeoutError): void {
    this.#reject(error);
  }

  dropped(): void {
    this.#reject(
      new RuntimeError(
        "BOT_DISPATCHER_SCHEDULER_CLOSED",
        "@bot/dispatcher: the scheduler was closed before this task started",
      ),
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * The one keyed queue of `@bot/dispatcher`, used by long polling and by the webhook runner:
 * bounded concurrency, per-key order, an optional per-task deadline, and a close that drops
 * what has not started.
 *
 * - Tasks with the same key run one at a time, in submit order; tasks with different keys (or
 *   no key) run in parallel, at most `concurrency` at once, started in submit order.
 * - With `timeoutMs`, a task still running at its deadline is abandoned: its signal is aborted,
 *   its slot and key are freed (so the next task of that key starts), `timedOut` is called.
 *   From then on, that key's order no longer holds between the abandoned task and the next
 *   one: both may run at once if the abandoned one ignores its signal.
 * - `close()` drops every task that has not started (`dropped` is called; they never run), and
 *   every later submit. Running tasks go on; `abort(reason)` aborts their signals.
 *
 * Costs per task: one small object (the handle), no timer (one shared interval checks the
 * deadlines while tasks run), and an `AbortController` only if the task reads its signal.
 */
export class KeyedScheduler {
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  /** Per key: the last task of its line (the first one is running or ready). */
  readonly #lines = new Map<string | number, Node>();
  #readyHead: Node | undefined;
  #readyTail: Node | undefined;
  /** Running tasks, oldest start first (so in deadline order). */
  readonly #runningList: RunningList;
  /** Abandoned tasks still running (kept to abort them on shutdown). */
  readonly #zombies = new Set<Node>();
  #queued = 0;
  #running = 0;
  #abandoned = 0;
  #closed = false;
  #idle: Array<() => void> = [];

  /**
   * Creates a scheduler.
   *
   * @param options The concurrency bound and the per-task deadline.
   * @throws {RuntimeError} `BOT_DISPATCHER_SCHEDULER_INVALID_OPTIONS` for bad options.
   */
  constructor(options: KeyedSchedulerOptions) {
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new RuntimeError(
        "BOT_DISPATCHER_SCHEDULER_INVALID_OPTIONS",
        `@bot/dispatcher: invalid KeyedScheduler options: ${parsed.issues[0].message}`,
      );
    }
    this.#concurrency = parsed.output.concurrency;
    this.#timeoutMs = parsed.output.timeoutMs ?? 0;
    this.#runningList = new RunningList(this.#timeoutMs, (node) => this.#timeOut(node));
  }

  /** The number of tasks submitted and not started yet. */
  get size(): number {
    return this.#queued;
  }

  /** The number of tasks running now (abandoned ones not counted). */
  get running(): number {
    return this.#running;
  }

  /** Tasks abandoned at their deadline whose work has not settled yet. */
  get abandoned(): number {
    return this.#abandoned;
  }

  /** The concurrency bound. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** The per-task deadline in milliseconds (`0`: none). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Submits a task (the allocation-light entry point: no promise).
   *
   * @param key The ordering key, or `undefined` for none.
   * @param task The work and its hooks.
   * @returns The task's handle (its state and signal).
   */
  submit(key: TaskKey, task: SchedulerTask): TaskHandle {
    const node = new Node(this.#runningList, key, task);
    if (this.#closed) {
      node.code = DROPPED;
      task.dropped?.();
      return node;
    }
    this.#queued += 1;
    if (key !== undefined) {
      const last = this.#lines.get(key);
      this.#lines.set(key, node);
      if (last !== undefined) {
        last.nextInLine = node;
        return node;
      }
    }
    this.#ready(node);
    return node;
  }

  /**
   * Schedules a function.
   *
   * @param key The ordering key (tasks with one key run in order), or `undefined` for none.
   * @param task The work; it gets the handle (its signal).
   * @returns A promise settled with the task's outcome: rejected with a {@link HandlerTimeoutError}
   *   at the deadline, or `BOT_DISPATCHER_SCHEDULER_CLOSED` when dropped.
   */
  schedule(key: TaskKey, task: (handle: TaskHandle) => Promise<void> | void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.submit(key, new PromiseTask(task, resolve, reject));
    });
  }

  /**
   * Waits until nothing is queued or running (abandoned tasks are not waited for).
   *
   * @returns A promise resolved when the scheduler is idle.
   */
  idle(): Promise<void> {
    if (this.#queued === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Drops every task that has not started (their `dropped` hook runs, `schedule` promises reject
   * with `BOT_DISPATCHER_SCHEDULER_CLOSED`) and every task submitted from now on. Running tasks go
   * on.
   */
  close(): void {
    this.#closed = true;
    let ready = this.#readyHead;
    this.#readyHead = undefined;
    this.#readyTail = undefined;
    while (ready !== undefined) {
      const node = ready;
      ready = node.nextReady;
      node.nextReady = undefined;
      // A ready task heads its line: the line goes with it.
      if (node.key !== undefined) this.#lines.delete(node.key);
      this.#dropLine(node);
    }
    // The lines left are headed by a running task: drop what waits behind it.
    for (let node = this.#runningList.oldest; node !== undefined; node = node.newer) {
      const behind = node.nextInLine;
      if (behind === undefined) continue;
      node.nextInLine = undefined;
      if (node.key !== undefined) this.#lines.set(node.key, node);
      this.#dropLine(behind);
    }
    this.#wakeIfIdle();
  }

  /**
   * Aborts the signal of every running task (and of abandoned ones), e.g. at the end of a
   * shutdown grace period. Tasks started later are not affected.
   *
   * @param reason The abort reason the tasks see.
   */
  abort(reason: unknown): void {
    for (let node = this.#runningList.oldest; node !== undefined; node = node.newer) {
      node.abort(reason);
    }
    for (const node of this.#zombies) node.abort(reason);
  }

  #dropLine(first: Node): void {
    let node: Node | undefined = first;
    while (node !== undefined) {
      const next: Node | undefined = node.nextInLine;
      node.nextInLine = undefined;
      node.code = DROPPED;
      this.#queued -= 1;
      try {
        node.task.dropped?.();
      } catch {
        // a hook must not break the scheduler
      }
      node = next;
    }
  }

  /** A task whose turn in its line came: start it if a slot is free, else wait for one. */
  #ready(node: Node): void {
    if (this.#running < this.#concurrency && this.#readyHead === undefined) this.#start(node);
    else if (this.#readyTail === undefined) {
      this.#readyHead = node;
      this.#readyTail = node;
    } else {
      this.#readyTail.nextReady = node;
      this.#readyTail = node;
    }
  }

  #start(node: Node): void {
    this.#queued -= 1;
    this.#running += 1;
    node.code = RUNNING;
    this.#runningList.add(node);
    let result: Promise<void> | void;
    try {
      result = node.task.run(node);
    } catch (error) {
      this.#settle(node, true, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        () => this.#settle(node, false, undefined),
        (error: unknown) => this.#settle(node, true, error),
      );
    } else this.#settle(node, false, undefined);
  }

  #settle(node: Node, failed: boolean, error: unknown): void {
    if (node.code === TIMED_OUT) {
      this.#abandoned -= 1;
      this.#zombies.delete(node);
      return;
    }
    node.code = FINISHED;
    this.#runningList.remove(node);
    try {
      node.task.finished?.(failed, error);
    } catch {
      // a hook must not break the scheduler
    }
    this.#free(node);
  }

  /** Frees a task's slot and key, and starts what waited for them. */
  #free(node: Node): void {
    this.#running -= 1;
    const key = node.key;
    if (key !== undefined) {
      const next = node.nextInLine;
      node.nextInLine = undefined;
      if (next === undefined) this.#lines.delete(key);
      else this.#ready(next);
    }
    while (this.#running < this.#concurrency && this.#readyHead !== undefined) {
      const ready = this.#readyHead;
      this.#readyHead = ready.nextReady;
      ready.nextReady = undefined;
      if (this.#readyHead === undefined) this.#readyTail = undefined;
      this.#start(ready);
    }
    this.#wakeIfIdle();
  }

  #wakeIfIdle(): void {
    if (this.#running === 0 && this.#queued === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const wake of waiters) wake();
    }
  }

  #timeOut(node: Node): void {
    node.code = TIMED_OUT;
    this.#abandoned += 1;
    this.#zombies.add(node);
    const error = new HandlerTimeoutError(this.#timeoutMs);
    node.abort(error);
    try {
      node.task.timedOut?.(error);
    } catch {
      // a hook must not break the scheduler
    } finally {
      this.#free(node);
    }
  }
}
