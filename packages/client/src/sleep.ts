/**
 * The clock the client's policies wait on, and an abortable sleep on it.
 */
import { AbortError } from "./errors.js";

/**
 * A time source with timers. The retry and 429 policies wait on it, so a test can drive them
 * with a manual clock (the emulator's `ManualClock` fits) instead of waiting for real.
 */
export interface Clock {
  /**
   * The current time.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  now(): number;
  /**
   * Runs a callback once after a delay.
   *
   * @param callback What to run.
   * @param ms The delay in milliseconds.
   * @returns A handle for {@link Clock.clearTimeout}.
   */
  setTimeout(callback: () => void, ms: number): unknown;
  /**
   * Cancels a timer.
   *
   * @param handle What `setTimeout` returned.
   */
  clearTimeout(handle: unknown): void;
}

/** The wall clock with Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Waits some time, or rejects with an `AbortError` when the signal fires.
 *
 * @param ms How long to wait.
 * @param signal Aborts the wait.
 * @param method The method the wait belongs to, for the error.
 * @param clock The clock to wait on (default: the wall clock).
 * @returns When the time has passed.
 */
export function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  method: string,
  clock: Clock = systemClock,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(method, signal.reason));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(new AbortError(method, signal?.reason));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
