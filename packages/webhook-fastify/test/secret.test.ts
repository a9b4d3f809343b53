import { connect, type Socket } from "node:net";
import { inspect } from "node:util";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { secretChecker } from "../src/secret.js";
import { messageUpdate, SECRET, testBot, withWebhook } from "./helpers.js";

/** Injects update 1 with the right secret. */
function postValid(app: FastifyInstance): Promise<LightMyRequestResponse> {
  return app.inject({
    method: "POST",
    url: "/hook",
    headers: { "x-telegram-bot-api-secret-token": SECRET },
    payload: messageUpdate(1),
  });
}

describe("secretChecker", () => {
  const check = secretChecker(SECRET);
  it("accepts exactly the secret", () => {
    expect(check(SECRET)).toBe(true);
  });
  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["one char off", `${SECRET.slice(0, -1)}X`],
    ["a prefix", SECRET.slice(0, -1)],
    ["longer", `${SECRET}a`],
    ["padded with NUL", `${SECRET}\u0000`],
    ["257 chars", "a".repeat(257)],
    ["16 KiB", "a".repeat(16 * 1024)],
    ["an array", [SECRET, SECRET]],
    ["a number", 42],
  ])("rejects %s", (_name, value) => {
    expect(check(value)).toBe(false);
  });
  it("agrees with plain equality on any string (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: "binary", maxLength: 40 }),
          fc.constantFrom(SECRET, `${SECRET}\u0100`, SECRET.slice(0, -1), `x${SECRET.slice(1)}`),
          fc.integer({ min: 0, max: SECRET.length }).map((i) => SECRET.slice(0, i)),
          fc
            .tuple(
              fc.integer({ min: 0, max: SECRET.length - 1 }),
              fc.integer({ min: 0, max: 0xffff }),
            )
            .map(([i, c]) => SECRET.slice(0, i) + String.fromCharCode(c) + SECRET.slice(i + 1)),
        ),
        (header) => check(header) === (header === SECRET),
      ),
      { numRuns: 5000 },
    );
  });
  it("works with a 256-char secret", () => {
    const long = "x".repeat(256);
    expect(secretChecker(long)(long)).toBe(true);
    expect(secretChecker(long)(`${long}x`)).toBe(false);
  });
});

describe("secret header (inject)", () => {
  it.each([
    ["missing", {}],
    ["wrong", { "x-telegram-bot-api-secret-token": "wrong_secret_0123456789abcdef00" }],
    ["wrong length", { "x-telegram-bot-api-secret-token": SECRET.slice(1) }],
    ["16 KiB", { "x-telegram-bot-api-secret-token": "s".repeat(16 * 1024) }],
    ["other case value", { "x-telegram-bot-api-secret-token": SECRET.toUpperCase() }],
  ])("%s secret gets 401 and no handler runs", async (_name, headers: Record<string, string>) => {
    const bot = testBot();
    const { app, logs } = await withWebhook(bot);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: messageUpdate(1),
    });
    expect(res.statusCode).toBe(401);
    expect(bot.runs).toHaveLength(0);
    expect(logs.text).not.toContain(SECRET);
    await app.close();
  });

  it("the right secret gets 200 and runs the handler", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    expect((await postValid(app)).statusCode).toBe(200);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1]);
    await app.close();
  });
});

describe("secret header (real socket)", () => {
  let sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets) s.destroy();
    sockets = [];
  });

  function raw(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(s));
      s.on("error", reject);
      sockets.push(s);
    });
  }

  function readResponse(s: Socket): Promise<string> {
    return new Promise((resolve) => {
      let data = "";
      s.on("data", (c: Buffer) => {
        data += c.toString("latin1");
        if (data.includes("\r\n\r\n")) resolve(data);
      });
    });
  }

  it("answers 401 to a wrong secret before a 1 MiB body is sent, and does not read it", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const serverSockets: Socket[] = [];
    app.server.on("connection", (s: Socket) => serverSockets.push(s));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const s = await raw(port);
    const response = readResponse(s);
    // Headers only: the 1 MiB body announced here is never sent before the answer arrives.
    s.write(
      "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        "X-Telegram-Bot-Api-Secret-Token: wrong_secret\r\nContent-Length: 1048576\r\n\r\n",
    );
    const head = await response;
    expect(head).toMatch(/^HTTP\/1\.1 401/);
    expect(head.toLowerCase()).toContain("connection: close");
    // Now try to push the body: the server has closed the connection and reads almost none of it.
    const closed = new Promise<void>((resolve) => s.on("close", () => resolve()));
    s.on("error", () => {});
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let i = 0; i < 16 && !s.destroyed; i++) s.write(chunk);
    await closed;
    const read = serverSockets.reduce((n, x) => n + x.bytesRead, 0);
    expect(read).toBeLessThan(256 * 1024);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });

  it("a 16 KiB secret header gets a 4xx over a real socket", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const s = await raw(port);
    const response = readResponse(s);
    s.write(
      "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        `X-Telegram-Bot-Api-Secret-Token: ${"s".repeat(16 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    const head = await response;
    expect(head).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });
});

/** Whether a string containing `needle` is reachable from `root` through own properties (getters not called). */
function reaches(root: unknown, needle: string): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [root];
  while (queue.length > 0) {
    const value = queue.shift();
    if (typeof value === "string") {
      if (value.includes(needle)) return true;
      continue;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null) continue;
    if (seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Map) for (const [k, v] of value) queue.push(k, v);
    if (value instanceof Set) for (const v of value) queue.push(v);
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (d !== undefined && "value" in d) queue.push(d.value);
    }
  }
  return false;
}

describe("what a handler can see", () => {
  it("the options passed to handleUpdate lead to no secret (properties, inspect, JSON), in either mode", async () => {
    for (const delivery of ["await", "ack"] as const) {
      const seen: unknown[] = [];
      const bot = {
        handleUpdate: async (_update: unknown, options: unknown) => {
          seen.push(options);
        },
      };
      const { app } = await withWebhook(bot, { delivery });
      expect((await postValid(app)).statusCode).toBe(200);
      expect(seen).toHaveLength(1);
      expect(reaches(seen[0], SECRET)).toBe(false);
      expect(inspect(seen[0], { depth: 20, showHidden: true })).not.toContain(SECRET);
      expect(JSON.stringify(seen[0])).not.toContain(SECRET);
      await app.close();
    }
  });
});
