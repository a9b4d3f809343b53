/**
 * The embedded driver: jobs in this process's memory, due times in a binary heap, one timer
 * for the earliest. Not durable: a restart forgets every job.
 *
 * @module
 */
import { type JobClock, type JobTimer, systemClock } from "./clock.js";
import { indexTag, indexTags, type JobRecord, type JobsDriver, type RunJob } from "./driver.js";
import { nextRun } from "./schedule.js";

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly id: string;
  /** A retry of a failed run (not the record's own schedule). */
  readonly retry?: { readonly dueAt: number; readonly attempt: number } | undefined;
}

/** A min-heap of entries by time, then insertion order. */
class Heap {
  readonly #a: Entry[] = [];

  get size(): number {
    return this.#a.length;
  }

  peek(): Entry | undefined {
    return this.#a[0];
  }

  push(e: Entry): void {
    const a = this.#a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as Entry, a[p] as Entry)) break;
      [a[i], a[p]] = [a[p] as Entry, a[i] as Entry];
      i = p;
    }
  }

  pop(): Entry | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as Entry, a[m] as Entry)) m = l;
        if (r < a.length && less(a[r] as Entry, a[m] as Entry)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Entry, a[i] as Entry];
        i = m;
      }
    }
    return top;
  }
}

const less = (x: Entry, y: Entry) => x.at < y.at || (x.at === y.at && x.seq < y.seq);

/** Options of {@link MemoryDriver}. */
export interface MemoryDriverOptions {
  /** Time and timers (default: the wall clock). A `ManualClock` from `@bot/emulator` fits. */
  readonly clock?: JobClock | undefined;
}

/**
 * Jobs in memory. A run fires when its time comes; a repeating job's next run is computed from
 * the moment it fires, so runs missed while the process was busy or not started are coalesced
 * into one. Stale heap entries (a job removed, paused or rescheduled) are skipped when popped.
 */
export class MemoryDriver implements JobsDriver {
  readonly #clock: JobClock;
  readonly #records = new Map<string, JobRecord>();
  /** Index entry (see `indexTags`) to the ids of the records under it. */
  readonly #index = new Map<string, Set<string>>();
  readonly #heap = new Heap();
  #seq = 0;
  #timer: JobTimer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #run: RunJob | undefined;
  readonly #running = new Set<Promise<void>>();

  /**
   * Creates the driver.
   *
   * @param options The clock.
   */
  constructor(options: MemoryDriverOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** The clock the driver runs on. */
  get clock(): JobClock {
    return this.#clock;
  }

  async start(run: RunJob): Promise<void> {
    this.#run = run;
    this.#arm();
  }

  async stop(graceMs: number): Promise<void> {
    this.#run = undefined;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#running.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#running]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async put(record: JobRecord): Promise<void> {
    const old = this.#records.get(record.id);
    if (old !== undefined) this.#unindex(old);
    this.#records.set(record.id, record);
    for (const t of indexTags(record)) {
      const ids = this.#index.get(t);
      if (ids === undefined) this.#index.set(t, new Set([record.id]));
      else ids.add(record.id);
    }
    if (!record.paused && record.nextRunAt !== undefined)
      this.#schedule(record.id, record.nextRunAt);
  }

  async remove(id: string): Promise<boolean> {
    return this.#delete(id);
  }

  async list(): Promise<JobRecord[]> {
    return [...this.#records.values()];
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.#records.get(id);
  }

  async find(tag: string, chatId?: number): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const id of this.#index.get(indexTag(tag, chatId)) ?? []) {
      const r = this.#records.get(id);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** How many index entries there are (for tests: removed jobs leave none behind). */
  get indexSize(): number {
    let n = 0;
    for (const ids of this.#index.values()) n += ids.size;
    return n;
  }

  #delete(id: string): boolean {
    const r = this.#records.get(id);
    if (r === undefined) return false;
    this.#records.delete(id);
    this.#unindex(r);
    return true;
  }

  #unindex(r: JobRecord): void {
    for (const t of indexTags(r)) {
      const ids = this.#index.get(t);
      ids?.delete(r.id);
      if (ids?.size === 0) this.#index.delete(t);
    }
  }

  #schedule(id: string, at: number, retry?: Entry["retry"]): void {
    this.#heap.push({ at, seq: this.#seq++, id, retry });
    if (at < this.#timerAt) this.#arm();
  }

  #arm(): void {
    if (this.#run === undefined) return;
    const next = this.#heap.peek();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (next === undefined) return;
    this.#timerAt = next.at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), next.at - this.#clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const run = this.#run;
    if (run === undefined) return;
    const now = this.#clock.now();
    for (let e = this.#heap.peek(); e !== undefined && e.at <= now; e = this.#heap.peek()) {
      this.#heap.pop();
      const record = this.#records.get(e.id);
      if (record === undefined || record.paused) continue;
      if (e.retry !== undefined) {
        this.#execute(run, record, e.retry.dueAt, e.retry.attempt);
        continue;
      }
      // A stale entry: the record was rescheduled since this entry was pushed.
      if (record.nextRunAt !== e.at) continue;
      record.nextRunAt =
        record.schedule.kind === "once" ? undefined : nextRun(record.schedule, now);
      if (record.nextRunAt !== undefined) this.#schedule(record.id, record.nextRunAt);
      // A one-shot job without retries leaves the list when its run starts (as with BullMQ).
      else if (record.attempts <= 1) this.#delete(record.id);
      this.#execute(run, record, e.at, 1);
    }
    this.#arm();
  }

  #execute(run: RunJob, record: JobRecord, dueAt: number, attempt: number): void {
    // A job that will not run again is forgotten once its last run settled without a retry.
    const settle = () => {
      if (record.nextRunAt === undefined && this.#records.get(record.id) === record)
        this.#delete(record.id);
    };
    const p = run({ record, dueAt, attempt }).then(settle, () => {
      if (attempt >= record.attempts || this.#run === undefined) return settle();
      const delay = record.backoffMs * 2 ** (attempt - 1);
      this.#schedule(record.id, this.#clock.now() + delay, { dueAt, attempt: attempt + 1 });
    });
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
  }
}
