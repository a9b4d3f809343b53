/**
 * The one brand idiom of the `@bot` packages. A brand is the registered symbol
 * `Symbol.for("@bot/<package>.<Name>")` set to `true` on what it marks, so a check made by one
 * copy of a package recognises values made by another copy (two installs of `@bot/client` in
 * one `node_modules` tree, or a bundle beside an install): `instanceof` alone compares
 * constructors, which differ between copies.
 *
 * @example
 * ```ts
 * const CLIENT_ERROR = brand<ClientError>("@bot/client.ClientError");
 * export class ClientError extends Error {}
 * CLIENT_ERROR.brandClass(ClientError); // `instanceof ClientError` now checks the brand
 * CLIENT_ERROR.is(err);                 // the same check as a type guard
 * ```
 *
 * @module
 */

/** The name of a brand: `@bot/<package>.<Name>`, for example `@bot/client.ClientError`. */
export type BrandKey = `@bot/${string}.${string}`;

/** A class (or an abstract class) whose instances a brand marks. */
export type BrandableClass = abstract new (...args: never) => object;

/** A brand made by {@link brand}. */
export interface Brand<T = unknown> {
  /** The brand's name, `@bot/<package>.<Name>`. */
  readonly key: BrandKey;
  /** `Symbol.for(key)`: the property that is `true` on branded values. */
  readonly symbol: symbol;
  /**
   * Tells whether a value carries the brand, whichever copy of the package made it.
   *
   * @param value Any value.
   * @returns Whether `value[symbol] === true` (own or inherited).
   */
  is(value: unknown): value is T;
  /**
   * Brands a class: the brand goes on its prototype (non-enumerable, read-only), so every
   * instance of it and of its subclasses carries it, and `instanceof` the class checks the
   * brand instead of the prototype chain. A subclass that is not branded itself keeps the
   * ordinary prototype check for `instanceof` it.
   *
   * @param target The class.
   */
  brandClass(target: BrandableClass): void;
  /**
   * Brands one object (an own, non-enumerable, read-only property).
   *
   * @param value The object.
   * @returns The same object.
   */
  mark<O extends object>(value: O): O;
}

const KEY = /^@bot\/[a-z0-9-]+\.[A-Za-z0-9]+$/;

/**
 * Makes (or finds: the same key gives the same symbol everywhere) the brand `key`.
 *
 * @param key `@bot/<package>.<Name>`: the package name without its scope, then the class or
 *   concept, for example `@bot/dispatcher.StorageUnavailable`.
 * @returns The brand.
 * @throws {TypeError} When `key` is not of that form.
 */
export function brand<T = unknown>(key: BrandKey): Brand<T> {
  if (typeof key !== "string" || !KEY.test(key)) {
    throw new TypeError(`@bot/types: a brand key is "@bot/<package>.<Name>", got ${String(key)}`);
  }
  const symbol = Symbol.for(key);
  const is = (value: unknown): value is T =>
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    (value as Record<symbol, unknown>)[symbol] === true;
  const mark = <O extends object>(value: O): O =>
    Object.defineProperty(value, symbol, { value: true, enumerable: false, writable: false });
  return {
    key,
    symbol,
    is,
    mark,
    brandClass(target: BrandableClass): void {
      mark(target.prototype);
      Object.defineProperty(target, Symbol.hasInstance, {
        configurable: true,
        value(this: unknown, value: unknown): boolean {
          // `this` is the class on the right of `instanceof`: a subclass without a brand of its
          // own inherits this method and gets the prototype check.
          return this === target
            ? is(value)
            : Function.prototype[Symbol.hasInstance].call(this, value);
        },
      });
    },
  };
}
