/**
 * A small fake Bot API server for the client's tests: real sockets on 127.0.0.1, every request
 * recorded with its parsed parameters and files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A file part received in a multipart body. */
export interface ReceivedFile {
  readonly filename: string;
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

/** One request as the server saw it. */
export interface ReceivedCall {
  readonly method: string;
  readonly token: string;
  readonly test: boolean;
  readonly httpMethod: string;
  readonly path: string;
  readonly contentType: string;
  /** JSON params as sent, or multipart/urlencoded fields as strings. */
  readonly params: Record<string, unknown>;
  readonly files: Record<string, ReceivedFile>;
  readonly at: number;
}

/** What the route answers. */
export type Reply =
  | {
      readonly status?: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
      readonly delayMs?: number;
    }
  | "drop"
  | "hang";

/** Decides the reply to one call; the default answers `{ ok: true, result: true }`. */
export type Route = (call: ReceivedCall, index: number) => Reply | Promise<Reply>;

/** A running fake server. */
export interface FakeServer {
  readonly url: string;
  readonly port: number;
  readonly calls: ReceivedCall[];
  route: Route;
  close(): Promise<void>;
}

/**
 * Decodes a `Content-Disposition` parameter the way browsers encode it.
 *
 * @param value The raw parameter.
 * @returns The decoded value.
 */
function decodeName(value: string): string {
  return value.replace(/%22/g, '"').replace(/%0D/g, "\r").replace(/%0A/g, "\n");
}

/**
 * Parses a whole multipart body (tests only: it is buffered).
 *
 * @param body The body.
 * @param boundary The boundary.
 * @returns Fields and files.
 */
export function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: Record<string, string>; files: Record<string, ReceivedFile> } {
  const fields: Record<string, string> = {};
  const files: Record<string, ReceivedFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error("multipart body does not start with the boundary");
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") break;
    if (body.subarray(pos, pos + 2).toString() !== "\r\n") throw new Error("bad delimiter line");
    pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    const headers = body.subarray(pos, headerEnd).toString("utf8").split("\r\n");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error("unterminated part");
    const data = body.subarray(headerEnd + 4, next);
    const disposition =
      headers.find((h) => h.toLowerCase().startsWith("content-disposition:")) ?? "";
    const type = headers.find((h) => h.toLowerCase().startsWith("content-type:"));
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    if (name === undefined) throw new Error("part without a name");
    if (filename !== undefined) {
      files[decodeName(name)] = {
        filename: decodeName(filename),
        contentType: type?.slice(type.indexOf(":") + 1).trim(),
        data: Buffer.from(data),
      };
    } else {
      fields[decodeName(name)] = data.toString("utf8");
    }
    pos = next + 2;
  }
  return { fields, files };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseCall(req: IncomingMessage, body: Buffer): ReceivedCall {
  const path = req.url ?? "/";
  const match = /^(?:\/[^/]+)*?\/bot([^/]+)(\/test)?\/([A-Za-z0-9_]+)$/.exec(
    path.split("?")[0] ?? "",
  );
  const contentType = req.headers["content-type"] ?? "";
  let params: Record<string, unknown> = {};
  let files: Record<string, ReceivedFile> = {};
  if (contentType.startsWith("application/json")) {
    params = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } else if (contentType.startsWith("multipart/form-data")) {
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? "";
    const parsed = parseMultipart(body, boundary);
    params = parsed.fields;
    files = parsed.files;
  } else if (body.length > 0) {
    params = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
  }
  return {
    method: match?.[3] ?? "",
    token: match?.[1] ?? "",
    test: match?.[2] !== undefined,
    httpMethod: req.method ?? "",
    path,
    contentType,
    params,
    files,
    at: Date.now(),
  };
}

/**
 * Starts a fake Bot API server on 127.0.0.1 with an ephemeral port.
 *
 * @param route Decides each reply (default: `{ ok: true, result: true }`).
 * @returns The running server.
 */
export async function startFakeServer(route?: Route): Promise<FakeServer> {
  const calls: ReceivedCall[] = [];
  const hanging = new Set<ServerResponse>();
  const state: { route: Route } = {
    route: route ?? (() => ({ body: { ok: true, result: true } })),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      let call: ReceivedCall;
      try {
        call = parseCall(req, body);
      } catch (error) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ ok: false, error_code: 400, description: `fake: ${String(error)}` }),
        );
        return;
      }
      const index = calls.push(call) - 1;
      const reply = await state.route(call, index);
      if (reply === "drop") {
        req.socket.destroy();
        return;
      }
      if (reply === "hang") {
        hanging.add(res);
        return;
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      const status = reply.status ?? 200;
      res.writeHead(status, { "content-type": "application/json", ...reply.headers });
      res.end(
        typeof reply.body === "string"
          ? reply.body
          : JSON.stringify(reply.body ?? { ok: true, result: true }),
      );
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    get route() {
      return state.route;
    },
    set route(next: Route) {
      state.route = next;
    },
    close: async () => {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A canned `Message` result. */
export function message(id: number, text = "ok"): Record<string, unknown> {
  return { message_id: id, date: 1_700_000_000, chat: { id: 1, type: "private" }, text };
}
