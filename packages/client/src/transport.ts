/**
 * The transport: one HTTP attempt of one call over the client's undici dispatcher. It checks the
 * call, builds the body (JSON, or streamed multipart when a file is uploaded), dispatches it and
 * publishes the attempt on the diagnostics channels; `request.ts` parses the reply. Policies
 * (retry, 429 cool-down, flood limit) wrap it as interceptors and never see the body.
 */
import { type Dispatcher, Pool } from "undici";
import { requestChannel, responseChannel } from "./channels.js";
import { ClosedError, InputError, isClientError } from "./errors.js";
import { chooseBoundary, encodeMultipart } from "./multipart.js";
import type { ResolvedOptions } from "./options.js";
import { fileParamsOf, hasUploads, prepareMultipart } from "./payload.js";
import { scrubError } from "./redact.js";
import { sendAttempt } from "./request.js";
import type { ApiCall } from "./types.js";

const JSON_HEADERS: Record<string, string> = { "content-type": "application/json" };
const MAX_TIMER = 2_147_483_647;
/** Errors of an attempt whose body cannot be sent again (a stream already read). */
const CONSUMED = new WeakSet<object>();

/**
 * Tells whether an attempt failed after reading a body that cannot be read again (a stream
 * upload): such a call must not be repeated.
 *
 * @param error The attempt's error.
 * @returns Whether repeating the call would send an empty or partial file.
 */
export function bodyWasConsumed(error: unknown): boolean {
  return typeof error === "object" && error !== null && CONSUMED.has(error);
}

/** Sends single attempts of calls; one per client. */
export class Transport {
  readonly #token: string;
  readonly #base: string;
  readonly #options: ResolvedOptions;
  readonly #ownsDispatcher: boolean;
  /** Attempts made so far per call object (a policy repeats a call by passing it again). */
  readonly #attempts = new WeakMap<ApiCall, number>();
  readonly #errorListeners: ((call: ApiCall, error: unknown) => void)[] = [];
  #closed = false;
  /** The dispatcher the calls go through (the client's own pool unless one was injected). */
  readonly dispatcher: Dispatcher;

  /**
   * Builds the transport; no connection is opened until the first call.
   *
   * @param token The bot token (kept private).
   * @param options The resolved client options.
   */
  constructor(token: string, options: ResolvedOptions) {
    this.#token = token;
    this.#options = options;
    this.#base = `${options.pathPrefix}/bot${token}${options.test ? "/test" : ""}/`;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(options.origin, {
        connections: options.connections,
        pipelining: 1,
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 30_000,
      });
  }

  /** Whether {@link Transport.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one attempt of a call and resolves with the Bot API's `result`.
   *
   * @param call The call.
   * @returns The `result` of the reply; rejects with a typed error.
   */
  send = (call: ApiCall): Promise<unknown> => {
    const { method, params, options } = call;
    if (this.#closed) return Promise.reject(new ClosedError(method));
    if (params !== undefined && (typeof params !== "object" || params === null)) {
      return Promise.reject(
        new InputError(`@bot/client: the params of ${method} must be an object`),
      );
    }
    let timeoutMs: number;
    try {
      timeoutMs = this.#timeoutFor(method, params, options?.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    let attempt = 0;
    if (requestChannel.hasSubscribers || responseChannel.hasSubscribers) {
      attempt = (this.#attempts.get(call) ?? 0) + 1;
      this.#attempts.set(call, attempt);
    }
    return this.#attempt(call, timeoutMs, attempt);
  };

  /** Tells the attempt-error listeners, synchronously, before the attempt's promise rejects. */
  #notify = (context: unknown, error: unknown): void => {
    const call = context as ApiCall;
    for (const listener of this.#errorListeners) {
      try {
        listener(call, error);
      } catch {
        // A policy's bookkeeping never changes the attempt's outcome.
      }
    }
  };

  /**
   * Registers a listener that runs synchronously when an attempt fails, before the failure is
   * published or seen by anyone else.
   *
   * @param listener Gets the call and the error.
   */
  onAttemptError(listener: (call: ApiCall, error: unknown) => void): void {
    this.#errorListeners.push(listener);
  }

  /**
   * Closes the own pool after in-flight attempts finish; an injected dispatcher is left alone.
   *
   * @returns When the pool is closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#ownsDispatcher) await this.dispatcher.close();
  }

  #timeoutFor(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    explicit: number | undefined,
  ): number {
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < 1 || explicit > MAX_TIMER) {
        throw new InputError("@bot/client: timeoutMs must be an integer from 1 to 2147483647");
      }
      return explicit;
    }
    if (method === "getUpdates") {
      const poll = typeof params?.timeout === "number" && params.timeout > 0 ? params.timeout : 0;
      return Math.min(poll * 1000 + this.#options.longPollMarginMs, MAX_TIMER);
    }
    return this.#options.timeoutMs;
  }

  async #attempt(call: ApiCall, timeoutMs: number, attempt: number): Promise<unknown> {
    const { method, params } = call;
    const signal = call.options?.signal;
    const path = this.#base + method;
    const observed = requestChannel.hasSubscribers || responseChannel.hasSubscribers;
    const started = observed ? performance.now() : 0;
    if (observed && requestChannel.hasSubscribers) requestChannel.publish({ method, attempt });
    let promise: Promise<unknown>;
    let release: (() => void) | undefined;
    let reusable = true;
    if (params === undefined) {
      promise = this.#send(call, path, undefined, undefined, timeoutMs);
    } else {
      const names = fileParamsOf(method);
      if ((names !== null && names.length === 0) || !hasUploads(params, names)) {
        let body: string;
        try {
          body = JSON.stringify(params);
        } catch (error) {
          throw isClientError(error)
            ? error
            : new InputError(`@bot/client: the params of ${method} cannot be serialised`, {
                cause: error,
              });
        }
        promise = this.#send(call, path, JSON_HEADERS, body, timeoutMs);
      } else {
        const prepared = await prepareMultipart(params, { signal, timeoutMs });
        release = prepared.release;
        reusable = prepared.reusable;
        const boundary = chooseBoundary(prepared.parts);
        promise = this.#send(
          call,
          path,
          { "content-type": `multipart/form-data; boundary=${boundary}` },
          encodeMultipart(prepared.parts, boundary),
          timeoutMs,
        );
      }
    }
    if (!observed && release === undefined) return promise;
    try {
      const result = await promise;
      if (observed && responseChannel.hasSubscribers) {
        responseChannel.publish({
          method,
          attempt,
          durationMs: performance.now() - started,
          ok: true,
        });
      }
      return result;
    } catch (error) {
      if (!reusable && typeof error === "object" && error !== null) CONSUMED.add(error);
      if (observed && responseChannel.hasSubscribers) {
        responseChannel.publish({
          method,
          attempt,
          durationMs: performance.now() - started,
          ok: false,
          code: (error as { code?: string }).code,
          error: scrubError(error, this.#token),
        });
      }
      throw error;
    } finally {
      release?.();
    }
  }

  #send(
    call: ApiCall,
    path: string,
    headers: Record<string, string> | undefined,
    body: string | AsyncIterable<Uint8Array> | undefined,
    timeoutMs: number,
  ): Promise<unknown> {
    return sendAttempt({
      dispatcher: this.dispatcher,
      origin: this.#options.origin,
      path,
      method: call.method,
      headers,
      body,
      timeoutMs,
      signal: call.options?.signal,
      maxResponseBytes: this.#options.maxResponseBytes,
      notify: this.#errorListeners.length === 0 ? undefined : this.#notify,
      context: call,
    });
  }
}
