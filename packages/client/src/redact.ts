/**
 * Removes the bot token from text, and from errors and their cause chains before they reach
 * users, logs or tracers.
 */

/** What replaces the token wherever it would have appeared. */
export const REDACTED = "[REDACTED]";

/**
 * Anything shaped like a bot token: the bot id, a colon (or `%3A`, as in an encoded URL), and a
 * secret of at least 20 URL-safe characters (Telegram's are 35).
 */
const TOKEN_SHAPE = /(?<![0-9])[0-9]{3,20}(?::|%3a)[A-Za-z0-9_-]{20,}/gi;

/** A secret part shorter than this is not redacted on its own (it would match ordinary text). */
const MIN_SECRET_ALONE = 8;

/**
 * The spellings of a token that can end up in text: as is, with the colon percent-encoded
 * (`%3A`, `%3a`), and its secret part (after the colon) alone.
 */
function spellings(token: string): string[] {
  const colon = token.indexOf(":");
  if (colon < 0) return token.length > 0 ? [token] : [];
  const id = token.slice(0, colon);
  const secret = token.slice(colon + 1);
  const out = [token, `${id}%3A${secret}`, `${id}%3a${secret}`];
  if (secret.length >= MIN_SECRET_ALONE) out.push(secret);
  return out;
}

function replaceAll(text: string, find: string): string {
  return text.includes(find) ? text.split(find).join(REDACTED) : text;
}

/**
 * Removes bot tokens from a text: the `token` given in each of its spellings (as is, with the
 * colon percent-encoded, and its secret part alone), and anything else shaped like a bot token
 * (`<digits>:<20+ URL-safe characters>`, colon also as `%3A`).
 *
 * Use it where text leaves the process and the client cannot scrub it: undici's own diagnostics
 * channels (`undici:request:create`, ...) carry the request path `/bot<token>/<method>`, which
 * OpenTelemetry, Sentry and dd-trace record as span names, URLs and breadcrumbs. See the README's
 * "The token in diagnostics" for the hooks.
 *
 * @param text Any text: a URL, a path, a log line, a span name.
 * @param token The bot token, when known; without it only the token shape is matched.
 * @returns The text with every token replaced by `[REDACTED]`.
 */
export function redactToken(text: string, token?: string): string {
  let out = text;
  if (token !== undefined) for (const s of spellings(token)) out = replaceAll(out, s);
  TOKEN_SHAPE.lastIndex = 0;
  return TOKEN_SHAPE.test(out) ? out.replace(TOKEN_SHAPE, REDACTED) : out;
}

/**
 * Replaces every spelling of `secret` (a bot token) in a string.
 *
 * @param text Any text.
 * @param secret The secret to remove.
 * @returns The text without the secret.
 */
export function redactText(text: string, secret: string): string {
  return redactToken(text, secret);
}

/**
 * Scrubs the secret from an error in place: its `message` and `stack`, every own property
 * (string or symbol keys, data or accessor, enumerable or not), its whole `cause` chain however
 * deep, `AggregateError.errors`, and any object reachable from those (up to 10,000 objects; bytes
 * and collections are not walked).
 *
 * `stack` is read and redefined as a plain data property: Node 22+ makes it an own accessor, and
 * V8 may format it lazily from the original message. An accessor with a string value is replaced
 * by a data property holding the redacted value; a property that can be neither redefined nor
 * set is left as it is. Cycles, throwing getters and frozen objects are tolerated.
 *
 * @param error Any thrown value.
 * @param secret The secret to remove.
 * @returns The same value, scrubbed; a string is returned redacted.
 */
export function scrubError<T>(error: T, secret: string): T {
  if (typeof error === "string") return redactToken(error, secret) as T;
  if (typeof error !== "object" || error === null) return error;
  const seen = new Set<object>([error]);
  const todo: object[] = [error];
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    if (seen.size >= MAX_OBJECTS || isBulk(value)) return;
    seen.add(value);
    todo.push(value);
  };
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (next instanceof Error || hasStack(next)) scrubStack(next, secret);
    let keys: (string | symbol)[];
    try {
      keys = Reflect.ownKeys(next);
    } catch {
      continue; // a revoked proxy
    }
    if (keys.length > MAX_KEYS) continue;
    for (const key of keys) {
      if (key === "stack") continue;
      let descriptor: PropertyDescriptor | undefined;
      try {
        descriptor = Object.getOwnPropertyDescriptor(next, key);
      } catch {
        continue;
      }
      if (!descriptor) continue;
      let value: unknown;
      if ("value" in descriptor) value = descriptor.value;
      else if (descriptor.get) {
        try {
          value = descriptor.get.call(next);
        } catch {
          continue;
        }
      } else continue;
      if (typeof value === "string") {
        const clean = redactToken(value, secret);
        if (clean !== value) replace(next, key, descriptor, clean);
      } else {
        visit(value);
      }
    }
  }
  return error;
}

/** At most this many objects are visited per error (a cause chain, its properties, their values). */
const MAX_OBJECTS = 10_000;
/** Objects with more own keys than this (a huge array) are not walked. */
const MAX_KEYS = 10_000;

/** Bytes and collections: no text of ours is in their own keys, and they can be huge. */
function isBulk(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof Promise
  );
}

function hasStack(value: object): boolean {
  try {
    return typeof (value as { stack?: unknown }).stack === "string";
  } catch {
    return false;
  }
}

/** Reads `stack` (own data, own accessor or inherited) and stores it back redacted, as data. */
function scrubStack(error: object, secret: string): void {
  let stack: unknown;
  try {
    stack = (error as { stack?: unknown }).stack;
  } catch {
    return;
  }
  if (typeof stack !== "string") return;
  const clean = redactToken(stack, secret);
  const own = Object.getOwnPropertyDescriptor(error, "stack");
  if (own === undefined) {
    if (clean === stack || !Object.isExtensible(error)) return;
    Object.defineProperty(error, "stack", {
      value: clean,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    return;
  }
  if (clean !== stack || !("value" in own)) replace(error, "stack", own, clean);
}

/** Stores `value` under `key`: redefined when configurable, else assigned when writable/settable. */
function replace(
  target: object,
  key: string | symbol,
  descriptor: PropertyDescriptor,
  value: string,
): void {
  try {
    if (descriptor.configurable) {
      Object.defineProperty(target, key, {
        value,
        writable: true,
        enumerable: descriptor.enumerable ?? false,
        configurable: true,
      });
    } else if ("value" in descriptor ? descriptor.writable : descriptor.set) {
      (target as Record<string | symbol, unknown>)[key] = value;
    }
  } catch {
    // frozen, or a setter that refuses: nothing more can be done
  }
}
