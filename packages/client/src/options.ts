/**
 * Client options, validated once with valibot when the client is built.
 */

import { isAbsolute } from "node:path";
import type { Dispatcher } from "undici";
import * as v from "valibot";
import type { CooldownOptions } from "./cooldown.js";
import { OptionsError } from "./errors.js";
import type { FloodLimiter } from "./limiter.js";
import type { Clock } from "./sleep.js";
import type { Interceptor } from "./types.js";

/** How calls are retried. */
export interface RetryOptions {
  /** Attempts per call, the first included (default 3). */
  readonly maxAttempts?: number;
  /** The first backoff delay for 5xx and network errors, in ms (default 250). */
  readonly baseDelayMs?: number;
  /** The cap of the backoff delay, in ms (default 10 000). */
  readonly maxDelayMs?: number;
  /** A 429 whose `retry_after` is longer than this (ms) is thrown instead of waited (default 60 000). */
  readonly maxRetryAfterMs?: number;
  /**
   * How many sends of one call may meet a 429 before its 429 is thrown, the first included
   * (default 100: for a broadcast, `maxFloodWaitMs` is the real bound).
   */
  readonly maxFloodAttempts?: number;
  /** The longest total time one call waits on 429 replies, in ms (default 300 000: five minutes). */
  readonly maxFloodWaitMs?: number;
  /**
   * Whether a method is safe to repeat after its request may have reached Telegram (5xx, reset
   * connection). Defaults to `get*` methods and a few idempotent setters.
   */
  readonly isSafeToRepeat?: (method: string) => boolean;
}

/** Options of `new Client(token, options)`. */
export interface ClientOptions {
  /** The Bot API server (default `https://api.telegram.org`). https is required except on loopback or with `localServer`. */
  readonly apiRoot?: string;
  /** Where downloads come from (default: `apiRoot`). */
  readonly fileRoot?: string;
  /** `"test"` uses Telegram's test environment (`/bot<token>/test/<method>`). Default `"production"`. */
  readonly environment?: "production" | "test";
  /** The server is a local Bot API server: http is allowed anywhere and `getFile` paths are absolute local paths. */
  readonly localServer?: boolean;
  /**
   * With `localServer`, the directory absolute `file_path`s may be read from (the local server's
   * `--dir`). Reads are confined to it (real paths, no `..`, no symlink out of it); without it an
   * absolute `file_path` is refused.
   */
  readonly localFileRoot?: string;
  /** The timeout of one HTTP request, in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Added to `getUpdates`' `timeout` to make its HTTP timeout, in ms (default 10 000). */
  readonly longPollMarginMs?: number;
  /** An undici dispatcher to send through; the client then does not close it. */
  readonly dispatcher?: Dispatcher;
  /** Connections of the client's own pool (default 64). */
  readonly connections?: number;
  /**
   * The largest Bot API reply accepted, in bytes (default 64 MiB); larger ones fail with
   * `BOT_CLIENT_BAD_RESPONSE`.
   */
  readonly maxResponseBytes?: number;
  /** The retry policy, or `false` for no automatic retries. */
  readonly retry?: RetryOptions | false;
  /** An optional flood limiter that spaces out sends to stay inside Telegram's limits. */
  readonly limiter?: FloodLimiter;
  /**
   * Where 429 cool-downs are kept and how waiters are released, or `false` to keep none (each
   * call then only waits out its own 429). Default: the limiter's store, else memory.
   */
  readonly cooldown?: Omit<CooldownOptions, "clock" | "random" | "maxWaitMs"> | false;
  /**
   * The policy chain between the calls and the transport, outermost first. Given, it replaces
   * the built-in one (`[interceptors.retry(retry), interceptors.cooldown(cooldown),
   * interceptors.floodLimit(limiter)]`), and `retry`, `cooldown` and `limiter` must not be set.
   */
  readonly interceptors?: readonly Interceptor[];
  /** The clock the policies wait on (default: the wall clock); tests pass a manual clock. */
  readonly clock?: Clock;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly origin: string;
  readonly pathPrefix: string;
  readonly fileOrigin: string;
  readonly filePathPrefix: string;
  readonly test: boolean;
  readonly localServer: boolean;
  readonly localFileRoot: string | undefined;
  readonly timeoutMs: number;
  readonly longPollMarginMs: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly connections: number;
  readonly maxResponseBytes: number;
  readonly retry: Required<RetryOptions> | false;
  readonly limiter: FloodLimiter | undefined;
  readonly cooldown: Omit<CooldownOptions, "clock" | "random" | "maxWaitMs"> | false;
  readonly interceptors: readonly Interceptor[] | undefined;
  readonly clock: Clock | undefined;
}

const MAX_TIMER = 2_147_483_647;
const SAFE_SETTERS = new Set([
  "setWebhook",
  "deleteWebhook",
  "setMyCommands",
  "deleteMyCommands",
  "setMyName",
  "setMyDescription",
  "setMyShortDescription",
  "setChatMenuButton",
  "setMyDefaultAdministratorRights",
  "setChatTitle",
  "setChatDescription",
  "setChatPermissions",
]);

/**
 * The default test of whether a method is safe to repeat: `get*` and idempotent setters.
 *
 * @param method The method name.
 * @returns Whether repeating it cannot cause a second side effect.
 */
export function isSafeToRepeat(method: string): boolean {
  return method.startsWith("get") || SAFE_SETTERS.has(method);
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const int = (min: number, max: number, what: string) =>
  v.pipe(
    v.number(`@bot/client: ${what} must be a number`),
    v.integer(`@bot/client: ${what} must be an integer`),
    v.minValue(min, `@bot/client: ${what} must be at least ${min}`),
    v.maxValue(max, `@bot/client: ${what} must be at most ${max}`),
  );

const urlString = (what: string) =>
  v.pipe(
    v.string(`@bot/client: ${what} must be a string`),
    v.url(`@bot/client: ${what} must be a URL`),
  );

const RetrySchema = v.strictObject(
  {
    maxAttempts: v.optional(int(1, 100, "retry.maxAttempts")),
    baseDelayMs: v.optional(int(0, MAX_TIMER, "retry.baseDelayMs")),
    maxDelayMs: v.optional(int(0, MAX_TIMER, "retry.maxDelayMs")),
    maxRetryAfterMs: v.optional(int(0, MAX_TIMER, "retry.maxRetryAfterMs")),
    maxFloodAttempts: v.optional(int(1, 1_000_000, "retry.maxFloodAttempts")),
    maxFloodWaitMs: v.optional(int(0, Number.MAX_SAFE_INTEGER, "retry.maxFloodWaitMs")),
    isSafeToRepeat: v.optional(v.function("@bot/client: retry.isSafeToRepeat must be a function")),
  },
  (issue) => `@bot/client: unknown retry option ${String(issue.received)}`,
);

const OptionsSchema = v.strictObject(
  {
    apiRoot: v.optional(urlString("apiRoot")),
    fileRoot: v.optional(urlString("fileRoot")),
    environment: v.optional(
      v.picklist(["production", "test"], '@bot/client: environment must be "production" or "test"'),
    ),
    localServer: v.optional(v.boolean("@bot/client: localServer must be a boolean")),
    localFileRoot: v.optional(
      v.pipe(
        v.string("@bot/client: localFileRoot must be a string"),
        v.check(isAbsolute, "@bot/client: localFileRoot must be an absolute path"),
      ),
    ),
    timeoutMs: v.optional(int(1, MAX_TIMER, "timeoutMs")),
    longPollMarginMs: v.optional(int(0, MAX_TIMER, "longPollMarginMs")),
    dispatcher: v.optional(
      v.custom<Dispatcher>(
        (x) =>
          typeof x === "object" && x !== null && typeof (x as Dispatcher).dispatch === "function",
        "@bot/client: dispatcher must be an undici Dispatcher",
      ),
    ),
    connections: v.optional(int(1, 10_000, "connections")),
    maxResponseBytes: v.optional(int(1024, 2 ** 31, "maxResponseBytes")),
    retry: v.optional(
      v.custom<false | Record<string, unknown>>(
        (x) => x === false || (typeof x === "object" && x !== null),
        "@bot/client: retry must be false or an object",
      ),
    ),
    limiter: v.optional(
      v.custom<FloodLimiter>(
        (x) =>
          typeof x === "object" && x !== null && typeof (x as FloodLimiter).acquire === "function",
        "@bot/client: limiter must have acquire()",
      ),
    ),
    cooldown: v.optional(
      v.union(
        [
          v.literal(false),
          v.strictObject(
            {
              store: v.optional(
                v.custom<NonNullable<CooldownOptions["store"]>>(
                  (x) =>
                    typeof x === "object" &&
                    x !== null &&
                    typeof (x as { reserve?: unknown }).reserve === "function" &&
                    typeof (x as { block?: unknown }).block === "function",
                  "@bot/client: cooldown.store must have reserve() and block()",
                ),
              ),
              namespace: v.optional(
                v.pipe(
                  v.string("@bot/client: cooldown.namespace must be a string"),
                  v.minLength(1, "@bot/client: cooldown.namespace must not be empty"),
                ),
              ),
              spreadMs: v.optional(int(0, 60_000, "cooldown.spreadMs")),
              botWideAfter: v.optional(
                v.union(
                  [v.literal(false), int(1, 1000, "cooldown.botWideAfter")],
                  "@bot/client: cooldown.botWideAfter must be false or an integer from 1 to 1000",
                ),
              ),
            },
            (issue) => `@bot/client: unknown cooldown option ${String(issue.received)}`,
          ),
        ],
        "@bot/client: cooldown must be false or { store, namespace, spreadMs, botWideAfter }",
      ),
    ),
    interceptors: v.optional(
      v.array(
        v.function("@bot/client: interceptors must be functions"),
        "@bot/client: interceptors must be an array of functions",
      ),
    ),
    clock: v.optional(
      v.custom<Clock>(
        (x) =>
          typeof x === "object" &&
          x !== null &&
          typeof (x as Clock).now === "function" &&
          typeof (x as Clock).setTimeout === "function" &&
          typeof (x as Clock).clearTimeout === "function",
        "@bot/client: clock must have now(), setTimeout() and clearTimeout()",
      ),
    ),
  },
  (issue) => `@bot/client: unknown option ${String(issue.received)}`,
);

function fail(issues: readonly v.BaseIssue<unknown>[], prefix = ""): never {
  const first = issues[0] as v.BaseIssue<unknown>;
  const path = first.path?.map((p) => String(p.key)).join(".");
  const at = path ? `${prefix}${path}` : "";
  throw new OptionsError(
    at && !first.message.includes(at) ? `${first.message} (at ${at})` : first.message,
  );
}

function parseRoot(raw: string, what: string, local: boolean): { origin: string; prefix: string } {
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new OptionsError(`@bot/client: ${what} must be an http(s) URL`);
  }
  if (url.protocol === "http:" && !local && !LOOPBACK.test(url.hostname)) {
    throw new OptionsError(
      `@bot/client: ${what} must use https (http is allowed only on loopback or with localServer: true)`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new OptionsError(
      `@bot/client: ${what} must not carry credentials, a query or a fragment`,
    );
  }
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, "") };
}

/**
 * Checks a bot token's shape without ever printing it.
 *
 * @param token The token.
 */
export function checkToken(token: unknown): asserts token is string {
  if (typeof token !== "string" || token.length === 0) {
    throw new OptionsError("@bot/client: the token must be a non-empty string");
  }
  if (!/^[\w:.-]+$/.test(token)) {
    throw new OptionsError("@bot/client: the token contains characters a token cannot have");
  }
}

/**
 * Validates options once and fills in defaults.
 *
 * @param options The options given to the client.
 * @returns The resolved options.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  const result = v.safeParse(OptionsSchema, options ?? {});
  if (!result.success) fail(result.issues);
  const o = result.output;
  let retry: v.InferOutput<typeof RetrySchema> | false | undefined;
  if (o.retry === false || o.retry === undefined) retry = o.retry;
  else {
    const parsed = v.safeParse(RetrySchema, o.retry);
    if (!parsed.success) fail(parsed.issues, "retry.");
    retry = parsed.output;
  }
  if (
    o.interceptors !== undefined &&
    (o.retry !== undefined || o.limiter !== undefined || o.cooldown !== undefined)
  ) {
    throw new OptionsError(
      "@bot/client: interceptors replace retry, cooldown and limiter: give either interceptors or those",
    );
  }
  const local = o.localServer === true;
  const api = parseRoot(o.apiRoot ?? "https://api.telegram.org", "apiRoot", local);
  const files = o.fileRoot === undefined ? api : parseRoot(o.fileRoot, "fileRoot", local);
  return {
    origin: api.origin,
    pathPrefix: api.prefix,
    fileOrigin: files.origin,
    filePathPrefix: files.prefix,
    test: o.environment === "test",
    localServer: local,
    localFileRoot: o.localFileRoot,
    timeoutMs: o.timeoutMs ?? 30_000,
    longPollMarginMs: o.longPollMarginMs ?? 10_000,
    dispatcher: o.dispatcher,
    connections: o.connections ?? 64,
    maxResponseBytes: o.maxResponseBytes ?? 64 * 1024 * 1024,
    retry:
      retry === false
        ? false
        : {
            maxAttempts: retry?.maxAttempts ?? 3,
            baseDelayMs: retry?.baseDelayMs ?? 250,
            maxDelayMs: retry?.maxDelayMs ?? 10_000,
            maxRetryAfterMs: retry?.maxRetryAfterMs ?? 60_000,
            maxFloodAttempts: retry?.maxFloodAttempts ?? 100,
            maxFloodWaitMs: retry?.maxFloodWaitMs ?? 300_000,
            isSafeToRepeat:
              (retry?.isSafeToRepeat as ((m: string) => boolean) | undefined) ?? isSafeToRepeat,
          },
    limiter: o.limiter,
    cooldown: o.cooldown ?? {},
    interceptors: o.interceptors as readonly Interceptor[] | undefined,
    clock: o.clock,
  };
}
