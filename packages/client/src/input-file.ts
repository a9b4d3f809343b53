/**
 * Files to upload. A file is always explicit: a plain string parameter is a `file_id` or URL for
 * Telegram and is never read from disk.
 */
import { open } from "node:fs/promises";
import { isIP } from "node:net";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { INPUT_FILE, type InputFile as InputFileShape } from "@bot/types";
import { type Dispatcher, request as undiciRequest } from "undici";
import { isNonPublicAddress, publicOnlyDispatcher } from "./address-policy.js";
import { AbortError, InputError, TimeoutError, UploadSourceError } from "./errors.js";

/** Internal: opens the bytes of a file (shared across duplicate installs). */
export const OPEN_FILE: unique symbol = Symbol.for("@bot/client.input-file.open");
/** Internal: the string sent in place of the file (file_id or URL for Telegram to fetch). */
export const FILE_REFERENCE: unique symbol = Symbol.for("@bot/client.input-file.reference");

/** The bytes of a file, as one buffer or a stream of chunks. */
export type FileBytes = Uint8Array | AsyncIterable<Uint8Array>;

/** How the client opens a file for one call. Internal to the client. */
export interface OpenFileOptions {
  /** The call's signal: aborts the wait for a URL source and its download. */
  readonly signal?: AbortSignal | undefined;
  /** The call's timeout: the longest wait for a URL source's response headers. */
  readonly timeoutMs?: number | undefined;
}

/** Telegram's limit for a file uploaded by a bot: 50 MB. The default `maxBytes` of `fromUrl`. */
export const MAX_UPLOAD_BYTES: number = 50 * 1024 * 1024;

/** Options of {@link InputFile.fromUrl}. */
export interface FromUrlOptions {
  /**
   * When `true`, the client downloads the URL itself and uploads the bytes (streamed). When
   * `false` (the default), the URL is passed to Telegram, which fetches it (5 MB for photos,
   * 20 MB for other files).
   */
  readonly upload?: boolean;
  /** The file name of the upload; defaults to the last path segment of the URL. */
  readonly filename?: string;
  /**
   * The undici dispatcher used to download when `upload` is true. By default a shared agent that
   * refuses non-public addresses (see `allowPrivateNetworks`); with your own dispatcher (a proxy,
   * for example) the address check is yours.
   */
  readonly dispatcher?: Dispatcher;
  /**
   * With `upload: true`, the most bytes accepted from the URL (default 50 MB, Telegram's upload
   * limit). A larger `content-length`, or more bytes than announced, fails the call with
   * `BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE`.
   */
  readonly maxBytes?: number;
  /**
   * With `upload: true`, allow loopback, private, link-local and other non-public addresses
   * (`127.0.0.1`, `10.0.0.0/8`, `169.254.169.254`, `::1`, `fc00::/7`, `::ffff:10.0.0.1`...).
   * Default `false`: such a URL fails with `BOT_CLIENT_UPLOAD_SOURCE_BLOCKED`. The check applies to
   * the address actually connected to, after DNS resolution.
   */
  readonly allowPrivateNetworks?: boolean;
}

interface UrlSource {
  readonly kind: "url";
  readonly url: URL;
  readonly dispatcher: Dispatcher | undefined;
  readonly maxBytes: number;
  readonly allowPrivateNetworks: boolean;
}

type Source =
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "buffer"; readonly data: Uint8Array }
  | { readonly kind: "stream"; readonly stream: AsyncIterable<Uint8Array> }
  | UrlSource
  | { readonly kind: "reference"; readonly reference: string };

function toAsyncIterable(stream: unknown): AsyncIterable<Uint8Array> | undefined {
  if (typeof stream !== "object" || stream === null) return undefined;
  if (Symbol.asyncIterator in stream) return stream as AsyncIterable<Uint8Array>;
  if (typeof (stream as { getReader?: unknown }).getReader === "function") {
    return Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>);
  }
  return undefined;
}

/**
 * The symbol-keyed members of {@link InputFile}. They are declared here and defined in the
 * class's static block: a computed member name in a class body would need type inference from
 * a declaration emitter (`isolatedDeclarations`).
 */
export interface InputFile {
  /** The brand that marks an uploadable file (see `isInputFile` in `@bot/types`). */
  readonly [INPUT_FILE]: true;
  /**
   * The string sent instead of bytes (a `file_id`, or a URL Telegram fetches), if any:
   * `undefined` when the file is uploaded.
   */
  readonly [FILE_REFERENCE]: string | undefined;
  /**
   * Opens the bytes for one upload. Internal to the client.
   *
   * @param options The call's signal and timeout.
   * @returns The bytes.
   */
  [OPEN_FILE](options?: OpenFileOptions): Promise<FileBytes>;
}

/**
 * A file to send. Build one with a static factory: `fromPath`, `fromBuffer`, `fromStream`,
 * `fromUrl` or `fromFileId`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the symbol-keyed members
export class InputFile implements InputFileShape {
  static {
    Object.defineProperty(InputFile.prototype, FILE_REFERENCE, {
      configurable: true,
      get(this: InputFile): string | undefined {
        return this.#source.kind === "reference" ? this.#source.reference : undefined;
      },
    });
    Object.defineProperty(InputFile.prototype, OPEN_FILE, {
      configurable: true,
      writable: true,
      value(this: InputFile, options?: OpenFileOptions): Promise<FileBytes> {
        return this.#open(options);
      },
    });
  }

  /** The file name sent with the upload. */
  readonly filename: string;
  readonly #source: Source;
  #consumed = false;

  private constructor(source: Source, filename: string) {
    // An own enumerable property, as a class field would be.
    Object.defineProperty(this, INPUT_FILE, {
      value: true,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    this.#source = source;
    this.filename = filename;
  }

  /**
   * A file on disk, opened (streamed) only when the request is sent, so it can be re-sent on retry.
   *
   * @param path The file's path.
   * @param filename The name sent to Telegram; defaults to the path's base name.
   * @returns The file.
   */
  static fromPath(path: string, filename?: string): InputFile {
    if (typeof path !== "string" || path.length === 0) {
      throw new InputError("@bot/client: InputFile.fromPath needs a non-empty path string");
    }
    return new InputFile({ kind: "path", path }, filename ?? basename(path));
  }

  /**
   * Bytes in memory.
   *
   * @param data The bytes.
   * @param filename The name sent to Telegram.
   * @returns The file.
   */
  static fromBuffer(data: Uint8Array, filename = "file"): InputFile {
    if (!(data instanceof Uint8Array)) {
      throw new InputError("@bot/client: InputFile.fromBuffer needs a Uint8Array or Buffer");
    }
    return new InputFile({ kind: "buffer", data }, filename);
  }

  /**
   * A stream (Node `Readable`, web `ReadableStream` or any async iterable of bytes). It is read
   * once, chunk by chunk, so a call that uploads it cannot be retried after it started sending.
   *
   * @param stream The stream.
   * @param filename The name sent to Telegram.
   * @returns The file.
   */
  static fromStream(
    stream: AsyncIterable<Uint8Array> | import("node:stream/web").ReadableStream<Uint8Array>,
    filename = "file",
  ): InputFile {
    const iterable = toAsyncIterable(stream);
    if (!iterable) {
      throw new InputError("@bot/client: InputFile.fromStream needs a stream or async iterable");
    }
    return new InputFile({ kind: "stream", stream: iterable }, filename);
  }

  /**
   * A file at an HTTP(S) URL: by default Telegram fetches it; with `upload: true` the client
   * downloads and uploads it.
   *
   * With `upload: true` the source is fetched when the call is sent, under the call's signal and
   * timeout, at most `maxBytes` (50 MB), never from a loopback or private address unless
   * `allowPrivateNetworks` is set, and without following redirects. A source that fails
   * (404, 500, a redirect, too large, unreachable) fails the call with an `UploadSourceError`.
   *
   * @param url The URL.
   * @param options Whether to upload it ourselves, its file name, and the limits of the upload.
   * @returns The file.
   * @throws {InputError} For a URL that is not http(s), or an invalid `maxBytes`.
   */
  static fromUrl(url: string | URL, options: FromUrlOptions = {}): InputFile {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new InputError("@bot/client: InputFile.fromUrl needs a valid URL", { cause: error });
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new InputError("@bot/client: InputFile.fromUrl needs an http or https URL");
    }
    const filename = options.filename ?? (basename(parsed.pathname) || "file");
    if (options.upload === true) {
      const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
      if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
        throw new InputError("@bot/client: InputFile.fromUrl maxBytes must be a positive integer");
      }
      const source: UrlSource = {
        kind: "url",
        url: parsed,
        dispatcher: options.dispatcher,
        maxBytes,
        allowPrivateNetworks: options.allowPrivateNetworks === true,
      };
      return new InputFile(source, filename);
    }
    return new InputFile({ kind: "reference", reference: parsed.href }, filename);
  }

  /**
   * A file already on Telegram's servers, sent by its `file_id`.
   *
   * @param fileId The `file_id`.
   * @returns The file.
   */
  static fromFileId(fileId: string): InputFile {
    if (typeof fileId !== "string" || fileId.length === 0) {
      throw new InputError("@bot/client: InputFile.fromFileId needs a non-empty file_id");
    }
    return new InputFile({ kind: "reference", reference: fileId }, "file");
  }

  /** Whether the bytes can be read again (false for a stream that was already read). */
  get reusable(): boolean {
    return this.#source.kind !== "stream" || !this.#consumed;
  }

  /** The implementation of `[OPEN_FILE]`. */
  async #open(options: OpenFileOptions = {}): Promise<FileBytes> {
    const source = this.#source;
    switch (source.kind) {
      case "buffer":
        return source.data;
      case "path":
        try {
          return (await open(source.path, "r")).createReadStream();
        } catch (error) {
          throw new InputError(`@bot/client: cannot open the file "${this.filename}"`, {
            cause: error,
          });
        }
      case "stream":
        if (this.#consumed) {
          throw new InputError(`@bot/client: the stream of "${this.filename}" was already read`);
        }
        this.#consumed = true;
        return source.stream;
      case "url":
        return openUrl(source, options);
      default:
        throw new InputError("@bot/client: a file_id or URL reference has no bytes to upload");
    }
  }

  /**
   * Renders a `file_id` or URL reference as its string. A file to upload refuses: it can only
   * travel as a multipart part.
   *
   * @returns The reference string.
   */
  toJSON(): string {
    if (this.#source.kind === "reference") return this.#source.reference;
    throw new InputError(
      `@bot/client: the file "${this.filename}" was placed where this method takes no file`,
    );
  }
}

const noop = (): void => {};

/** `origin + pathname` of a URL: what error messages show (a query string may hold a secret). */
const shown = (url: URL): string => `${url.origin}${url.pathname}`;

/**
 * Fetches a URL source for upload: under the call's signal and timeout, refusing non-public
 * addresses unless allowed, not following redirects, capped at `maxBytes`.
 *
 * The returned body carries an `error` listener for its whole life: the client destroys an
 * unfinished body when a call ends early (a failed second file of a media group, a refused
 * upload), and undici makes `destroy()` emit an error that would otherwise be unhandled and
 * exit the process.
 */
async function openUrl(source: UrlSource, options: OpenFileOptions): Promise<FileBytes> {
  const { url } = source;
  const { signal, timeoutMs } = options;
  if (signal?.aborted) throw new AbortError("fromUrl", signal.reason);
  if (!source.allowPrivateNetworks && source.dispatcher === undefined) {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0 && isNonPublicAddress(host)) {
      throw new UploadSourceError(
        "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED",
        `@bot/client: refusing to fetch an upload from ${host}: not a public address; pass allowPrivateNetworks: true to allow it`,
      );
    }
  }
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(new AbortError("fromUrl", signal?.reason));
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => controller.abort(new TimeoutError("fromUrl", timeoutMs)), timeoutMs)
      : undefined;
  const dispatcher =
    source.dispatcher ?? (source.allowPrivateNetworks ? undefined : publicOnlyDispatcher());
  let response: Dispatcher.ResponseData;
  try {
    response = await undiciRequest(url, {
      signal: controller.signal,
      ...(dispatcher ? { dispatcher } : {}),
      ...(timeoutMs !== undefined && timeoutMs > 0
        ? { headersTimeout: timeoutMs, bodyTimeout: timeoutMs }
        : {}),
    });
  } catch (error) {
    signal?.removeEventListener("abort", onAbort);
    const reason = controller.signal.reason;
    if (
      controller.signal.aborted &&
      (reason instanceof AbortError || reason instanceof TimeoutError)
    ) {
      throw reason;
    }
    const refused = findUploadSourceError(error);
    if (refused) throw refused;
    throw new UploadSourceError(
      "BOT_CLIENT_UPLOAD_SOURCE_NETWORK",
      `@bot/client: cannot fetch the upload from ${shown(url)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  const body = response.body;
  body.on("error", noop);
  body.once("close", () => signal?.removeEventListener("abort", onAbort));
  const status = response.statusCode;
  if (status < 200 || status >= 300) {
    body.destroy();
    const redirect = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
    throw new UploadSourceError(
      "BOT_CLIENT_UPLOAD_SOURCE_STATUS",
      `@bot/client: downloading ${shown(url)} gave HTTP ${status}${redirect}`,
      { status },
    );
  }
  const announced = Number(response.headers["content-length"]);
  if (Number.isFinite(announced) && announced > source.maxBytes) {
    body.destroy();
    throw tooLarge(url, source.maxBytes);
  }
  return capped(body, url, source.maxBytes);
}

function tooLarge(url: URL, maxBytes: number): UploadSourceError {
  return new UploadSourceError(
    "BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE",
    `@bot/client: the upload from ${shown(url)} is larger than maxBytes (${maxBytes})`,
  );
}

/** The body's chunks, failing once more than `maxBytes` arrived; `destroy` reaches the body. */
function capped(body: Readable, url: URL, maxBytes: number): AsyncIterable<Uint8Array> {
  let seen = 0;
  return {
    async *[Symbol.asyncIterator]() {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          body.destroy();
          throw tooLarge(url, maxBytes);
        }
        yield chunk;
      }
    },
    destroy: () => body.destroy(),
  } as AsyncIterable<Uint8Array>;
}

function findUploadSourceError(error: unknown): UploadSourceError | undefined {
  let at: unknown = error;
  for (let i = 0; i < 8 && typeof at === "object" && at !== null; i++) {
    if (at instanceof UploadSourceError) return at;
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Tells whether a value is an `InputFile` of this package (or a duplicate install of it).
 *
 * @param value Any value.
 * @returns Whether the client can upload it.
 */
export function isUploadable(value: unknown): value is InputFile {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[INPUT_FILE] === true &&
    typeof (value as Record<symbol, unknown>)[OPEN_FILE] === "function"
  );
}
