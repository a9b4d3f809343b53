/**
 * The retry policy: which failed attempts are repeated and after how long. 5xx replies, lost
 * connections and timeouts are repeated with exponential backoff when the method is safe to
 * repeat (or the request provably never left); 429 replies are repeated after `retry_after`,
 * spread over a short window, until an attempt count or a total wait runs out.
 */
import { AbortError, ApiError, NetworkError, TimeoutError } from "./errors.js";
import { isSafeToRepeat } from "./options.js";
import { type Clock, sleep, systemClock } from "./sleep.js";
import { bodyWasConsumed } from "./transport.js";
import type { ApiCall, Interceptor } from "./types.js";

/** The options of {@link RetryPolicy} (all in ms where a time). */
export interface RetryPolicyOptions {
  /** Attempts per call for 5xx, network errors and timeouts, the first included (default 3). */
  readonly maxAttempts?: number;
  /** The first backoff delay (default 250). */
  readonly baseDelayMs?: number;
  /** The cap of the backoff delay (default 10 000). */
  readonly maxDelayMs?: number;
  /** A 429 asking to wait longer than this is thrown at once (default 60 000). */
  readonly maxRetryAfterMs?: number;
  /** Sends of one call that may meet a 429, the first included (default 100). */
  readonly maxFloodAttempts?: number;
  /** The longest total wait of one call on 429 replies (default 300 000: five minutes). */
  readonly maxFloodWaitMs?: number;
  /** Each repeat after a 429 waits `retry_after` plus up to this much at random (default 1000). */
  readonly floodSpreadMs?: number | undefined;
  /** Whether a method may be repeated after its request may have reached Telegram. */
  readonly isSafeToRepeat?: (method: string) => boolean;
  /** The clock to wait on (default: the one the client gives, else the wall clock). */
  readonly clock?: Clock;
  /** The random source of the jitter, in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/** What one call has spent so far. */
export interface RetryState {
  /** Attempts made for 5xx, network errors and timeouts. */
  transient: number;
  /** Attempts that met a 429. */
  flood: number;
  /** Time waited on 429 replies, in ms. */
  floodWaitedMs: number;
}

/** Decides whether and when a failed attempt is repeated. */
export class RetryPolicy {
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #maxFloodAttempts: number;
  readonly #maxFloodWaitMs: number;
  readonly #floodSpreadMs: number;
  readonly #isSafeToRepeat: (method: string) => boolean;
  readonly #random: () => number;
  /** The clock it waits on, if one was given. */
  readonly clock: Clock | undefined;

  /**
   * Builds a policy.
   *
   * @param options Limits and delays; every field has a default.
   */
  constructor(options: RetryPolicyOptions = {}) {
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#baseDelayMs = options.baseDelayMs ?? 250;
    this.#maxDelayMs = options.maxDelayMs ?? 10_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.#maxFloodAttempts = options.maxFloodAttempts ?? 100;
    this.#maxFloodWaitMs = options.maxFloodWaitMs ?? 300_000;
    this.#floodSpreadMs = options.floodSpreadMs ?? 1000;
    this.#isSafeToRepeat = options.isSafeToRepeat ?? isSafeToRepeat;
    this.#random = options.random ?? Math.random;
    this.clock = options.clock;
  }

  /**
   * The wait before the next attempt, counting the failure into `state`.
   *
   * @param method The method.
   * @param error The attempt's error.
   * @param state What the call has spent so far (updated).
   * @returns The wait in ms, or -1 to give up and throw the error.
   */
  delay(method: string, error: unknown, state: RetryState): number {
    if (typeof error !== "object" || error === null || bodyWasConsumed(error)) return -1;
    if (error instanceof ApiError) {
      if (error.code === "BOT_CLIENT_API_TOO_MANY_REQUESTS") {
        state.flood++;
        const wait = (error.retryAfter ?? 1) * 1000;
        if (wait > this.#maxRetryAfterMs || state.flood >= this.#maxFloodAttempts) return -1;
        if (state.floodWaitedMs + wait > this.#maxFloodWaitMs) return -1;
        state.floodWaitedMs += wait;
        return wait + Math.floor(this.#random() * this.#floodSpreadMs);
      }
      if (error.code === "BOT_CLIENT_API_SERVER_ERROR" && this.#isSafeToRepeat(method)) {
        return this.#backoff(++state.transient);
      }
      return -1;
    }
    if (error instanceof NetworkError) {
      return !error.sent || this.#isSafeToRepeat(method) ? this.#backoff(++state.transient) : -1;
    }
    if (error instanceof TimeoutError) {
      return this.#isSafeToRepeat(method) ? this.#backoff(++state.transient) : -1;
    }
    if (error instanceof AbortError) return -1;
    return -1;
  }

  #backoff(failures: number): number {
    if (failures >= this.#maxAttempts) return -1;
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (failures - 1));
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }
}

/**
 * The retry interceptor: repeats failed attempts as its {@link RetryPolicy} says, waiting on
 * the clock (aborted by the call's signal).
 *
 * @param options The policy, or its options.
 * @returns An interceptor for `ClientOptions.interceptors`.
 */
export function retry(options: RetryPolicy | RetryPolicyOptions = {}): Interceptor {
  const policy = options instanceof RetryPolicy ? options : new RetryPolicy(options);
  return (next, context) => {
    const clock = policy.clock ?? context.clock ?? systemClock;
    return async (call: ApiCall) => {
      let state: RetryState | undefined;
      for (;;) {
        try {
          return await next(call);
        } catch (error) {
          state ??= { transient: 0, flood: 0, floodWaitedMs: 0 };
          const wait = policy.delay(call.method, error, state);
          if (wait < 0) throw error;
          if (wait > 0) await sleep(wait, call.options?.signal, call.method, clock);
        }
      }
    };
  };
}
