import { DispatcherError } from "./errors.js";
import type { MiddlewareFn, NextFunction } from "./middleware.js";

/** Any context, as seen by the compiled chain. */
// biome-ignore lint/suspicious/noExplicitAny: internal, the chain is generic over every context type
export type AnyCtx = any;
/** A compiled middleware function. */
export type Fn = MiddlewareFn<AnyCtx>;
/**
 * One compiled step: returns the middleware to run for this context, or `undefined` to skip the
 * step without any promise or closure (this is what makes non-matching handlers nearly free).
 */
export type Step = ((ctx: AnyCtx) => Fn | undefined | PromiseLike<Fn | undefined>) & {
  /** Set when the step always selects this middleware (lets a composer inline it). */
  fixed?: Fn;
};

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Runs compiled steps from index `i`, then `done` (the outer `next`) when every step passed.
 * Synchronous middleware stays synchronous: a promise appears only where a handler returns one.
 *
 * @param steps The compiled steps.
 * @param ctx The context.
 * @param i The first step to try.
 * @param done What runs after the last step, if anything.
 * @returns Whatever the invoked middleware returned (maybe a promise).
 */
export function runSteps(
  steps: readonly Step[],
  ctx: AnyCtx,
  i: number,
  done: NextFunction | undefined,
): unknown {
  for (; i < steps.length; i++) {
    const fn = (steps[i] as Step)(ctx);
    if (fn === undefined) continue;
    if (typeof fn === "function") return invoke(fn, steps, ctx, i, done);
    const at = i;
    return Promise.resolve(fn).then((f) =>
      f === undefined ? runSteps(steps, ctx, at + 1, done) : invoke(f, steps, ctx, at, done),
    );
  }
  return done === undefined ? undefined : done();
}

function invoke(
  fn: Fn,
  steps: readonly Step[],
  ctx: AnyCtx,
  i: number,
  done: NextFunction | undefined,
): unknown {
  let called = false;
  return fn(ctx, () => {
    if (called)
      throw new DispatcherError(
        "BOT_DISPATCHER_NEXT_CALLED_TWICE",
        "`next` was called twice by the same middleware",
      );
    called = true;
    return settle(() => runSteps(steps, ctx, i + 1, done));
  });
}

/**
 * Turns a maybe-synchronous call into a promise (a synchronous throw becomes a rejection).
 *
 * @param f The call.
 * @returns A promise of its completion.
 */
export function settle(f: () => unknown): Promise<void> {
  try {
    const r = f();
    if (r === undefined) return RESOLVED;
    if (r instanceof Promise) return r as Promise<void>;
    return isThenable(r) ? (Promise.resolve(r) as Promise<void>) : RESOLVED;
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Tells whether a value is a thenable.
 *
 * @param v Any value.
 * @returns Whether it has a `then` method.
 */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

/** A `next` that does nothing. */
export const passNext: NextFunction = () => RESOLVED;
