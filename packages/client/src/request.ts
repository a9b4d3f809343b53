/**
 * One HTTP attempt of one call, on undici's `dispatch` with a small handler: no stream objects
 * and no per-call closures on the JSON path.
 */
import type { ResponseParameters } from "@bot/types";
import type { Dispatcher } from "undici";
import {
  AbortError,
  ApiError,
  type ClientError,
  NetworkError,
  TimeoutError,
  UploadSourceError,
} from "./errors.js";

/** What one attempt sends. */
export interface AttemptRequest {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string> | undefined;
  readonly body: string | AsyncIterable<Uint8Array> | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** The largest reply body accepted, in bytes. */
  readonly maxResponseBytes: number;
  /** Told synchronously of a failure before the promise rejects, with `context`. */
  readonly notify?: ((context: unknown, error: ClientError) => void) | undefined;
  /** Passed back to `notify`. */
  readonly context?: unknown;
}

/** Network error codes that prove the request never reached the server. */
const NEVER_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function retryAfterFrom(raw: string | string[] | undefined): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function parameters(value: unknown): ResponseParameters | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { retry_after, migrate_to_chat_id } = value as Record<string, unknown>;
  const out: { retry_after?: number; migrate_to_chat_id?: number } = {};
  if (typeof retry_after === "number") out.retry_after = retry_after;
  if (typeof migrate_to_chat_id === "number") out.migrate_to_chat_id = migrate_to_chat_id;
  return out;
}

function onTimeout(handler: CallHandler): void {
  handler.fail(new TimeoutError(handler.method, handler.timeoutMs));
}

/** The handler of one attempt; it settles its promise exactly once. */
class CallHandler implements Dispatcher.DispatchHandler {
  readonly method: string;
  readonly timeoutMs: number;
  sent = false;
  #resolve: (value: unknown) => void;
  #reject: (error: ClientError) => void;
  #signal: AbortSignal | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  #status = 0;
  #retryAfter: number | undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #maxBytes: number;
  #notify: ((context: unknown, error: ClientError) => void) | undefined;
  #context: unknown;

  constructor(
    method: string,
    timeoutMs: number,
    maxBytes: number,
    signal: AbortSignal | undefined,
    resolve: (value: unknown) => void,
    reject: (error: ClientError) => void,
    notify?: (context: unknown, error: ClientError) => void,
    context?: unknown,
  ) {
    this.#notify = notify;
    this.#context = context;
    this.method = method;
    this.timeoutMs = timeoutMs;
    this.#maxBytes = maxBytes;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(onTimeout, timeoutMs, this);
    if (signal) {
      this.#signal = signal;
      signal.addEventListener("abort", this);
    }
  }

  /** Called by the signal when it aborts. */
  handleEvent(): void {
    this.fail(new AbortError(this.method, this.#signal?.reason));
  }

  /**
   * Settles with an error and aborts the request if it started.
   *
   * @param error The error.
   */
  fail(error: ClientError): void {
    if (this.#done) return;
    this.#settle();
    this.#rejectWith(error);
    this.#controller?.abort(error);
  }

  #rejectWith(error: ClientError): void {
    if (this.#notify !== undefined) {
      try {
        this.#notify(this.#context, error);
      } catch {
        // Bookkeeping of a policy never changes the outcome.
      }
    }
    this.#reject(error);
  }

  #settle(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this);
  }

  onRequestStart(controller: Dispatcher.DispatchController, _context: unknown): void {
    this.sent = true;
    if (this.#done) controller.abort(new Error("settled before it was sent"));
    else this.#controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.#status = status;
    if (status === 429) this.#retryAfter = retryAfterFrom(headers["retry-after"]);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) {
      this.fail(
        new NetworkError(
          this.method,
          `the reply is larger than ${this.#maxBytes} bytes`,
          true,
          undefined,
          "BOT_CLIENT_BAD_RESPONSE",
        ),
      );
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#done) return;
    this.#settle();
    const chunks = this.#chunks;
    const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (typeof body === "object" && body !== null) {
      const envelope = body as { ok?: unknown; result?: unknown };
      if (envelope.ok === true) {
        this.#resolve(envelope.result);
        return;
      }
      if (envelope.ok === false) {
        const e = body as { error_code?: unknown; description?: unknown; parameters?: unknown };
        this.#rejectWith(
          new ApiError({
            method: this.method,
            errorCode: typeof e.error_code === "number" ? e.error_code : this.#status,
            description: typeof e.description === "string" ? e.description : `HTTP ${this.#status}`,
            parameters: parameters(e.parameters),
            retryAfterHeader: this.#retryAfter,
          }),
        );
        return;
      }
    }
    if (this.#status >= 500 || this.#status === 429) {
      this.#rejectWith(
        new ApiError({
          method: this.method,
          errorCode: this.#status,
          description: `HTTP ${this.#status} without a Bot API reply`,
          retryAfterHeader: this.#retryAfter,
        }),
      );
      return;
    }
    this.#rejectWith(
      new NetworkError(
        this.method,
        `HTTP ${this.#status} is not a Bot API reply`,
        true,
        undefined,
        "BOT_CLIENT_BAD_RESPONSE",
      ),
    );
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.#done) return;
    this.#settle();
    // A file fetched from a URL failed while its bytes were being sent (more than maxBytes):
    // the source's typed error, not a network error of the Bot API.
    if (error instanceof UploadSourceError) {
      this.#reject(error);
      return;
    }
    const code = (error as { code?: unknown }).code;
    const sent = this.sent && !(typeof code === "string" && NEVER_SENT.has(code));
    const reason = typeof code === "string" ? code : error.message;
    this.#rejectWith(
      new NetworkError(this.method, `network error (${reason})`, sent, { cause: error }),
    );
  }
}

/** An attempt's failure, with whether the request may have reached the server. */
export type AttemptFailure = ClientError & { readonly sent?: boolean };

/**
 * Sends one attempt and settles with the Bot API's `result`, or rejects with a typed error.
 *
 * @param r What to send.
 * @returns The `result` of the reply.
 */
export function sendAttempt(r: AttemptRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (r.signal?.aborted) {
      reject(new AbortError(r.method, r.signal.reason));
      return;
    }
    const handler = new CallHandler(
      r.method,
      r.timeoutMs,
      r.maxResponseBytes,
      r.signal,
      resolve,
      reject,
      r.notify,
      r.context,
    );
    try {
      r.dispatcher.dispatch(
        {
          origin: r.origin,
          path: r.path,
          method: "POST",
          ...(r.headers === undefined ? {} : { headers: r.headers }),
          body: r.body as string,
        },
        handler,
      );
    } catch (error) {
      handler.onResponseError(null, error as Error);
    }
  });
}
