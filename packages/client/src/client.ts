/**
 * The Bot API client: one per token, over one keep-alive undici pool.
 */
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type File, METHOD_SPECS, type MethodName, type MethodResult } from "@bot/types";
import { type Dispatcher, Pool } from "undici";
import { requestChannel, responseChannel } from "./channels.js";
import { openDownload } from "./download.js";
import {
  AbortError,
  ApiError,
  type ClientError,
  ClosedError,
  InputError,
  isClientError,
  NetworkError,
  TimeoutError,
} from "./errors.js";
import type { FloodLimiter } from "./limiter.js";
import { chooseBoundary, encodeMultipart } from "./multipart.js";
import { type ClientOptions, checkToken, type ResolvedOptions, resolveOptions } from "./options.js";
import { fileParamsOf, hasUploads, prepareMultipart } from "./payload.js";
import { REDACTED, scrubError } from "./redact.js";
import { sendAttempt } from "./request.js";
import { sleep } from "./sleep.js";
import type { ApiCall, ApiCalls, CallArgs, CallOptions, NextCall, Transformer } from "./types.js";

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const JSON_HEADERS: Record<string, string> = { "content-type": "application/json" };
/** Errors of an attempt whose body cannot be sent again (a stream already read). */
const NOT_REPEATABLE = new WeakSet<object>();
/** 429 errors whose cool-down was already recorded. */
const NOTED = new WeakSet<object>();

function chatKey(params: Readonly<Record<string, unknown>> | undefined): string {
  const id = params?.chat_id;
  return typeof id === "number" || typeof id === "string" ? String(id) : "*";
}

/** The typed Bot API methods, installed on the prototype from the spec table. */
export interface Client extends ApiCalls {}

/**
 * A Telegram Bot API client. Every method of the Bot API is a typed method of the client:
 * `await client.sendMessage({ chat_id, text })`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class Client {
  readonly #token: string;
  readonly #base: string;
  readonly #options: ResolvedOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #cooldowns = new Map<string, number>();
  readonly #transformers: Transformer[] = [];
  readonly #limiter: FloodLimiter | undefined;
  #pipeline: NextCall | undefined;
  #fileDispatcher: Dispatcher | undefined;
  #closed = false;

  /**
   * Builds a client. Options are validated once; no connection is opened until the first call.
   *
   * @param token The bot token from @BotFather. It is kept private and never printed.
   * @param options Where and how to call the Bot API.
   */
  static {
    for (const name of Object.keys(METHOD_SPECS)) {
      if (name in Client.prototype) continue;
      Object.defineProperty(Client.prototype, name, {
        value: function (this: Client, params?: Record<string, unknown>, options?: CallOptions) {
          return this.#run(name, params, options);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  constructor(token: string, options?: ClientOptions) {
    checkToken(token);
    const o = resolveOptions(options);
    this.#token = token;
    this.#options = o;
    this.#base = `${o.pathPrefix}/bot${token}${o.test ? "/test" : ""}/`;
    this.#limiter = o.limiter;
    this.#ownsDispatcher = o.dispatcher === undefined;
    this.#dispatcher =
      o.dispatcher ??
      new Pool(o.origin, {
        connections: o.connections,
        pipelining: 1,
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 30_000,
      });
  }

  /** The Bot API server this client talks to (without the token). */
  get apiRoot(): string {
    return this.#options.origin + this.#options.pathPrefix;
  }

  /** The bot's numeric id: the part of the token before the colon (not secret). */
  get botId(): number | undefined {
    const id = Number(this.#token.slice(0, this.#token.indexOf(":")));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }

  /**
   * Calls a Bot API method by name.
   *
   * @param method The method.
   * @param args Its parameters (optional when every parameter is) and call options.
   * @returns The method's result.
   */
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResult<M>> {
    if (typeof method !== "string" || !METHOD_NAME.test(method)) {
      return Promise.reject(
        new InputError("@bot/client: call() needs a method name of letters and digits"),
      );
    }
    return this.#run(method, args[0] as Record<string, unknown> | undefined, args[1]) as Promise<
      MethodResult<M>
    >;
  }

  /**
   * Calls any method, typed or not: the escape hatch for methods newer than `@bot/types`.
   *
   * @param method The method name.
   * @param params Its parameters.
   * @param options Call options.
   * @returns The method's result, unchecked.
   */
  raw(
    method: string,
    params?: Readonly<Record<string, unknown>>,
    options?: CallOptions,
  ): Promise<unknown> {
    if (typeof method !== "string" || !METHOD_NAME.test(method)) {
      return Promise.reject(
        new InputError("@bot/client: raw() needs a method name of letters and digits"),
      );
    }
    return this.#run(method, params, options);
  }

  /**
   * Adds outgoing middleware. The first added runs outermost.
   *
   * @param transformers The transformers.
   * @returns This client.
   */
  use(...transformers: Transformer[]): this {
    for (const t of transformers) {
      if (typeof t !== "function") throw new InputError("@bot/client: use() takes functions");
      this.#transformers.push(t);
    }
    let next: NextCall = (call) => this.#execute(call.method, call.params, call.options);
    for (let i = this.#transformers.length - 1; i >= 0; i--) {
      const transformer = this.#transformers[i] as Transformer;
      const inner = next;
      next = (call) => transformer(call, inner);
    }
    this.#pipeline = next;
    return this;
  }

  /**
   * Stops accepting calls and closes the client's own pool after in-flight calls finish.
   * An injected dispatcher is left to its owner.
   *
   * @returns When everything is released.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closing: Promise<void>[] = [];
    if (this.#ownsDispatcher) closing.push(this.#dispatcher.close());
    if (this.#fileDispatcher) closing.push(this.#fileDispatcher.close());
    await Promise.all(closing);
  }

  #run(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    if (this.#pipeline === undefined) return this.#execute(method, params, options);
    return this.#pipeline({ method, params, options });
  }

  #timeoutFor(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    options?: CallOptions,
  ): number {
    const explicit = options?.timeoutMs;
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < 1 || explicit > 2_147_483_647) {
        throw new InputError("@bot/client: timeoutMs must be an integer from 1 to 2147483647");
      }
      return explicit;
    }
    if (method === "getUpdates") {
      const poll = typeof params?.timeout === "number" && params.timeout > 0 ? params.timeout : 0;
      return Math.min(poll * 1000 + this.#options.longPollMarginMs, 2_147_483_647);
    }
    return this.#options.timeoutMs;
  }

  async #execute(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    if (this.#closed) throw new ClosedError(method);
    if (params !== undefined && (typeof params !== "object" || params === null)) {
      throw new InputError(`@bot/client: the params of ${method} must be an object`);
    }
    const signal = options?.signal;
    const timeoutMs = this.#timeoutFor(method, params, options);
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.#cooldowns.size !== 0 && this.#cooldownLeft(params) > 0) {
          await this.#waitCooldown(method, params, signal);
        }
        if (this.#limiter !== undefined)
          await this.#limiter.acquire(method, params?.chat_id, signal);
        return await this.#attempt(method, params, timeoutMs, signal, attempt);
      } catch (error) {
        this.#noteCooldown(params, error);
        const delay = this.#retryDelay(method, error, attempt);
        if (delay < 0)
          throw isClientError(error) ? scrubError(error, this.#token) : this.#wrap(method, error);
        if (delay > 0) await sleep(delay, signal, method);
      }
    }
  }

  #wrap(method: string, error: unknown): ClientError {
    return scrubError(
      new InputError(`@bot/client: ${method} failed before it was sent`, { cause: error }),
      this.#token,
    );
  }

  async #attempt(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<unknown> {
    const path = this.#base + method;
    const observed = requestChannel.hasSubscribers || responseChannel.hasSubscribers;
    const started = observed ? performance.now() : 0;
    if (observed && requestChannel.hasSubscribers) requestChannel.publish({ method, attempt });
    let promise: Promise<unknown>;
    let release: (() => void) | undefined;
    let reusable = true;
    if (params === undefined) {
      promise = this.#send(method, path, undefined, undefined, timeoutMs, signal);
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
        promise = this.#send(method, path, JSON_HEADERS, body, timeoutMs, signal);
      } else {
        const prepared = await prepareMultipart(params, { signal, timeoutMs });
        release = prepared.release;
        reusable = prepared.reusable;
        const boundary = chooseBoundary(prepared.parts);
        promise = this.#send(
          method,
          path,
          { "content-type": `multipart/form-data; boundary=${boundary}` },
          encodeMultipart(prepared.parts, boundary),
          timeoutMs,
          signal,
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
      this.#noteCooldown(params, error);
      if (!reusable && typeof error === "object" && error !== null) NOT_REPEATABLE.add(error);
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
    method: string,
    path: string,
    headers: Record<string, string> | undefined,
    body: string | AsyncIterable<Uint8Array> | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    return sendAttempt({
      dispatcher: this.#dispatcher,
      origin: this.#options.origin,
      path,
      method,
      headers,
      body,
      timeoutMs,
      signal,
      maxResponseBytes: this.#options.maxResponseBytes,
    });
  }

  /** Records the cool-down of a 429 for every call to the same chat (or the bot). Idempotent. */
  #noteCooldown(params: Readonly<Record<string, unknown>> | undefined, error: unknown): void {
    if (!(error instanceof ApiError) || error.code !== "BOT_API_TOO_MANY_REQUESTS") return;
    if (NOTED.has(error)) return;
    NOTED.add(error);
    const until = Date.now() + (error.retryAfter ?? 1) * 1000;
    const key = chatKey(params);
    if ((this.#cooldowns.get(key) ?? 0) >= until) return;
    this.#cooldowns.set(key, until);
    this.#limiter?.penalize(params?.chat_id, until).catch(() => undefined);
  }

  /** The wait before the next attempt in ms, or -1 to give up and throw. */
  #retryDelay(method: string, error: unknown, attempt: number): number {
    const policy = this.#options.retry;
    if (policy === false || attempt >= policy.maxAttempts || this.#closed) return -1;
    if (typeof error !== "object" || error === null || NOT_REPEATABLE.has(error)) return -1;
    if (error instanceof ApiError) {
      if (error.code === "BOT_API_TOO_MANY_REQUESTS") {
        return (error.retryAfter ?? 1) * 1000 > policy.maxRetryAfterMs ? -1 : 0;
      }
      if (error.code === "BOT_API_SERVER_ERROR" && policy.isSafeToRepeat(method)) {
        return this.#backoff(attempt);
      }
      return -1;
    }
    if (error instanceof NetworkError) {
      return !error.sent || policy.isSafeToRepeat(method) ? this.#backoff(attempt) : -1;
    }
    if (error instanceof TimeoutError) {
      return policy.isSafeToRepeat(method) ? this.#backoff(attempt) : -1;
    }
    if (error instanceof AbortError) return -1;
    return -1;
  }

  #backoff(attempt: number): number {
    const policy = this.#options.retry;
    if (policy === false) return -1;
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** Milliseconds left of the cool-downs that hold back a call; drops expired entries. */
  #cooldownLeft(params: Readonly<Record<string, unknown>> | undefined): number {
    const now = Date.now();
    const cooldowns = this.#cooldowns;
    if (cooldowns.size > 256) {
      for (const [key, until] of cooldowns) if (until <= now) cooldowns.delete(key);
    }
    const key = chatKey(params);
    const chat = cooldowns.get(key);
    const all = cooldowns.get("*");
    if (chat !== undefined && chat <= now) cooldowns.delete(key);
    if (all !== undefined && all <= now) cooldowns.delete("*");
    return Math.max(chat ?? 0, all ?? 0) - now;
  }

  async #waitCooldown(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (let left = this.#cooldownLeft(params); left > 0; left = this.#cooldownLeft(params)) {
      await sleep(left, signal, method);
    }
  }

  /**
   * Downloads a file as a stream: `getFile` first when given a `file_id`. With a local Bot API
   * server the absolute `file_path` is read from disk.
   *
   * @param file A `file_id`, or a `File` from `getFile`.
   * @param options Signal and timeout.
   * @returns The file's bytes as a stream.
   */
  async download(file: string | File, options?: CallOptions): Promise<Readable> {
    const info =
      typeof file === "string" ? await this.call("getFile", { file_id: file }, options) : file;
    if (this.#closed) throw new ClosedError("download");
    const o = this.#options;
    let dispatcher = this.#dispatcher;
    if (o.fileOrigin !== o.origin) {
      this.#fileDispatcher ??= new Pool(o.fileOrigin, { connections: 8 });
      dispatcher = this.#fileDispatcher;
    }
    try {
      return await openDownload(info, {
        token: this.#token,
        origin: o.fileOrigin,
        pathPrefix: o.filePathPrefix,
        localServer: o.localServer,
        localFileRoot: o.localFileRoot,
        dispatcher,
        timeoutMs: options?.timeoutMs ?? o.timeoutMs,
        signal: options?.signal,
      });
    } catch (error) {
      throw scrubError(error, this.#token);
    }
  }

  /**
   * Downloads a file to a path on disk.
   *
   * @param file A `file_id`, or a `File` from `getFile`.
   * @param destination Where to write it.
   * @param options Signal and timeout.
   * @returns The destination path.
   */
  async downloadTo(
    file: string | File,
    destination: string,
    options?: CallOptions,
  ): Promise<string> {
    const stream = await this.download(file, options);
    try {
      await pipeline(
        stream,
        createWriteStream(destination),
        options?.signal ? { signal: options.signal } : {},
      );
    } catch (error) {
      throw scrubError(
        isClientError(error)
          ? error
          : new NetworkError("download", "the download failed", true, { cause: error }),
        this.#token,
      );
    }
    return destination;
  }

  /**
   * A rendering without the token, for `util.inspect`.
   *
   * @returns A short description.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Client { apiRoot: '${this.apiRoot}', token: '${REDACTED}' }`;
  }

  /**
   * A rendering without the token, for `JSON.stringify`.
   *
   * @returns The public settings.
   */
  toJSON(): Record<string, unknown> {
    return { apiRoot: this.apiRoot, token: REDACTED };
  }

  /**
   * A rendering without the token, for `String(client)`.
   *
   * @returns A short description.
   */
  toString(): string {
    return `Client(${this.apiRoot})`;
  }
}

export type { ApiCall };
