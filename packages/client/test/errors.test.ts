import { describe, expect, it } from "vitest";
import {
  AbortError,
  ApiError,
  Client,
  ClientError,
  ERROR_CODES,
  isAbortError,
  isApiError,
  isClientError,
  isNetworkError,
  isTimeoutError,
  NetworkError,
  TimeoutError,
} from "../src/index.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

describe("ApiError kinds", () => {
  const table = [
    [400, undefined, "BOT_CLIENT_API_BAD_REQUEST"],
    [401, undefined, "BOT_CLIENT_API_UNAUTHORIZED"],
    [403, undefined, "BOT_CLIENT_API_FORBIDDEN"],
    [404, undefined, "BOT_CLIENT_API_NOT_FOUND"],
    [409, undefined, "BOT_CLIENT_API_CONFLICT"],
    [429, { retry_after: 3 }, "BOT_CLIENT_API_TOO_MANY_REQUESTS"],
    [400, { migrate_to_chat_id: -1001234567890 }, "BOT_CLIENT_API_CHAT_MIGRATED"],
    [500, undefined, "BOT_CLIENT_API_SERVER_ERROR"],
    [503, undefined, "BOT_CLIENT_API_SERVER_ERROR"],
    [418, undefined, "BOT_CLIENT_API_ERROR"],
  ] as const;

  it.each(table)("error_code %i with %o is %s, over the wire", async (status, parameters, code) => {
    const server: FakeServer = await startFakeServer(() => ({
      status,
      body: { ok: false, error_code: status, description: `described ${status}`, parameters },
    }));
    const client = new Client("1:errors", { apiRoot: server.url, retry: false });
    try {
      const error = await client.sendMessage({ chat_id: 5, text: "x" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toBeInstanceOf(ClientError);
      expect(error).toMatchObject({
        name: "ApiError",
        code,
        errorCode: status,
        description: `described ${status}`,
        method: "sendMessage",
        retryAfter: parameters && "retry_after" in parameters ? 3 : undefined,
        migrateToChatId:
          parameters && "migrate_to_chat_id" in parameters ? -1001234567890 : undefined,
      });
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({
        code,
        errorCode: status,
        method: "sendMessage",
      });
      expect(Object.values(ERROR_CODES)).toContain(code);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("refuses a reply larger than maxResponseBytes", async () => {
    const server = await startFakeServer(() => ({ body: { ok: true, result: "x".repeat(5000) } }));
    const client = new Client("1:errors", {
      apiRoot: server.url,
      retry: false,
      maxResponseBytes: 4096,
    });
    try {
      await expect(client.getMe()).rejects.toMatchObject({ code: "BOT_CLIENT_BAD_RESPONSE" });
      const roomy = new Client("1:errors", { apiRoot: server.url, maxResponseBytes: 8192 });
      await expect(roomy.getMe()).resolves.toHaveLength(5000);
      await roomy.close();
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("maps a 2xx reply that is not an envelope to BOT_CLIENT_BAD_RESPONSE", async () => {
    const server = await startFakeServer(() => ({ body: "not json" }));
    const client = new Client("1:errors", { apiRoot: server.url, retry: false });
    try {
      await expect(client.getMe()).rejects.toMatchObject({
        code: "BOT_CLIENT_BAD_RESPONSE",
        sent: true,
      });
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe("brands", () => {
  it("makes instanceof and the guards work across a duplicate copy of the module", async () => {
    // A second, independent instance of the errors module: what a duplicate install gives.
    // @ts-expect-error: the query string makes Vite load a second instance; tsc cannot resolve it
    const copy = (await import("../src/errors.js?duplicate")) as typeof import("../src/errors.js");
    expect(copy.ApiError).not.toBe(ApiError);
    const foreign = new copy.ApiError({
      method: "getMe",
      errorCode: 401,
      description: "Unauthorized",
    });
    expect(foreign).toBeInstanceOf(ApiError);
    expect(foreign).toBeInstanceOf(ClientError);
    expect(foreign).not.toBeInstanceOf(NetworkError);
    expect(isApiError(foreign)).toBe(true);
    expect(isClientError(foreign)).toBe(true);
    const local = new TimeoutError("getMe", 5);
    expect(local).toBeInstanceOf(copy.TimeoutError);
    expect(local).not.toBeInstanceOf(copy.ApiError);
  });

  it("has guards that tell the kinds apart", () => {
    const all = [
      new ApiError({ method: "m", errorCode: 400, description: "d" }),
      new NetworkError("m", "x", false),
      new TimeoutError("m", 1),
      new AbortError("m"),
    ];
    expect(all.map(isApiError)).toEqual([true, false, false, false]);
    expect(all.map(isNetworkError)).toEqual([false, true, false, false]);
    expect(all.map(isTimeoutError)).toEqual([false, false, true, false]);
    expect(all.map(isAbortError)).toEqual([false, false, false, true]);
    expect(all.every(isClientError)).toBe(true);
    expect(isClientError(new Error("plain"))).toBe(false);
    expect(isApiError({ code: "BOT_CLIENT_API_BAD_REQUEST" })).toBe(false);
    expect(new Error("x")).not.toBeInstanceOf(ClientError);
  });
});
