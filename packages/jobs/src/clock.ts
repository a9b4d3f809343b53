/**
 * The clock jobs run on. It has the shape of `@bot/emulator`'s `TimerClock`, so a test can
 * pass the emulator's `ManualClock` and fire a 5 s alarm by advancing it.
 *
 * @module
 */

/** A timer handle, passed back to `clearTimeout`. */
export type JobTimer = object;

/** Time and timers. */
export interface JobClock {
  /** @returns Milliseconds since the epoch. */
  now(): number;
  /**
   * Runs a callback once after a delay.
   *
   * @param callback What to run.
   * @param ms The delay in milliseconds.
   * @returns A handle.
   */
  setTimeout(callback: () => void, ms: number): JobTimer;
  /**
   * Cancels a timer.
   *
   * @param handle The handle.
   */
  clearTimeout(handle: JobTimer): void;
}

/** Node's timers can wait at most 2^31 - 1 ms; longer waits are chained. */
const MAX_DELAY = 2_147_483_647;

/** The wall clock with Node's timers (unreferenced, so pending jobs do not keep a process alive). */
export const systemClock: JobClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const t = setTimeout(callback, Math.min(Math.max(0, ms), MAX_DELAY));
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
