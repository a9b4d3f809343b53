/**
 * A streaming `multipart/form-data` encoder: string fields are small, file parts are streamed
 * chunk by chunk and never held whole in memory.
 */
import { randomBytes } from "node:crypto";
import type { FileBytes } from "./input-file.js";

/** The parts of one multipart body. */
export interface MultipartParts {
  /** `[name, value]` text fields. */
  readonly fields: readonly (readonly [string, string])[];
  /** `[name, filename, bytes]` file parts, already opened. */
  readonly files: readonly (readonly [string, string, FileBytes])[];
}

/**
 * Escapes a field name or file name for a `Content-Disposition` header the way browsers do:
 * `"` becomes `%22`, CR `%0D` and LF `%0A`.
 *
 * @param value The name.
 * @returns The escaped name.
 */
export function escapeHeaderValue(value: string): string {
  return value.replace(/["\r\n]/g, (c) => (c === '"' ? "%22" : c === "\r" ? "%0D" : "%0A"));
}

/**
 * A random boundary.
 *
 * @returns A fresh boundary string.
 */
export function randomBoundary(): string {
  return `----botclient${randomBytes(16).toString("hex")}`;
}

/**
 * Picks a boundary that occurs in no text field and no file name.
 *
 * @param parts The parts of the body.
 * @param generate Makes a candidate boundary.
 * @returns A boundary that is safe for these parts.
 */
export function chooseBoundary(
  parts: MultipartParts,
  generate: () => string = randomBoundary,
): string {
  for (;;) {
    const boundary = generate();
    const clash =
      parts.fields.some(([name, value]) => name.includes(boundary) || value.includes(boundary)) ||
      parts.files.some(
        ([name, filename]) => name.includes(boundary) || filename.includes(boundary),
      );
    if (!clash) return boundary;
  }
}

/**
 * Encodes the parts as a stream of chunks.
 *
 * @param parts The parts of the body.
 * @param boundary The boundary (see {@link chooseBoundary}).
 * @returns The body, chunk by chunk.
 */
export async function* encodeMultipart(
  parts: MultipartParts,
  boundary: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  const delimiter = `--${boundary}\r\n`;
  let text = "";
  for (const [name, value] of parts.fields) {
    text += `${delimiter}content-disposition: form-data; name="${escapeHeaderValue(name)}"\r\n\r\n${value}\r\n`;
  }
  if (text.length > 0) yield Buffer.from(text, "utf8");
  for (const [name, filename, bytes] of parts.files) {
    yield Buffer.from(
      `${delimiter}content-disposition: form-data; name="${escapeHeaderValue(name)}"; filename="${escapeHeaderValue(filename)}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      "utf8",
    );
    if (bytes instanceof Uint8Array) {
      yield bytes;
    } else {
      for await (const chunk of bytes) {
        yield typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      }
    }
    yield Buffer.from("\r\n", "latin1");
  }
  yield Buffer.from(`--${boundary}--\r\n`, "latin1");
}
