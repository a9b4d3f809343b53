/**
 * Files to upload. A file is always explicit: a plain string parameter is a `file_id` or URL for
 * Telegram and is never read from disk.
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { INPUT_FILE, type InputFile as InputFileShape } from "@bot/types";
import { type Dispatcher, request as undiciRequest } from "undici";
import { InputError } from "./errors.js";

/** Internal: opens the bytes of a file (shared across duplicate installs). */
export const OPEN_FILE: unique symbol = Symbol.for("@bot/client.input-file.open");
/** Internal: the string sent in place of the file (file_id or URL for Telegram to fetch). */
export const FILE_REFERENCE: unique symbol = Symbol.for("@bot/client.input-file.reference");

/** The bytes of a file, as one buffer or a stream of chunks. */
export type FileBytes = Uint8Array | AsyncIterable<Uint8Array>;

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
  /** The undici dispatcher used to download when `upload` is true. */
  readonly dispatcher?: Dispatcher;
}

type Source =
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "buffer"; readonly data: Uint8Array }
  | { readonly kind: "stream"; readonly stream: AsyncIterable<Uint8Array> }
  | { readonly kind: "url"; readonly url: URL; readonly dispatcher: Dispatcher | undefined }
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
 * A file to send. Build one with a static factory: `fromPath`, `fromBuffer`, `fromStream`,
 * `fromUrl` or `fromFileId`.
 */
export class InputFile implements InputFileShape {
  /** The brand that marks an uploadable file (see `isInputFile` in `@bot/types`). */
  readonly [INPUT_FILE] = true as const;
  /** The file name sent with the upload. */
  readonly filename: string;
  readonly #source: Source;
  #consumed = false;

  private constructor(source: Source, filename: string) {
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
   * @param url The URL.
   * @param options Whether to upload it ourselves, and its file name.
   * @returns The file.
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
      return new InputFile({ kind: "url", url: parsed, dispatcher: options.dispatcher }, filename);
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

  /**
   * The string sent instead of bytes (a `file_id`, or a URL Telegram fetches), if any.
   *
   * @returns The reference, or `undefined` when the file is uploaded.
   */
  get [FILE_REFERENCE](): string | undefined {
    return this.#source.kind === "reference" ? this.#source.reference : undefined;
  }

  /** Whether the bytes can be read again (false for a stream that was already read). */
  get reusable(): boolean {
    return this.#source.kind !== "stream" || !this.#consumed;
  }

  /**
   * Opens the bytes for one upload. Internal to the client.
   *
   * @returns The bytes.
   */
  async [OPEN_FILE](): Promise<FileBytes> {
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
      case "url": {
        const response = await undiciRequest(
          source.url,
          source.dispatcher ? { dispatcher: source.dispatcher } : {},
        );
        if (response.statusCode < 200 || response.statusCode >= 300) {
          response.body.destroy();
          throw new InputError(
            `@bot/client: downloading ${source.url.origin}${source.url.pathname} gave HTTP ${response.statusCode}`,
          );
        }
        return response.body;
      }
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
