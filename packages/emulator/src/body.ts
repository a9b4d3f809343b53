import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { Request } from "undici";
import { ApiFailure, badRequest } from "./errors.js";

/** A file part of a multipart request. */
export interface UploadedFile {
  readonly kind: "upload";
  readonly filename: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

/** Raw request parameters: strings from query/form, JSON values, or uploads. */
export type RawParams = Record<string, unknown>;

/** The largest body the emulator reads (Telegram's multipart cap on the cloud API is 50 MB). */
export const MAX_BODY_BYTES: number = 52 * 1024 * 1024;

/**
 * Whether a value is an uploaded file part.
 *
 * @param value Any parameter value.
 * @returns `true` for a file part.
 */
export function isUpload(value: unknown): value is UploadedFile {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "upload"
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiFailure(413, "Request Entity Too Large");
    chunks.push(buf);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function assignSafe(target: RawParams, key: string, value: unknown): void {
  if (key === "__proto__" || key === "constructor" || key === "prototype") return;
  target[key] = value;
}

/**
 * Reads the parameters of a Bot API request from its query string and body.
 *
 * @param req The incoming request.
 * @param search The URL's query string parameters.
 * @returns The parameters; the body wins over the query string.
 */
export async function readParams(
  req: IncomingMessage,
  search: URLSearchParams,
): Promise<RawParams> {
  const params: RawParams = Object.create(null) as RawParams;
  for (const [k, v] of search) assignSafe(params, k, v);
  if (req.method === "GET" || req.method === "HEAD") {
    req.resume();
    return params;
  }
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    await readMultipart(req, params);
    return params;
  }
  const body = await readBody(req);
  if (body.length === 0) return params;
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("JSON object expected");
    }
    for (const [k, v] of Object.entries(parsed)) assignSafe(params, k, v);
    return params;
  }
  // application/x-www-form-urlencoded, or anything else treated as such.
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) assignSafe(params, k, v);
  return params;
}

async function readMultipart(req: IncomingMessage, params: RawParams): Promise<void> {
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > MAX_BODY_BYTES) throw new ApiFailure(413, "Request Entity Too Large");
  let form: Awaited<ReturnType<Request["formData"]>>;
  try {
    const request = new Request("http://emulator.local/", {
      method: "POST",
      headers: { "content-type": String(req.headers["content-type"]) },
      body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
      duplex: "half",
    });
    form = await request.formData();
  } catch {
    throw badRequest("can't parse multipart/form-data body");
  }
  for (const [key, value] of form) {
    if (typeof value === "string") {
      assignSafe(params, key, value);
    } else {
      const data = Buffer.from(await value.arrayBuffer());
      const upload: UploadedFile = {
        kind: "upload",
        filename: value.name || key,
        mimeType: value.type || "application/octet-stream",
        data,
      };
      assignSafe(params, key, upload);
    }
  }
}
