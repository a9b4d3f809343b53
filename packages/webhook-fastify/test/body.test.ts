import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { messageUpdate, SECRET, testBot, withWebhook } from "./helpers.js";

const headers = { "x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json" };

describe("request body", () => {
  it("rejects a body over the 1 MiB default with 413", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const big = JSON.stringify({ ...messageUpdate(1), pad: "x".repeat(1024 * 1024) });
    const res = await app.inject({ method: "POST", url: "/hook", headers, payload: big });
    expect(res.statusCode).toBe(413);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });

  it("accepts a body just under the limit and honours a custom bodyLimit", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot, { bodyLimit: 4096 });
    const ok = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: messageUpdate(1),
    });
    expect(ok.statusCode).toBe(200);
    const tooBig = JSON.stringify({ ...messageUpdate(2), pad: "x".repeat(5000) });
    const res = await app.inject({ method: "POST", url: "/hook", headers, payload: tooBig });
    expect(res.statusCode).toBe(413);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1]);
    await app.close();
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form", "application/x-www-form-urlencoded"],
    ["multipart", "multipart/form-data; boundary=x"],
    ["json-ish", "application/jsonp"],
  ])("rejects content type %s with 415", async (_n, type) => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers: { ...headers, "content-type": type },
      payload: JSON.stringify(messageUpdate(1)),
    });
    expect(res.statusCode).toBe(415);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });

  it("accepts application/json with a charset", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers: { ...headers, "content-type": "application/json; charset=utf-8" },
      payload: JSON.stringify(messageUpdate(1)),
    });
    expect(res.statusCode).toBe(200);
    await app.close();
  });

  it.each([
    ["truncated", '{"update_id": 1, "message": {'],
    ["not json", "hello"],
    ["empty", ""],
    ["trailing garbage", '{"update_id":1}xyz'],
  ])("rejects malformed JSON (%s) with 400", async (_n, payload) => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const res = await app.inject({ method: "POST", url: "/hook", headers, payload });
    expect(res.statusCode).toBe(400);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });

  it("rejects a POST without a body or content type with 4xx", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers: { "x-telegram-bot-api-secret-token": SECRET },
    });
    expect(res.statusCode).toBe(400);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });

  it.each(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] as const)(
    "answers %s with 405",
    async (method) => {
      const bot = testBot();
      const { app } = await withWebhook(bot);
      const res = await app.inject({
        method,
        url: "/hook",
        headers: { "x-telegram-bot-api-secret-token": SECRET },
      });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe("POST");
      await app.close();
    },
  );
});

describe("schema validation", () => {
  it.each([
    ["update_id as a string", { ...messageUpdate(1), update_id: "1" }, "update_id"],
    [
      "chat.id as a string",
      {
        update_id: 1,
        message: { ...messageUpdate(1).message, chat: { id: "x", type: "private" } },
      },
      "message.chat.id",
    ],
    [
      "text as a number",
      { update_id: 1, message: { ...messageUpdate(1).message, text: 5 } },
      "message.text",
    ],
    ["an array", [messageUpdate(1)], "update_id"],
    ["null", null, ""],
  ])("rejects %s with 400 and logs the path, never the secret", async (_n, body, path) => {
    const bot = testBot();
    const { app, logs } = await withWebhook(bot);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: JSON.stringify(body),
    });
    expect(res.statusCode).toBe(400);
    expect(bot.runs).toHaveLength(0);
    const line = logs.entries.find((e) => e.msg === "@bot/webhook-fastify: invalid update");
    expect(line?.updatePath).toBe(path || "<root>");
    expect(logs.text).not.toContain(SECRET);
    await app.close();
  });
});

describe("invalid update log line", () => {
  it("caps the offending value at 200 characters and gives its length", async () => {
    const bot = testBot();
    const { app, logs } = await withWebhook(bot);
    const huge = "x".repeat(500_000);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: JSON.stringify({
        update_id: 1,
        message: { ...messageUpdate(1).message, date: huge },
      }),
    });
    expect(res.statusCode).toBe(400);
    const line = logs.lines.find((l) => l.includes("invalid update"));
    expect(line).toBeDefined();
    expect(line!.length).toBeLessThan(1000);
    const entry = JSON.parse(line!) as { updatePath: string; issue: string };
    expect(entry.updatePath).toBe("message.date");
    expect(entry.issue).toMatch(/^Invalid type: .*x{10}… \(\d+ chars\)$/);
    expect(entry.issue.length).toBeLessThan(230);
    await app.close();
  });

  it("keeps a short message whole", async () => {
    const bot = testBot();
    const { app, logs } = await withWebhook(bot);
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: JSON.stringify({ update_id: "seven" }),
    });
    expect(res.statusCode).toBe(400);
    const entry = logs.entries.find((e) => e.msg === "@bot/webhook-fastify: invalid update");
    expect(entry?.issue).toContain('"seven"');
    expect(entry?.issue).not.toContain("chars)");
    await app.close();
  });
});

describe("prototype poisoning", () => {
  it.each([
    ["__proto__ at the root", '{"update_id":1,"__proto__":{"polluted":true}}'],
    [
      "__proto__ nested",
      `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private","__proto__":{"polluted":true}}}}`,
    ],
    ["constructor.prototype", '{"update_id":1,"constructor":{"prototype":{"polluted":true}}}'],
    ["escaped __proto__", '{"update_id":1,"\\u005f_proto__":{"polluted":true}}'],
  ])("rejects %s with 4xx and leaves Object.prototype alone", async (_n, payload) => {
    const bot = testBot();
    const { app } = await withWebhook(bot);
    const res = await app.inject({ method: "POST", url: "/hook", headers, payload });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(bot.runs).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    await app.close();
  });

  it("keeps its own strict parser even when the parent ignores proto poisoning", async () => {
    const { default: Fastify } = await import("fastify");
    const { webhook } = await import("../src/index.js");
    const app = Fastify({ onProtoPoisoning: "ignore" });
    const bot = testBot();
    await app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: SECRET,
      delivery: "await",
      healthCheck: false,
    });
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: '{"update_id":1,"__proto__":{"polluted":true}}',
    });
    expect(res.statusCode).toBe(400);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });
});

describe("body timeout (real socket)", () => {
  it("answers 408 when the body does not arrive in time, and runs nothing", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot, { bodyTimeoutMs: 100 });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    const head = new Promise<string>((resolve) => {
      let data = "";
      s.on("data", (c: Buffer) => {
        data += c.toString("latin1");
        if (data.includes("\r\n\r\n")) resolve(data);
      });
    });
    s.write(
      "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        `X-Telegram-Bot-Api-Secret-Token: ${SECRET}\r\nContent-Length: 100\r\n\r\n{"update_id":`,
    );
    expect(await head).toMatch(/^HTTP\/1\.1 408/);
    expect(bot.runs).toHaveLength(0);
    s.destroy();
    await app.close();
  });
});
