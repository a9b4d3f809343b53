/**
 * One worker process's share of a queue: partition leases (with fencing), the read loops, the
 * keyed scheduler that keeps each chat in order, acknowledgment and the graceful stop.
 *
 * @module
 */
import { hostname } from "node:os";
import { LeaseLostError, LockTimeoutError } from "@bot/dispatcher";
import type {
  StorageLease,
  UpdateSourceHandler,
  UpdateSourceRunOptions,
} from "@bot/dispatcher/advanced";
import { KeyedScheduler, type SchedulerTask, type TaskHandle } from "@bot/dispatcher/advanced";
import type { Update } from "@bot/types";
import { RedisStorageError } from "../errors.js";
import type { QueueCore } from "./queue.js";
import { sleep } from "./queue.js";
import { ACK, CLAIM, HEARTBEAT, OWNER, READ } from "./scripts.js";

type RawEntry = [string, string[] | null];

/** One owned partition. */
class Part {
  /** `active`: reading; `draining`: being given up (nothing new starts); `lost`: lease gone. */
  state: "active" | "draining" | "lost" = "active";
  /** Entries submitted to the scheduler and not settled yet. */
  inflight = 0;
  acks: string[] = [];
  flushing: Promise<void> | undefined;
  loop: Promise<void> = Promise.resolve();
  readonly stop = new AbortController();
  #empty: (() => void)[] = [];

  constructor(
    readonly p: number,
    readonly lease: StorageLease,
  ) {}

  settled(): void {
    this.inflight -= 1;
    if (this.inflight === 0) for (const f of this.#empty.splice(0)) f();
  }

  drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#empty.push(resolve));
  }
}

let workers = 0;

/** Runs one process's share of a queue until its signal aborts. */
export class Worker {
  readonly #c: QueueCore;
  readonly #handler: UpdateSourceHandler;
  readonly #opts: UpdateSourceRunOptions;
  readonly #scheduler: KeyedScheduler;
  readonly #id =
    `${hostname()}:${process.pid}:${(++workers).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  readonly #parts = new Map<number, Part>();
  /** Parts given up or lost whose entries still run (their partition is not taken again yet). */
  readonly #retired = new Set<Part>();
  readonly #limit: number;
  #stopping = false;
  #waiting: (() => void)[] = [];

  constructor(core: QueueCore, handler: UpdateSourceHandler, opts: UpdateSourceRunOptions) {
    this.#c = core;
    this.#handler = handler;
    this.#opts = opts;
    this.#scheduler = new KeyedScheduler({ concurrency: opts.concurrency });
    this.#limit = Math.max(2 * opts.concurrency, core.o.readCount);
  }

  #publish(m: Record<string, unknown>): void {
    const ch = this.#c.channel;
    if (ch.hasSubscribers) ch.publish({ queue: this.#c.o.name, worker: this.#id, ...m });
  }

  async run(signal: AbortSignal): Promise<void> {
    const tickMs = Math.max(100, Math.ceil(this.#c.o.leaseMs / 3));
    const stop = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.#publish({ type: "worker-started" });
    const ticking = (async () => {
      while (!this.#stopping) {
        try {
          await this.#tick();
        } catch (error) {
          this.#opts.report(error);
        }
        await sleep(tickMs, signal);
      }
    })();
    await stop;
    this.#stopping = true;
    await ticking;
    // The leases stay renewed through the stop's grace, until each partition is released.
    const stopped = new AbortController();
    const keeping = (async () => {
      while (!stopped.signal.aborted) {
        await sleep(tickMs, stopped.signal);
        if (!stopped.signal.aborted) await this.#renew();
      }
    })();
    try {
      await this.#shutdown();
    } finally {
      stopped.abort();
      await keeping;
    }
  }

  /** Heartbeat, renew, rebalance. */
  async #tick(): Promise<void> {
    const c = this.#c;
    const ids = (await c.commander.run(
      HEARTBEAT,
      [c.registry],
      [this.#id, String(c.o.leaseMs), "0"],
    )) as string[];
    // By id, so every worker computes the same shares.
    ids.sort();
    if (this.#stopping) return;
    await this.#renew();
    const k = c.o.partitions;
    const n = Math.max(1, ids.length);
    const index = Math.max(0, ids.indexOf(this.#id));
    const target = Math.floor(k / n) + (index < k % n ? 1 : 0);
    const active = [...this.#parts.values()].filter((p) => p.state === "active");
    this.#publish({
      type: "worker-tick",
      workers: ids.length,
      target,
      owned: active.map((p) => p.p),
      running: this.#scheduler.running,
      queued: this.#scheduler.size,
    });
    if (active.length > target) {
      // Give up the extras: others are waiting for their share.
      for (const part of active.slice(target)) void this.#giveUp(part);
      return;
    }
    let want = target - active.length;
    const start = Math.floor((index * k) / n);
    for (let i = 0; i < k && want > 0 && !this.#stopping; i++) {
      const p = (start + i) % k;
      if (this.#parts.has(p) || [...this.#retired].some((r) => r.p === p)) continue;
      let lease: StorageLease;
      try {
        lease = await c.locks.lock([c.part(p)], { ttlMs: c.o.leaseMs, waitMs: 0 });
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) this.#opts.report(error);
        continue;
      }
      if (this.#stopping) {
        await lease.release().catch(() => false);
        return;
      }
      want -= 1;
      this.#take(p, lease);
    }
  }

  /**
   * Extends the lease of every partition still held, draining ones included: a partition being
   * given up (at a rebalance or at the stop) stays this worker's until its running entries
   * finished and it is released, however long the grace, so no other worker reruns them meanwhile.
   */
  async #renew(): Promise<void> {
    const c = this.#c;
    await Promise.all(
      [...this.#parts.values()].map(async (part) => {
        if (part.state === "lost") return;
        try {
          await part.lease.extend(c.o.leaseMs);
          await c.commander.run(OWNER, [c.owner(part.p)], [this.#id, String(c.o.leaseMs), "set"]);
        } catch (error) {
          // Released meanwhile (no longer held): nothing was lost.
          if (!this.#parts.has(part.p)) return;
          if (error instanceof LeaseLostError) this.#lose(part);
          else this.#opts.report(error);
        }
      }),
    );
  }

  #take(p: number, lease: StorageLease): void {
    const c = this.#c;
    const part = new Part(p, lease);
    this.#parts.set(p, part);
    this.#publish({ type: "acquired", partition: p, token: lease.token, at: Date.now() });
    void c.commander
      .run(OWNER, [c.owner(p)], [this.#id, String(c.o.leaseMs), "set"])
      .catch((e: unknown) => this.#opts.report(e));
    part.loop = this.#read(part).catch((error: unknown) => {
      this.#opts.report(error);
      this.#lose(part);
    });
  }

  #lose(part: Part): void {
    if (part.state === "lost") return;
    part.state = "lost";
    part.stop.abort();
    this.#parts.delete(part.p);
    this.#retired.add(part);
    this.#publish({ type: "lost", partition: part.p, at: Date.now() });
    void part.drained().then(() => this.#retired.delete(part));
  }

  /** Stops reading a partition, lets its started entries finish, acks, releases the lease. */
  async #giveUp(part: Part): Promise<void> {
    if (part.state !== "active") return;
    part.state = "draining";
    part.stop.abort();
    await part.loop;
    await part.drained();
    await this.#flush(part);
    await this.#release(part);
  }

  async #release(part: Part): Promise<void> {
    const c = this.#c;
    this.#parts.delete(part.p);
    await c.commander.run(OWNER, [c.owner(part.p)], [this.#id, "1", "del"]).catch(() => 0);
    const released = await part.lease.release().catch(() => false);
    this.#publish({ type: "released", partition: part.p, released, at: Date.now() });
  }

  async #room(): Promise<void> {
    const s = this.#scheduler;
    while (s.size + s.running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #wake(): void {
    const s = this.#scheduler;
    if (s.size + s.running < this.#limit) for (const f of this.#waiting.splice(0)) f();
  }

  /** The partition's read loop: first the previous owner's pending entries, then new ones. */
  async #read(part: Part): Promise<void> {
    const c = this.#c;
    const keys = [c.fence(part.p), c.stream(part.p)];
    const token = String(part.lease.token);
    let cursor = "0-0";
    let reruns = 0;
    let failures = 0;
    do {
      let reply: unknown;
      try {
        reply = await c.commander.run(CLAIM, keys, [
          token,
          c.group,
          this.#id,
          cursor,
          String(c.o.readCount),
        ]);
      } catch (error) {
        this.#opts.report(error);
        await sleep(Math.min(2000, 50 * 2 ** failures++), part.stop.signal);
        if (part.state !== "active") return;
        continue;
      }
      if (reply === -1) return this.#lose(part);
      const [next, entries] = reply as [string, RawEntry[]];
      cursor = next;
      reruns += entries.length;
      for (const e of entries) this.#submit(part, e);
      await this.#room();
    } while (cursor !== "0-0" && part.state === "active");
    if (reruns > 0) this.#publish({ type: "claimed", partition: part.p, count: reruns });
    let idle = 0;
    failures = 0;
    while (part.state === "active" && !this.#stopping) {
      await this.#room();
      if (part.state !== "active" || this.#stopping) break;
      let reply: unknown;
      try {
        reply = await c.commander.run(READ, keys, [
          token,
          c.group,
          this.#id,
          String(c.o.readCount),
        ]);
        failures = 0;
      } catch (error) {
        this.#opts.report(error);
        await sleep(Math.min(2000, 50 * 2 ** failures++), part.stop.signal);
        continue;
      }
      if (reply === -1) return this.#lose(part);
      const entries = reply as RawEntry[];
      if (entries.length === 0) {
        await sleep(Math.min(25, 2 ** idle++), part.stop.signal);
        continue;
      }
      idle = 0;
      for (const e of entries) this.#submit(part, e);
    }
  }

  #submit(part: Part, [id, fields]: RawEntry): void {
    let update: Update | undefined;
    let key = "";
    if (Array.isArray(fields)) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i] === "u") {
          try {
            update = JSON.parse(fields[i + 1] as string) as Update;
          } catch {
            update = undefined;
          }
        } else if (fields[i] === "k") key = fields[i + 1] as string;
      }
    }
    if (update === undefined || typeof update !== "object" || update === null) {
      // A poisoned entry never runs: report and drop it.
      this.#opts.report(
        new RedisStorageError(
          "BOT_REDIS_INVALID_VALUE",
          `queue "${this.#c.o.name}" partition ${part.p}: entry ${id} holds no update; dropped`,
        ),
      );
      this.#ack(part, id);
      return;
    }
    part.inflight += 1;
    const u = update;
    const task: SchedulerTask = {
      run: async (handle: TaskHandle) => {
        // A partition given up or lost: entries not started stay pending for the next owner.
        if (part.state !== "active") return;
        const done = await this.#handler(u, handle.signal);
        if (done) this.#ack(part, id);
      },
      finished: (failed, error) => {
        if (failed) this.#opts.report(error, u);
        part.settled();
        this.#wake();
      },
      dropped: () => {
        part.settled();
        this.#wake();
      },
    };
    this.#scheduler.submit(key === "" ? undefined : `${part.p}:${key}`, task);
  }

  #ack(part: Part, id: string): void {
    part.acks.push(id);
    if (part.flushing === undefined) {
      part.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        this.#flushNow(part),
      );
    }
  }

  async #flushNow(part: Part): Promise<void> {
    const c = this.#c;
    for (let failures = 0; part.acks.length > 0; ) {
      const ids = part.acks.splice(0, 500);
      try {
        await c.commander.run(ACK, [c.stream(part.p)], [c.group, ...ids]);
        failures = 0;
      } catch (error) {
        part.acks.unshift(...ids);
        this.#opts.report(error);
        // Unacknowledged entries run again on the next owner (dedup skips them): give up at stop.
        if (this.#stopping && failures >= 2) {
          part.acks = [];
          break;
        }
        await sleep(Math.min(2000, 50 * 2 ** failures++));
      }
    }
    part.flushing = undefined;
  }

  async #flush(part: Part): Promise<void> {
    while (part.flushing !== undefined) await part.flushing;
    if (part.acks.length > 0) await this.#flushNow(part);
  }

  /** The graceful stop: nothing new starts, running entries get the grace, then everything goes. */
  async #shutdown(): Promise<void> {
    const parts = [...this.#parts.values()];
    for (const part of parts) {
      if (part.state === "active") part.state = "draining";
      part.stop.abort();
    }
    for (const f of this.#waiting.splice(0)) f();
    await Promise.all(parts.map((p) => p.loop));
    // Entries not started stay pending: the next owner of their partition runs them.
    this.#scheduler.close();
    const idle = this.#scheduler.idle();
    const graceOver = await Promise.race([
      idle.then(() => false),
      sleep(this.#opts.graceMs).then(() => true),
    ]);
    if (graceOver) {
      this.#scheduler.abort(
        new RedisStorageError(
          "BOT_REDIS_UNAVAILABLE",
          `queue "${this.#c.o.name}": the stop's grace (${this.#opts.graceMs} ms) ran out`,
        ),
      );
      // Aborted handlers answer "not done" quickly; those that ignore their signal are left.
      await Promise.race([idle, sleep(1000)]);
    }
    await Promise.all(parts.map((p) => this.#flush(p)));
    await Promise.all(parts.filter((p) => p.state !== "lost").map((p) => this.#release(p)));
    const c = this.#c;
    await c.commander
      .run(HEARTBEAT, [c.registry], [this.#id, String(c.o.leaseMs), "1"])
      .catch(() => undefined);
    this.#publish({ type: "worker-stopped", at: Date.now() });
  }
}
