import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  ApiError,
  Client,
  type ClientOptions,
  InputFile,
  NetworkError,
  type ResponseMessage,
  TimeoutError,
} from "../src/index.js";
import { type FakeServer, message, type Route, startFakeServer } from "./fake-server.js";

const TOKEN = "5150:faults-token";
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 } as const;
let server: FakeServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(
  route: Route,
  options: ClientOptions = {},
): Promise<{ server: FakeServer; client: Client }> {
  server = await startFakeServer(route);
  client = new Client(TOKEN, { apiRoot: server.url, retry: FAST_RETRY, ...options });
  return { server, client };
}

const ok = (result: unknown = true) => ({ body: { ok: true, result } });

describe("429 and the shared cool-down", () => {
  it("lets 0 calls out inside the cool-down, with 50 concurrent senders, and sends each message once", async () => {
    let until = 0;
    const inside: string[] = [];
    const delivered = new Map<string, number>();
    const { client: c } = await setup((call) => {
      const now = Date.now();
      const text = String(call.params.text);
      if (until === 0) until = now + 1000;
      if (now < until) {
        inside.push(text);
        return {
          status: 429,
          body: {
            ok: false,
            error_code: 429,
            description: "Too Many Requests: retry after 1",
            parameters: { retry_after: Math.ceil((until - now) / 1000) },
          },
        };
      }
      delivered.set(text, (delivered.get(text) ?? 0) + 1);
      return ok(message(1, text));
    });
    // Wave 2 starts the moment the client sees the first 429: all of it must wait.
    const wave2: Promise<unknown>[] = [];
    const onResponse = (m: unknown): void => {
      const r = m as ResponseMessage;
      if (r.code === "BOT_CLIENT_API_TOO_MANY_REQUESTS" && wave2.length === 0) {
        for (let i = 0; i < 50; i++) wave2.push(c.sendMessage({ chat_id: 77, text: `w2-${i}` }));
      }
    };
    subscribe("@bot/client:response", onResponse);
    try {
      const wave1 = Array.from({ length: 50 }, (_, i) =>
        c.sendMessage({ chat_id: 77, text: `w1-${i}` }),
      );
      const results = await Promise.all(wave1);
      await Promise.all(wave2);
      expect(results.map((r) => r.text)).toEqual(Array.from({ length: 50 }, (_, i) => `w1-${i}`));
    } finally {
      unsubscribe("@bot/client:response", onResponse);
    }
    expect(wave2).toHaveLength(50);
    // Inside the window: only first attempts of wave 1, each once; no retry, nothing of wave 2.
    expect(inside.filter((t) => t.startsWith("w2-"))).toEqual([]);
    expect(new Set(inside).size).toBe(inside.length);
    expect(inside.length).toBeGreaterThan(0);
    // Every message delivered exactly once.
    expect(delivered.size).toBe(100);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  });

  it("keeps the cool-down per chat: another chat is not held back", async () => {
    let first = true;
    const { server: s, client: c } = await setup((call) => {
      if (call.params.chat_id === 1 && first) {
        first = false;
        return {
          status: 429,
          body: {
            ok: false,
            error_code: 429,
            description: "Too Many Requests",
            parameters: { retry_after: 1 },
          },
        };
      }
      return ok(message(1));
    });
    const slow = c.sendMessage({ chat_id: 1, text: "a" });
    await new Promise((r) => setTimeout(r, 50));
    await c.sendMessage({ chat_id: 2, text: "b" });
    expect(s.calls.map((x) => x.params.chat_id)).toEqual([1, 2]);
    await slow;
    expect(s.calls.map((x) => x.params.chat_id)).toEqual([1, 2, 1]);
  });

  it("throws a 429 whose wait is longer than maxRetryAfterMs, with retryAfter", async () => {
    const { server: s, client: c } = await setup(
      () => ({
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: "Too Many Requests: retry after 120",
          parameters: { retry_after: 120 },
        },
      }),
      { retry: { maxRetryAfterMs: 5000 } },
    );
    const error = await c.sendMessage({ chat_id: 1, text: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: "BOT_CLIENT_API_TOO_MANY_REQUESTS",
      errorCode: 429,
      retryAfter: 120,
    });
    expect(s.calls).toHaveLength(1);
  });

  it("reads Retry-After from the header when the body has no parameters", async () => {
    const { client: c } = await setup(
      () => ({
        status: 429,
        headers: { "retry-after": "7" },
        body: { ok: false, error_code: 429, description: "Too Many Requests" },
      }),
      { retry: false },
    );
    await expect(c.getMe()).rejects.toMatchObject({ retryAfter: 7 });
  });
});

describe("5xx", () => {
  const failing =
    (times: number): Route =>
    (_call, index) =>
      index < times
        ? {
            status: 500,
            body: { ok: false, error_code: 500, description: "Internal Server Error" },
          }
        : ok({ id: 1 });

  it("retries a method that is safe to repeat", async () => {
    const { server: s, client: c } = await setup(failing(2));
    await expect(c.getChat({ chat_id: 1 })).resolves.toEqual({ id: 1 });
    expect(s.calls).toHaveLength(3);
  });

  it("does not repeat sendMessage after a 5xx", async () => {
    const { server: s, client: c } = await setup(failing(1));
    const error = await c.sendMessage({ chat_id: 1, text: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "BOT_CLIENT_API_SERVER_ERROR",
      errorCode: 500,
      method: "sendMessage",
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(s.calls).toHaveLength(1);
  });

  it("maps a non-JSON 502 from a proxy to a server error, and gives up after maxAttempts", async () => {
    const { server: s, client: c } = await setup(() => ({
      status: 502,
      body: "<html>Bad Gateway</html>",
    }));
    await expect(c.getMe()).rejects.toMatchObject({
      code: "BOT_CLIENT_API_SERVER_ERROR",
      errorCode: 502,
    });
    expect(s.calls).toHaveLength(3);
  });

  it("does not retry a client error such as 400 or 409", async () => {
    const { server: s, client: c } = await setup(() => ({
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description: "Conflict: terminated by other getUpdates request",
      },
    }));
    await expect(c.getUpdates({ timeout: 0 })).rejects.toMatchObject({
      code: "BOT_CLIENT_API_CONFLICT",
      errorCode: 409,
    });
    expect(s.calls).toHaveLength(1);
  });
});

describe("network faults", () => {
  it("retries when the connection is refused, since the request never left", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    client = new Client(TOKEN, { apiRoot: `http://127.0.0.1:${port}`, retry: FAST_RETRY });
    let attempts = 0;
    const onRequest = (m: unknown): void => {
      if ((m as { method: string }).method === "sendMessage") attempts++;
    };
    subscribe("@bot/client:request", onRequest);
    const error = await client.sendMessage({ chat_id: 1, text: "x" }).catch((e: unknown) => e);
    unsubscribe("@bot/client:request", onRequest);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: "BOT_CLIENT_NETWORK", sent: false });
    // The cause chain is kept: undici's own error, with its code.
    expect((error as NetworkError).cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(attempts).toBe(3);
  });

  it("never sends sendMessage twice when the response is dropped after the server accepted it", async () => {
    const { server: s, client: c } = await setup((call) =>
      call.method === "sendMessage" ? "drop" : ok(),
    );
    const error = await c.sendMessage({ chat_id: 1, text: "once" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: "BOT_CLIENT_NETWORK", sent: true, method: "sendMessage" });
    await new Promise((r) => setTimeout(r, 200));
    expect(s.calls.filter((x) => x.method === "sendMessage")).toHaveLength(1);
  });

  it("repeats getMe after a dropped response", async () => {
    const { server: s, client: c } = await setup((_call, index) =>
      index === 0 ? "drop" : ok({ id: 9 }),
    );
    await expect(c.getMe()).resolves.toEqual({ id: 9 });
    expect(s.calls).toHaveLength(2);
  });
});

describe("uploads and retries", () => {
  it("repeats a safe upload from a buffer, but never re-reads a stream", async () => {
    const { server: s, client: c } = await setup((_call, index) =>
      index % 2 === 0 ? "drop" : ok(),
    );
    await expect(
      c.setWebhook({
        url: "https://example.com/hook",
        certificate: InputFile.fromBuffer(Buffer.from("pem"), "c.pem"),
      }),
    ).resolves.toBe(true);
    expect(s.calls.map((x) => x.files.certificate?.data.toString())).toEqual(["pem", "pem"]);
    const error = await c
      .setWebhook({
        url: "https://example.com/hook",
        certificate: InputFile.fromStream(Readable.from([Buffer.from("pem")]), "c.pem"),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BOT_CLIENT_NETWORK", sent: true });
    expect(s.calls).toHaveLength(3);
  });
});

describe("timeouts", () => {
  it("times out a call whose reply never comes, without repeating sendMessage", async () => {
    const { server: s, client: c } = await setup(() => "hang", { timeoutMs: 150 });
    const error = await c.sendMessage({ chat_id: 1, text: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: "BOT_CLIENT_TIMEOUT",
      timeoutMs: 150,
      method: "sendMessage",
    });
    expect(s.calls).toHaveLength(1);
  });

  it("gives getUpdates its poll timeout plus a margin, and honours a per-call timeout", async () => {
    const { client: c } = await setup(() => ({ ...ok([]), delayMs: 300 }), {
      timeoutMs: 100,
      longPollMarginMs: 1000,
    });
    await expect(c.getUpdates({ timeout: 0 })).resolves.toEqual([]);
    await expect(c.getUpdates({ timeout: 0 }, { timeoutMs: 50 })).rejects.toMatchObject({
      code: "BOT_CLIENT_TIMEOUT",
      timeoutMs: 50,
    });
    await expect(c.getMe(undefined, { timeoutMs: 0 })).rejects.toMatchObject({
      code: "BOT_CLIENT_INPUT",
    });
  });
});

describe("aborts", () => {
  it("rejects at once for an already aborted signal, sending nothing", async () => {
    const { server: s, client: c } = await setup(() => ok());
    const error = await c
      .getMe(undefined, { signal: AbortSignal.abort("stop") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: "BOT_CLIENT_ABORTED", cause: "stop" });
    expect(s.calls).toHaveLength(0);
  });

  it("aborts a call in flight", async () => {
    const { server: s, client: c } = await setup(() => "hang");
    const controller = new AbortController();
    const pending = c.sendMessage({ chat_id: 1, text: "x" }, { signal: controller.signal });
    while (s.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error("user cancelled"));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toMatchObject({ message: "user cancelled" });
  });

  it("aborts a call waiting out a 429 cool-down", async () => {
    const { server: s, client: c } = await setup(() => ({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: "Too Many Requests",
        parameters: { retry_after: 30 },
      },
    }));
    const controller = new AbortController();
    const pending = c.sendMessage({ chat_id: 3, text: "x" }, { signal: controller.signal });
    while (s.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "BOT_CLIENT_ABORTED" });
    expect(s.calls).toHaveLength(1);
  });
});
