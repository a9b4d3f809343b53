/**
 * The public types of calls: options, transformers and the typed method surface.
 */
import type {
  ApiMethods,
  InputFile,
  MethodName,
  MethodParams,
  MethodResult,
  WithFormatted,
} from "@bot/types";
import type { Clock } from "./sleep.js";

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call (and any wait for a retry or the flood limiter). */
  readonly signal?: AbortSignal;
  /** The timeout of each HTTP attempt, in ms (default: the client's `timeoutMs`). */
  readonly timeoutMs?: number;
}

/** One outgoing call as transformers see it. */
export interface ApiCall {
  /** The Bot API method. */
  readonly method: string;
  /** Its parameters, if any. */
  readonly params: Readonly<Record<string, unknown>> | undefined;
  /** Its call options, if any. */
  readonly options: CallOptions | undefined;
}

/** Sends a call through the rest of the chain and resolves with its `result`. */
export type NextCall = (call: ApiCall) => Promise<unknown>;

/**
 * Outgoing middleware: sees a call, may change it, calls `next` (zero, one or several times) and
 * may change the result or the error.
 */
export type Transformer = (call: ApiCall, next: NextCall) => Promise<unknown>;

/** What the client gives each interceptor besides the next step. */
export interface InterceptorContext {
  /** The clock policies wait on (the client's `clock` option; default the wall clock). */
  readonly clock: Clock;
  /** The bot's numeric id from the token, for key names (not secret). */
  readonly botId: number | undefined;
  /**
   * Registers a listener that runs synchronously when an HTTP attempt fails, before the failure
   * is published on `@bot/client:response` or reaches any step of the chain, so a 429 cool-down
   * is in force before anything else can send.
   *
   * @param listener Gets the call and the attempt's error.
   */
  onAttemptError(listener: (call: ApiCall, error: unknown) => void): void;
}

/**
 * A policy between the client and its transport, in the shape of undici's interceptors: it takes
 * the next step of the chain and returns a step that wraps it (waits first, repeats, records).
 * The built-in policies (`interceptors.retry`, `interceptors.cooldown`,
 * `interceptors.floodLimit`) have this shape, and `ClientOptions.interceptors` replaces them.
 * A step may call `next` with the same call object several times: the transport numbers each
 * attempt of it.
 */
export type Interceptor = (next: NextCall, context: InterceptorContext) => NextCall;

/** Object fields of `Input*` types that may hold a file to upload (sent as `attach://`). */
type FileField = "media" | "thumbnail" | "cover" | "photo" | "animation" | "video" | "sticker";

/**
 * Params of a method, where string fields of nested `Input*` objects that name a file also
 * accept an {@link InputFile} (sent with `attach://`).
 */
export type Uploadable<T> = T extends InputFile
  ? T
  : T extends readonly (infer U)[]
    ? Uploadable<U>[]
    : T extends object
      ? {
          [K in keyof T]: K extends FileField
            ? string extends T[K]
              ? T[K] | InputFile
              : Uploadable<T[K]>
            : Uploadable<T[K]>;
        }
      : T;

/** The arguments of a method: `params` is optional when every parameter is. */
export type CallArgs<M extends MethodName> =
  {} extends MethodParams<M>
    ? [params?: Uploadable<WithFormatted<MethodParams<M>>>, options?: CallOptions]
    : [params: Uploadable<WithFormatted<MethodParams<M>>>, options?: CallOptions];

/**
 * Every Bot API method as a typed function, keyed like `ApiMethods` so each method keeps its doc
 * comment (link and notes) on hover. `close` (the Bot API method) is reached with
 * `client.call("close")`, because `client.close()` releases the client.
 */
export type ApiCallMethods = {
  [M in keyof ApiMethods as M extends "close" ? never : M]: (
    ...args: CallArgs<M>
  ) => Promise<MethodResult<M>>;
};

/** The same as {@link ApiCallMethods} (the older name). */
export type ApiCalls = ApiCallMethods;
