/** Calls the rest of the middleware chain. Calling it twice throws. */
export type NextFunction = () => Promise<void>;

/**
 * A middleware function: it may act on the context and call `next` to pass the update on.
 *
 * @param ctx The context.
 * @param next Runs the downstream middleware.
 */
export type MiddlewareFn<C> = (ctx: C, next: NextFunction) => unknown;

/** An object that provides middleware (a `Composer`, a plugin). */
export interface MiddlewareObj<C> {
  /**
   * Returns the middleware function.
   *
   * @returns The middleware.
   */
  middleware(): MiddlewareFn<C>;
}

/** A middleware function or an object that provides one. */
export type Middleware<C> = MiddlewareFn<C> | MiddlewareObj<C>;
