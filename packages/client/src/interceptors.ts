/**
 * The client's built-in policies as interceptors (`next => next'`), to rebuild, reorder or
 * replace the chain with `new Client(token, { interceptors: [...] })`.
 */
import { cooldown } from "./cooldown.js";
import { floodLimit } from "./limiter.js";
import { retry } from "./retry.js";

/**
 * The built-in interceptor factories. The client's default chain is
 * `[retry(retryOptions), cooldown(cooldownOptions), floodLimit(limiter)]` (the last only with a
 * limiter), outermost first.
 */
export const interceptors: {
  readonly retry: typeof retry;
  readonly cooldown: typeof cooldown;
  readonly floodLimit: typeof floodLimit;
} = {
  /** Repeats failed attempts: 5xx, network errors and timeouts with backoff, 429 after `retry_after`. */
  retry,
  /** Records 429 cool-downs in a store and holds calls back while their chat or the bot cools down. */
  cooldown,
  /** Waits for a slot of a `FloodLimiter` before each attempt. */
  floodLimit,
} as const;
