/**
 * The fake Bot API of the end-to-end benchmark: a bare `node:http` server, so the measured
 * bot (not the fake) is the bottleneck. It serves a prepared set of text updates through
 * `getUpdates` (offset, limit and long-poll timeout as Telegram does), answers `sendMessage`
 * with a small message, and times one run from the first `getUpdates` to the reply to the last
 * update. `getMe`, `deleteWebhook`, `getWebhookInfo` and anything else get a plausible answer.
 *
 * Run in a child process (`fork` with `E2E_ROLE=api`): it sends `{ port }` once listening; on `{ reset, total,
 * chats }` it prepares a new run and answers `"ready"`; when every update got its reply it
 * sends `{ done, ms, polls, sends, inversions, duplicates }`. It can also run in-process
 * (`startFakeApi`) for tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { BENCH_BOT_INFO } from "./fixtures.ts";

/** What one run measured. */
export interface E2eRun {
  /** Milliseconds from the first `getUpdates` to the reply to the last update. */
  readonly ms: number;
  /** `getUpdates` calls. */
  readonly polls: number;
  /** `sendMessage` calls. */
  readonly sends: number;
  /** Replies of a chat that arrived before the reply to an earlier update of that chat. */
  readonly inversions: number;
  /** Replies for an update that already had one. */
  readonly duplicates: number;
  /** CPU time the fake API itself used during the run, in ms (is it the bottleneck?). */
  readonly apiCpuMs: number;
}

/** A text update of chat `chat` (a private chat: the user is the chat). */
function updateJson(id: number, chat: number): string {
  return JSON.stringify({
    update_id: id,
    message: {
      message_id: id,
      date: 1_764_000_000,
      chat: { id: chat, type: "private", first_name: "User", username: `user${chat}` },
      from: {
        id: chat,
        is_bot: false,
        first_name: "User",
        username: `user${chat}`,
        language_code: "en",
      },
      text: `u${id}`,
    },
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

/** Reads parameters from a JSON body, or from the query string when there is no body. */
function params(body: string, url: string): Record<string, unknown> {
  if (body.length > 0 && body[0] === "{") return JSON.parse(body) as Record<string, unknown>;
  const q = url.indexOf("?");
  if (q < 0) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) out[k] = v;
  return out;
}

function send(res: ServerResponse, json: string): void {
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

/** A running fake Bot API. */
export interface FakeApi {
  /** `http://127.0.0.1:<port>`: the `apiRoot` of the bots. */
  readonly apiRoot: string;
  /**
   * Prepares a new run: `total` updates, ids continuing from the last run, over `chats` chats.
   *
   * @returns A promise of the run's figures, settled when the last update got its reply.
   */
  reset(total: number, chats: number): Promise<E2eRun>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the fake Bot API on 127.0.0.1.
 *
 * @returns The running fake.
 */
export async function startFakeApi(): Promise<FakeApi> {
  let updates: string[] = [];
  let firstId = 1;
  let nextId = 1;
  let replied = new Uint8Array(0);
  let lastOfChat = new Map<number, number>();
  let repliedCount = 0;
  let startedAt = 0;
  let cpuAtStart = process.cpuUsage();
  let polls = 0;
  let sends = 0;
  let inversions = 0;
  let duplicates = 0;
  let finish: ((run: E2eRun) => void) | undefined;
  const waiting = new Set<ServerResponse>();

  const onGetUpdates = (p: Record<string, unknown>, res: ServerResponse): void => {
    if (polls === 0) {
      startedAt = performance.now();
      cpuAtStart = process.cpuUsage();
    }
    polls += 1;
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
    const from = Math.max(0, offset - firstId);
    if (from < updates.length) {
      const batch = updates.slice(from, from + limit);
      send(res, `{"ok":true,"result":[${batch.join(",")}]}`);
      return;
    }
    // Nothing new: hold the long poll (at most its timeout, and 1 s) like Telegram does.
    const timeoutMs = Math.min(1000, Number(p.timeout ?? 0) * 1000);
    if (timeoutMs <= 0) {
      send(res, `{"ok":true,"result":[]}`);
      return;
    }
    waiting.add(res);
    const timer = setTimeout(() => {
      waiting.delete(res);
      if (!res.writableEnded) send(res, `{"ok":true,"result":[]}`);
    }, timeoutMs);
    res.on("close", () => {
      clearTimeout(timer);
      waiting.delete(res);
    });
  };

  const onSendMessage = (p: Record<string, unknown>, res: ServerResponse): void => {
    sends += 1;
    const chat = Number(p.chat_id);
    const text = String(p.text ?? "");
    const id = Number(text.slice(1));
    send(
      res,
      `{"ok":true,"result":{"message_id":${sends},"date":1764000000,"chat":{"id":${chat},"type":"private","first_name":"User"},"from":{"id":${BENCH_BOT_INFO.id},"is_bot":true,"first_name":"bench","username":"bench_bot"},"text":${JSON.stringify(text)}}}`,
    );
    const index = id - firstId;
    if (!(index >= 0 && index < updates.length)) return;
    if (replied[index] === 1) {
      duplicates += 1;
      return;
    }
    replied[index] = 1;
    const last = lastOfChat.get(chat);
    if (last !== undefined && last > id) inversions += 1;
    else lastOfChat.set(chat, id);
    repliedCount += 1;
    if (repliedCount === updates.length && finish !== undefined) {
      const done = finish;
      finish = undefined;
      const cpu = process.cpuUsage(cpuAtStart);
      const apiCpuMs = (cpu.user + cpu.system) / 1000;
      done({ ms: performance.now() - startedAt, polls, sends, inversions, duplicates, apiCpuMs });
    }
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    const slash = url.lastIndexOf("/");
    const q = url.indexOf("?", slash);
    const method = url.slice(slash + 1, q < 0 ? undefined : q);
    void readBody(req).then((body) => {
      const p = params(body, url);
      if (method === "getUpdates") return onGetUpdates(p, res);
      if (method === "sendMessage") return onSendMessage(p, res);
      if (method === "getMe")
        return send(res, JSON.stringify({ ok: true, result: BENCH_BOT_INFO }));
      if (method === "getWebhookInfo")
        return send(
          res,
          '{"ok":true,"result":{"url":"","has_custom_certificate":false,"pending_update_count":0}}',
        );
      send(res, '{"ok":true,"result":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    reset(total, chats) {
      firstId = nextId;
      nextId += total;
      updates = [];
      for (let i = 0; i < total; i++) updates.push(updateJson(firstId + i, 1000 + (i % chats)));
      replied = new Uint8Array(total);
      lastOfChat = new Map();
      repliedCount = 0;
      polls = 0;
      sends = 0;
      inversions = 0;
      duplicates = 0;
      for (const res of waiting) if (!res.writableEnded) send(res, `{"ok":true,"result":[]}`);
      waiting.clear();
      return new Promise((resolve) => {
        finish = resolve;
      });
    },
    async close() {
      for (const res of waiting) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// As a child process of the benchmark (`E2E_ROLE=api`): serve and talk over IPC.
if (process.send !== undefined && process.env.E2E_ROLE === "api") {
  const api = await startFakeApi();
  process.on("message", (m: { reset?: true; total: number; chats: number } | "stop") => {
    if (m === "stop") {
      void api.close().then(() => process.exit(0));
      return;
    }
    const run = api.reset(m.total, m.chats);
    process.send?.("ready");
    void run.then((figures) => process.send?.({ done: true, ...figures }));
  });
  process.send({ apiRoot: api.apiRoot });
}
