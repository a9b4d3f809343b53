import type { Update } from "@bot/types";

const PENDING = 0;
const DONE = 1;
const LEFT = 2;
/** Pending, but a lower update must be delivered again first: it leaves when its turn comes. */
const STALE = 3;

/**
 * The received-but-unconfirmed updates of a poller, in `update_id` order, and the contiguous
 * watermark: the highest id that finished together with every id received before it. Ids
 * need not be consecutive (Telegram may skip ids), so the window tracks what it received.
 */
export class UpdateWindow {
  /** Received ids not yet behind the watermark, oldest first, with their states. */
  #ids: number[] = [];
  #state: number[] = [];
  #head = 0;
  #highest: number | undefined;
  #watermark: number | undefined;
  #inFlight = 0;
  #advanced = false;
  /** How many entries are {@link STALE} (0 on the usual path: no search per update then). */
  #stale = 0;
  #drained: Array<() => void> = [];

  /** Updates received and not finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Updates received and not yet behind the watermark (finished or not). */
  get pending(): number {
    return this.#ids.length - this.#head;
  }

  /** Whether the watermark moved since the last fetch. */
  get advancedSinceFetch(): boolean {
    return this.#advanced;
  }

  /** The highest `update_id` whose handling finished along with all lower received ones. */
  get watermark(): number | undefined {
    return this.#watermark;
  }

  /**
   * The offset that confirms everything finished.
   *
   * @param confirmed The offset sent last, if any.
   * @returns `watermark + 1`, or the last offset when nothing finished since.
   */
  nextOffset(confirmed: number | undefined): number | undefined {
    if (this.#watermark === undefined) return confirmed;
    const offset = this.#watermark + 1;
    return confirmed === undefined || offset > confirmed ? offset : confirmed;
  }

  /** Records that a fetch was sent. */
  markFetched(): void {
    this.#advanced = false;
  }

  /**
   * Takes a batch and returns the updates to run: the ones not seen before, and the ones seen
   * before that were left unconfirmed ({@link leave}) and are delivered again. A batch repeats
   * every update still unconfirmed, since the offset only moves past finished ones: those that
   * finished or still run are skipped.
   *
   * @param updates The `getUpdates` result.
   * @returns The updates to run, in order.
   */
  accept(updates: readonly Update[]): Update[] {
    const fresh: Update[] = [];
    for (const update of updates) {
      const id = update.update_id;
      if (this.#watermark !== undefined && id <= this.#watermark) continue;
      if (this.#highest !== undefined && id <= this.#highest) {
        const index = this.#find(id);
        if (index < 0 || this.#state[index] !== LEFT) continue;
        this.#state[index] = PENDING; // left earlier: delivered again, runs now
        this.#inFlight += 1;
        fresh.push(update);
        continue;
      }
      this.#highest = id;
      this.#ids.push(id);
      this.#state.push(PENDING);
      this.#inFlight += 1;
      fresh.push(update);
    }
    return fresh;
  }

  /**
   * Marks an update finished and moves the watermark over the finished prefix.
   *
   * @param id The `update_id` that finished.
   */
  finish(id: number): void {
    const index = this.#find(id);
    if (index < 0 || !this.#takePending(index)) return;
    this.#state[index] = DONE;
    this.#inFlight -= 1;
    while (this.#head < this.#ids.length && this.#state[this.#head] === DONE) {
      this.#watermark = this.#ids[this.#head];
      this.#head += 1;
      this.#advanced = true;
    }
    if (this.#head > 256 && this.#head * 2 > this.#ids.length) {
      this.#ids = this.#ids.slice(this.#head);
      this.#state = this.#state.slice(this.#head);
      this.#head = 0;
    }
    this.#wakeIfDrained();
  }

  /**
   * Leaves an update unconfirmed for good (it did not run: a stop came first). It is no longer
   * in flight, and the watermark never passes it, so Telegram delivers it again.
   *
   * @param id The `update_id` left.
   */
  leave(id: number): void {
    const index = this.#find(id);
    if (index < 0 || !this.#takePending(index)) return;
    this.#state[index] = LEFT;
    this.#inFlight -= 1;
    this.#wakeIfDrained();
  }

  /**
   * An update must be delivered again (it was not handled: storage down): every pending update
   * above it turns stale, so those that have not started yet leave at their turn instead of
   * running ahead of it; the next fetch brings them all again, in order ({@link accept}).
   * Those already running finish normally and are not run again.
   *
   * @param id The `update_id` to deliver again (left by its task).
   */
  rewind(id: number): void {
    for (let i = this.#head; i < this.#ids.length; i++) {
      if ((this.#ids[i] as number) > id && this.#state[i] === PENDING) {
        this.#state[i] = STALE;
        this.#stale += 1;
      }
    }
  }

  /**
   * Whether an update turned stale ({@link rewind}): its task must leave instead of starting.
   *
   * @param id The `update_id`.
   * @returns `true` when it must leave.
   */
  isStale(id: number): boolean {
    if (this.#stale === 0) return false;
    const index = this.#find(id);
    return index >= 0 && this.#state[index] === STALE;
  }

  /** Whether an entry is pending (or stale); clears the stale count for it. */
  #takePending(index: number): boolean {
    const state = this.#state[index];
    if (state === STALE) {
      this.#stale -= 1;
      return true;
    }
    return state === PENDING;
  }

  #wakeIfDrained(): void {
    if (this.#inFlight === 0) {
      const waiters = this.#drained;
      this.#drained = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Waits until nothing is in flight.
   *
   * @returns A promise resolved when every received update finished.
   */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Binary search of an id among the pending ones (ids are increasing). */
  #find(id: number): number {
    let lo = this.#head;
    let hi = this.#ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.#ids[mid]!;
      if (value === id) return mid;
      if (value < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
