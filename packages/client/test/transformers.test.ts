import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ApiCall,
  ApiError,
  Client,
  interceptors,
  type RequestMessage,
  type ResponseMessage,
} from "../src/index.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

let server: FakeServer;
let client: Client;
beforeEach(async () => {
  server = await startFakeServer((call) =>
    call.method === "getChat"
      ? {
          status: 400,
          body: { ok: false, error_code: 400, description: "Bad Request: chat not found" },
        }
      : { body: { ok: true, result: { method: call.method, params: call.params } } },
  );
  client = new Client("31:transform", { apiRoot: server.url });
});
afterEach(async () => {
  await client.close();
  await server.close();
});

describe("transformers", () => {
  it("run outermost first, can change the call and the result", async () => {
    const order: string[] = [];
    client.use(
      async (call, next) => {
        order.push(`a:${call.method}`);
        const result = (await next(call)) as Record<string, unknown>;
        order.push("a:done");
        return { ...result, seenBy: "a" };
      },
      async (call, next) => {
        order.push("b");
        return next({ ...call, params: { ...call.params, parse_mode: "HTML" } });
      },
    );
    const result = (await client.sendMessage({ chat_id: 1, text: "hi" })) as unknown as Record<
      string,
      unknown
    >;
    expect(order).toEqual(["a:sendMessage", "b", "a:done"]);
    expect(result).toEqual({
      method: "sendMessage",
      params: { chat_id: 1, text: "hi", parse_mode: "HTML" },
      seenBy: "a",
    });
    expect(server.calls[0]?.params).toEqual({ chat_id: 1, text: "hi", parse_mode: "HTML" });
  });

  it("can implement a custom retry policy by calling next again", async () => {
    const seen: ApiCall[] = [];
    client.use(async (call, next) => {
      seen.push(call);
      try {
        return await next(call);
      } catch (error) {
        if (
          error instanceof ApiError &&
          error.code === "BOT_CLIENT_API_BAD_REQUEST" &&
          call.method === "getChat"
        ) {
          return next({ method: "getMe", params: undefined, options: call.options });
        }
        throw error;
      }
    });
    await expect(client.getChat({ chat_id: 5 })).resolves.toMatchObject({ method: "getMe" });
    expect(server.calls.map((c) => c.method)).toEqual(["getChat", "getMe"]);
    expect(seen).toHaveLength(1);
  });

  it("rejects a transformer that is not a function", () => {
    expect(() => client.use(42 as never)).toThrow(/use\(\) takes functions/);
  });
});

describe("diagnostics_channel", () => {
  it("publishes each attempt's request and response without the token", async () => {
    const requests: RequestMessage[] = [];
    const responses: ResponseMessage[] = [];
    const onRequest = (m: unknown): void => {
      requests.push(m as RequestMessage);
    };
    const onResponse = (m: unknown): void => {
      responses.push(m as ResponseMessage);
    };
    subscribe("@bot/client:request", onRequest);
    subscribe("@bot/client:response", onResponse);
    try {
      await client.sendMessage({ chat_id: 1, text: "x" });
      await client.getChat({ chat_id: 1 }).catch(() => undefined);
    } finally {
      unsubscribe("@bot/client:request", onRequest);
      unsubscribe("@bot/client:response", onResponse);
    }
    expect(requests).toEqual([
      { method: "sendMessage", attempt: 1 },
      { method: "getChat", attempt: 1 },
    ]);
    expect(responses.map((r) => [r.method, r.ok, r.code])).toEqual([
      ["sendMessage", true, undefined],
      ["getChat", false, "BOT_CLIENT_API_BAD_REQUEST"],
    ]);
    expect(responses.every((r) => typeof r.durationMs === "number" && r.durationMs >= 0)).toBe(
      true,
    );
  });
});

describe("interceptors", () => {
  it("replace the built-in policies: a custom chain sees every attempt, an empty one retries nothing", async () => {
    const seen: string[] = [];
    const failing = await startFakeServer((_call, index) =>
      index === 0
        ? { status: 500, body: { ok: false, error_code: 500, description: "Internal" } }
        : { body: { ok: true, result: { id: 1 } } },
    );
    const custom = new Client("32:chain", {
      apiRoot: failing.url,
      interceptors: [
        interceptors.retry({ baseDelayMs: 1, maxDelayMs: 2 }),
        (next) => async (call) => {
          seen.push(call.method);
          return next(call);
        },
      ],
    });
    const bare = new Client("32:chain", { apiRoot: failing.url, interceptors: [] });
    try {
      await expect(custom.getChat({ chat_id: 1 })).resolves.toEqual({ id: 1 });
      expect(seen).toEqual(["getChat", "getChat"]);
      failing.route = () => ({
        status: 500,
        body: { ok: false, error_code: 500, description: "Internal" },
      });
      await expect(bare.getChat({ chat_id: 1 })).rejects.toMatchObject({
        code: "BOT_CLIENT_API_SERVER_ERROR",
      });
      expect(failing.calls).toHaveLength(3);
    } finally {
      await custom.close();
      await bare.close();
      await failing.close();
    }
  });
});
