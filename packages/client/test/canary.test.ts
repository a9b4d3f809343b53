import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer } from "node:net";
import { inspect } from "node:util";
import { MockAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, InputFile } from "../src/index.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

const CANARY = `${100000 + Math.floor(Math.random() * 899999)}:CANARY_${randomBytes(12).toString("hex")}`;

/** Every rendering of a value a log line could contain. */
function renderings(value: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 10 || seen.has(v)) return;
    seen.add(v);
    out.push(String(v));
    out.push(inspect(v, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
    try {
      out.push(JSON.stringify(v) ?? "");
    } catch (error) {
      out.push(String(error));
    }
    if (v instanceof Error) {
      out.push(v.message, v.stack ?? "");
      visit(v.cause, depth + 1);
      if (v instanceof AggregateError) for (const e of v.errors) visit(e, depth + 1);
    }
  };
  visit(value, 0);
  return out;
}

function occurrences(values: unknown[]): number {
  let count = 0;
  for (const v of values) for (const text of renderings(v)) count += text.split(CANARY).length - 1;
  return count;
}

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer((call) => {
    switch (call.method) {
      case "getMe":
        // A hostile server echoing the request path, token included.
        return {
          status: 401,
          body: { ok: false, error_code: 401, description: `Unauthorized: ${call.path}` },
        };
      case "sendMessage":
        return "drop";
      case "getChat":
        return "hang";
      case "getFile":
        return {
          body: {
            ok: true,
            result: { file_id: "f", file_unique_id: "u", file_path: "docs/missing.txt" },
          },
        };
      default:
        return {
          status: 404,
          body: { ok: false, error_code: 404, description: `Not Found: ${call.path}` },
        };
    }
  });
});
afterAll(() => server.close());

describe("token canary", () => {
  it("finds the token in no rendering of any error, nor of the client", async () => {
    const collected: unknown[] = [];
    const catchIt = async (p: Promise<unknown>): Promise<void> => {
      const e = await p.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(e, "the call should have failed").toBeDefined();
      collected.push(e);
    };
    const messages: unknown[] = [];
    const onMessage = (m: unknown): void => {
      messages.push(m);
    };
    subscribe("@bot/client:response", onMessage);
    subscribe("@bot/client:request", onMessage);
    const client = new Client(CANARY, {
      apiRoot: server.url,
      timeoutMs: 200,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    try {
      await catchIt(client.getMe()); // ApiError whose description held the path
      await catchIt(client.raw("unknownMethod")); // 404 with the path
      await catchIt(client.sendMessage({ chat_id: 1, text: "x" })); // NetworkError (dropped)
      await catchIt(client.getChat({ chat_id: 1 })); // TimeoutError
      await catchIt(client.getChat({ chat_id: 1 }, { signal: AbortSignal.abort() })); // AbortError
      await catchIt(
        client.sendDocument({ chat_id: 1, document: InputFile.fromPath("/nonexistent/x") }),
      );
      await catchIt(client.download("f")); // 404 download
      // Connection refused.
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
      const port = (probe.address() as { port: number }).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const refused = new Client(CANARY, { apiRoot: `http://127.0.0.1:${port}`, retry: false });
      await catchIt(refused.getMe());
      collected.push(refused);
      // undici's MockAgent puts the unmatched path (token included) in its error message.
      const agent = new MockAgent();
      agent.disableNetConnect();
      const mocked = new Client(CANARY, { dispatcher: agent, retry: false });
      await catchIt(mocked.getMe());
      collected.push(mocked);
      await agent.close();
      // Bad options and a bad token shape.
      for (const build of [
        () => new Client(CANARY, { apiRoot: "http://example.com" }),
        () => new Client(`${CANARY}/x`, {}),
        () => new Client(CANARY, { timeoutMs: -1 }),
      ]) {
        try {
          build();
          collected.push(new Error("no error"));
        } catch (error) {
          collected.push(error);
        }
      }
      await client.close();
      await catchIt(client.getMe()); // ClosedError
      collected.push(client);
    } finally {
      unsubscribe("@bot/client:response", onMessage);
      unsubscribe("@bot/client:request", onMessage);
    }
    expect(collected.length).toBeGreaterThanOrEqual(15);
    // The canary itself is findable (the scan works) ...
    expect(occurrences([new Error(CANARY)])).toBeGreaterThan(0);
    // ... and appears 0 times anywhere we render.
    expect(occurrences(collected)).toBe(0);
    expect(occurrences(messages)).toBe(0);
    expect(messages.length).toBeGreaterThan(0);
  });
});
