import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MockAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, OptionsError } from "../src/index.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

describe("options", () => {
  it.each([
    [{ apiRoot: "http://api.example.com" }, "must use https"],
    [{ apiRoot: "ftp://127.0.0.1" }, "http(s)"],
    [{ apiRoot: "not a url" }, "apiRoot must be a URL"],
    [{ apiRoot: "https://user:pw@example.com" }, "credentials"],
    [{ timeoutMs: 0 }, "timeoutMs must be at least 1"],
    [{ timeoutMs: 1.5 }, "timeoutMs must be an integer"],
    [{ environment: "staging" }, 'environment must be "production" or "test"'],
    [{ retry: { maxAttempts: 0 } }, "retry.maxAttempts must be at least 1"],
    [{ retry: { nope: 1 } }, "unknown retry option"],
    [{ dispatcher: {} }, "dispatcher must be an undici Dispatcher"],
    [{ limiter: {} }, "limiter must have acquire()"],
    [{ retry: { maxFloodAttempts: 0 } }, "retry.maxFloodAttempts must be at least 1"],
    [{ cooldown: { spreadMs: 1 << 20 } }, "cooldown.spreadMs must be at most 60000"],
    [{ interceptors: [() => 1], retry: false }, "interceptors replace retry, cooldown and limiter"],
    [{ interceptors: [1] }, "interceptors must be functions"],
    [{ clock: { now: () => 0 } }, "clock must have now(), setTimeout() and clearTimeout()"],
    [{ apiroot: "https://x" }, "unknown option"],
  ])("rejects %o with a clear message", (options, text) => {
    const build = () => new Client("1:tok", options as never);
    expect(build).toThrow(OptionsError);
    expect(build).toThrow(text);
    try {
      build();
    } catch (error) {
      expect((error as OptionsError).code).toBe("BOT_CLIENT_OPTIONS");
      expect((error as Error).message.startsWith("@bot/client: ")).toBe(true);
    }
  });

  it("rejects empty or malformed tokens", () => {
    expect(() => new Client("")).toThrow("@bot/client: the token must be a non-empty string");
    expect(() => new Client("1:a/b")).toThrow(OptionsError);
    expect(() => new Client(undefined as never)).toThrow(OptionsError);
  });

  it.each([
    "http://127.0.0.1:8081",
    "http://127.5.6.7",
    "http://localhost:1",
    "http://[::1]:8081",
    "https://api.example.com/prefix/",
  ])("accepts %s", (apiRoot) => {
    expect(() => new Client("1:tok", { apiRoot })).not.toThrow();
  });

  it("allows http anywhere once localServer opts in", () => {
    expect(
      new Client("1:tok", { apiRoot: "http://bot-api.internal:8081", localServer: true }).apiRoot,
    ).toBe("http://bot-api.internal:8081");
  });
});

describe("URLs, with an injected MockAgent for exact control", () => {
  it("uses /bot<token>/test/<method> in the test environment and keeps an apiRoot path prefix", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get("https://proxy.example.com");
    pool
      .intercept({ path: "/tg/bot1:tok/test/getMe", method: "POST" })
      .reply(200, { ok: true, result: { id: 1 } });
    const client = new Client("1:tok", {
      apiRoot: "https://proxy.example.com/tg/",
      environment: "test",
      dispatcher: agent,
    });
    await expect(client.getMe()).resolves.toEqual({ id: 1 });
    agent.assertNoPendingInterceptors();
    // close() leaves an injected dispatcher to its owner.
    await client.close();
    pool
      .intercept({ path: "/tg/bot1:tok/test/getMe", method: "POST" })
      .reply(200, { ok: true, result: 2 });
    const again = new Client("1:tok", {
      apiRoot: "https://proxy.example.com/tg",
      environment: "test",
      dispatcher: agent,
    });
    await expect(again.getMe()).resolves.toBe(2);
    await agent.close();
  });

  it("refuses calls after close()", async () => {
    const client = new Client("1:tok", { apiRoot: "http://127.0.0.1:1" });
    await client.close();
    await expect(client.getMe()).rejects.toMatchObject({ code: "BOT_CLIENT_CLOSED" });
  });
});

describe("downloads", () => {
  let server: FakeServer;
  let dir: string;
  const files = new Map<string, string>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bot-client-dl-"));
    const local = join(dir, "local.bin");
    await writeFile(local, "local bytes");
    files.set("local", local);
    server = await startFakeServer((call) => {
      if (call.method === "getFile") {
        const fileId = String(call.params.file_id);
        const path = fileId === "local" ? local : `documents/${fileId}.txt`;
        return {
          body: { ok: true, result: { file_id: fileId, file_unique_id: "u", file_path: path } },
        };
      }
      return { body: { ok: true, result: true } };
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("fetches getFile's file_path from /file/bot<token>/", async () => {
    const { createServer } = await import("node:http");
    const fileServer = createServer((req, res) => {
      if (req.url === "/file/bot1:tok/documents/abc.txt") res.end("remote file");
      else {
        res.writeHead(404, { "content-type": "application/json" });
        res.end('{"ok":false,"error_code":404,"description":"Not Found"}');
      }
    });
    await new Promise<void>((r) => fileServer.listen(0, "127.0.0.1", r));
    const fileRoot = `http://127.0.0.1:${(fileServer.address() as { port: number }).port}`;
    const client = new Client("1:tok", { apiRoot: server.url, fileRoot });
    try {
      const stream = await client.download("abc");
      let text = "";
      for await (const chunk of stream) text += String(chunk);
      expect(text).toBe("remote file");
      const dest = join(dir, "saved.txt");
      await client.downloadTo("abc", dest);
      expect(await readFile(dest, "utf8")).toBe("remote file");
      await expect(client.download("missing")).rejects.toMatchObject({
        code: "BOT_CLIENT_API_NOT_FOUND",
        errorCode: 404,
      });
    } finally {
      await client.close();
      fileServer.closeAllConnections();
      fileServer.close();
    }
  });

  it("reads the absolute file_path of a local Bot API server from disk", async () => {
    const client = new Client("1:tok", {
      apiRoot: server.url,
      localServer: true,
      localFileRoot: dir,
    });
    const dest = join(dir, "copy.bin");
    await client.downloadTo("local", dest);
    expect(await readFile(dest, "utf8")).toBe("local bytes");
    await client.close();
  });

  it("does not read an absolute path from disk unless localServer is set", async () => {
    const client = new Client("1:tok", { apiRoot: server.url });
    await expect(client.download("local")).rejects.toMatchObject({ code: "BOT_CLIENT_INPUT" });
    await client.close();
  });
});
