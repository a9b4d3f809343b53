/**
 * The Bot API client: one per token, over one keep-alive undici pool.
 */
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  expandFormatted,
  type File,
  METHOD_SPECS,
  type MethodName,
  type MethodResult,
} from "@bot/types";
import { type Dispatcher, Pool } from "undici";
import { Cooldowns, cooldown } from "./cooldown.js";
import { openDownload } from "./download.js";
import {
  type ClientError,
  ClosedError,
  InputError,
  isClientError,
  NetworkError,
} from "./errors.js";
import { floodLimit } from "./limiter.js";
import { type ClientOptions, checkToken, type ResolvedOptions, resolveOptions } from "./options.js";
import { REDACTED, scrubError } from "./redact.js";
import { retry } from "./retry.js";
import { systemClock } from "./sleep.js";
import { Transport } from "./transport.js";
import type {
  ApiCall,
  ApiCalls,
  CallArgs,
  CallOptions,
  Interceptor,
  InterceptorContext,
  NextCall,
  Transformer,
} from "./types.js";

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The built-in policy chain for some options, outermost first: retry, then the 429 cool-down,
 * then the flood limiter (each attempt passes the cool-down and takes a limiter slot).
 *
 * @param o The resolved options.
 * @param botId The bot's id, for the cool-down keys.
 * @returns The interceptors.
 */
function defaultInterceptors(o: ResolvedOptions, botId: number | undefined): Interceptor[] {
  const chain: Interceptor[] = [];
  if (o.retry !== false) {
    chain.push(
      retry({ ...o.retry, floodSpreadMs: o.cooldown === false ? undefined : o.cooldown.spreadMs }),
    );
  }
  let cooldowns: Cooldowns | undefined;
  if (o.cooldown !== false) {
    cooldowns = new Cooldowns({
      store: o.limiter?.store,
      namespace: o.limiter?.namespace ?? (botId === undefined ? undefined : String(botId)),
      maxWaitMs: o.retry === false ? undefined : o.retry.maxRetryAfterMs,
      ...o.cooldown,
    });
    chain.push(cooldown(cooldowns));
  }
  // A call that waited for its limiter slot checks the cool-downs again before it is sent.
  if (o.limiter !== undefined) chain.push(floodLimit(o.limiter, cooldowns));
  return chain;
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
  readonly #options: ResolvedOptions;
  readonly #transport: Transport;
  readonly #transformers: Transformer[] = [];
  /** The policy chain over the transport: what transformers call as their last `next`. */
  readonly #chain: NextCall;
  #pipeline: NextCall | undefined;
  #fileDispatcher: Dispatcher | undefined;
  #closed = false;

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

  /**
   * Builds a client. Options are validated once; no connection is opened until the first call.
   *
   * @param token The bot token from @BotFather. It is kept private and never printed.
   * @param options Where and how to call the Bot API.
   */
  constructor(token: string, options?: ClientOptions) {
    checkToken(token);
    const o = resolveOptions(options);
    this.#token = token;
    this.#options = o;
    const transport = new Transport(token, o);
    this.#transport = transport;
    const context: InterceptorContext = {
      clock: o.clock ?? systemClock,
      botId: this.botId,
      onAttemptError: (listener) => transport.onAttemptError(listener),
    };
    const interceptors = o.interceptors ?? defaultInterceptors(o, this.botId);
    let next: NextCall = transport.send;
    for (let i = interceptors.length - 1; i >= 0; i--) {
      next = (interceptors[i] as Interceptor)(next, context);
      if (typeof next !== "function") {
        throw new InputError("@bot/client: an interceptor must return a function");
      }
    }
    this.#chain = next;
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
    let next: NextCall = this.#execute;
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
    const closing: Promise<void>[] = [this.#transport.close()];
    if (this.#fileDispatcher) closing.push(this.#fileDispatcher.close());
    await Promise.all(closing);
  }

  #run(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    try {
      params = expandFormatted(method, params); // formatted text values into text + entities
    } catch (e) {
      return Promise.reject(e);
    }
    const call: ApiCall = { method, params, options };
    if (this.#pipeline === undefined) return this.#execute(call);
    return this.#pipeline(call);
  }

  /** Runs a call through the policy chain; what escapes is a scrubbed `ClientError`. */
  #execute = (call: ApiCall): Promise<unknown> => {
    if (this.#closed) return Promise.reject(new ClosedError(call.method));
    return this.#chain(call).catch((error: unknown) => {
      throw scrubError(
        isClientError(error)
          ? error
          : new InputError(`@bot/client: ${call.method} failed before it was sent`, {
              cause: error,
            }),
        this.#token,
      ) as ClientError;
    });
  };

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
    let dispatcher = this.#transport.dispatcher;
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

// A rendering without the token, for `util.inspect` (defined beside the class: a computed
// member name would need inference from a declaration emitter).
Object.defineProperty(Client.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  configurable: true,
  writable: true,
  value(this: Client): string {
    return `Client { apiRoot: '${this.apiRoot}', token: '${REDACTED}' }`;
  },
});

export type { ApiCall };
