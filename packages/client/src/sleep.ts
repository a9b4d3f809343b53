/**
 * An abortable sleep.
 */
import { AbortError } from "./errors.js";

/**
 * Waits some time, or rejects with an `AbortError` when the signal fires.
 *
 * @param ms How long to wait.
 * @param signal Aborts the wait.
 * @param method The method the wait belongs to, for the error.
 * @returns When the time has passed.
 */
export function sleep(ms: number, signal: AbortSignal | undefined, method: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(method, signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(method, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
