/**
 * The public types of calls: options, transformers and the typed method surface.
 */
import type { InputFile, MethodName, MethodParams, MethodResult } from "@bot/types";

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
    ? [params?: Uploadable<MethodParams<M>>, options?: CallOptions]
    : [params: Uploadable<MethodParams<M>>, options?: CallOptions];

/**
 * Every Bot API method as a typed function. `close` (the Bot API method) is reached with
 * `client.call("close")`, because `client.close()` releases the client.
 */
export type ApiCalls = {
  [M in Exclude<MethodName, "close">]: (...args: CallArgs<M>) => Promise<MethodResult<M>>;
};
