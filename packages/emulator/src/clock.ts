/** The time source of the emulator: message dates and webhook error dates come from it. */
export interface Clock {
  /**
   * The current time.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  now(): number;
}

/** A timer started on a {@link TimerClock}; pass it to `clearTimeout`. */
export type TimerHandle = object;

/**
 * A clock that also runs timers, so code under test can wait on the emulator's time: with a
 * {@link ManualClock}, a 5 s alarm fires when the test advances the clock, not after 5 s.
 */
export interface TimerClock extends Clock {
  /**
   * Runs a callback once, after a delay on this clock.
   *
   * @param callback What to run.
   * @param ms The delay in milliseconds.
   * @returns A handle for `clearTimeout`.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /**
   * Cancels a timer; unknown or fired handles are ignored.
   *
   * @param handle The handle `setTimeout` returned.
   */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock, with Node's timers. */
export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when a test moves it. Its timers fire while it is advanced, in the
 * order they are due, each with `now()` at its due time.
 */
export class ManualClock implements TimerClock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];

  /**
   * Creates a manual clock.
   *
   * @param start The start time in milliseconds since the epoch (default 2026-01-01T00:00:00Z).
   */
  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /**
   * The current time.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  now(): number {
    return this.#now;
  }

  /**
   * Runs a callback once the clock has been advanced by `ms`.
   *
   * @param callback What to run.
   * @param ms The delay in milliseconds (negative counts as 0).
   * @returns A handle for `clearTimeout`.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
    return timer;
  }

  /**
   * Cancels a timer.
   *
   * @param handle The handle `setTimeout` returned.
   */
  clearTimeout(handle: TimerHandle): void {
    const i = this.#timers.indexOf(handle as ManualTimer);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #takeDue(target: number): ManualTimer | undefined {
    const next = this.#timers[0];
    if (next === undefined || next.due > target) return undefined;
    this.#timers.shift();
    this.#now = Math.max(this.#now, next.due);
    return next;
  }

  /**
   * Moves the clock forward, firing due timers synchronously in order (a timer set by a
   * callback fires too if it falls inside the window). A callback's error is rethrown after
   * the clock has reached its target.
   *
   * @param ms How many milliseconds to add (may be fractional seconds' worth).
   * @returns The new time.
   */
  advance(ms: number): number {
    const target = this.#now + ms;
    let failure: { error: unknown } | undefined;
    for (let t = this.#takeDue(target); t !== undefined; t = this.#takeDue(target)) {
      try {
        t.callback();
      } catch (error) {
        failure ??= { error };
      }
    }
    this.#now = target;
    if (failure !== undefined) throw failure.error;
    return this.#now;
  }

  /**
   * Like {@link ManualClock.advance}, but lets the event loop run after each timer, so work
   * a timer starts (an API call, a promise chain) gets going before the next one fires.
   *
   * @param ms How many milliseconds to add.
   * @returns The new time.
   */
  async advanceAsync(ms: number): Promise<number> {
    const target = this.#now + ms;
    for (let t = this.#takeDue(target); t !== undefined; t = this.#takeDue(target)) {
      t.callback();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#now = target;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.#now;
  }

  /**
   * Sets the clock.
   *
   * @param ms Milliseconds since the epoch.
   */
  set(ms: number): void {
    this.#now = ms;
  }
}
