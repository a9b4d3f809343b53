import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { webhook } from "../src/index.js";
import { messageUpdate, post, SECRET, testBot } from "./helpers.js";

const SECRET_B = "second_bot_secret_ABCDEFGHIJ";

describe("encapsulation", () => {
  it("honours the prefix it is registered with", async () => {
    const app = Fastify();
    const bot = testBot();
    await app.register(webhook, {
      prefix: "/tg",
      bot,
      path: "/hook",
      secretToken: SECRET,
      delivery: "await",
      healthCheck: false,
    });
    const headers = { "x-telegram-bot-api-secret-token": SECRET };
    expect(
      (await app.inject({ method: "POST", url: "/tg/hook", headers, payload: messageUpdate(1) }))
        .statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(2) }))
        .statusCode,
    ).toBe(404);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1]);
    await app.close();
  });

  it("leaks no hook, parser or error handler into the parent scope", async () => {
    const app = Fastify();
    app.addContentTypeParser("text/plain", { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
    app.post("/echo", async (request) => ({ body: request.body }));
    app.get("/fail", async () => {
      throw Object.assign(new Error("teapot"), { statusCode: 418 });
    });
    await app.register(webhook, {
      bot: testBot(),
      path: "/hook",
      secretToken: SECRET,
      delivery: "ack",
      healthCheck: false,
    });
    await app.ready();
    // No secret needed outside the plugin; the parent's text parser still works.
    const echo = await app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "text/plain" },
      payload: "hi",
    });
    expect(echo.statusCode).toBe(200);
    expect(echo.json()).toEqual({ body: "hi" });
    const json = await app.inject({ method: "POST", url: "/echo", payload: { a: 1 } });
    expect(json.json()).toEqual({ body: { a: 1 } });
    // The parent's error rendering is Fastify's default, not ours.
    const fail = await app.inject({ method: "GET", url: "/fail" });
    expect(fail.statusCode).toBe(418);
    expect(fail.json()).toMatchObject({ message: "teapot" });
    await app.close();
  });
});

describe("two bots on one server", () => {
  it("routes each bot to its own path and checks its own secret, over a real socket", async () => {
    const app = Fastify();
    const a = testBot();
    const b = testBot();
    await app.register(webhook, {
      bot: a,
      path: "/a",
      secretToken: SECRET,
      delivery: "await",
      healthCheck: false,
    });
    await app.register(webhook, {
      bot: b,
      path: "/b",
      secretToken: SECRET_B,
      delivery: "ack",
      healthCheck: false,
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    expect((await post(base, "/a", messageUpdate(1))).status).toBe(200);
    expect(
      (await post(base, "/b", messageUpdate(2), { "x-telegram-bot-api-secret-token": SECRET_B }))
        .status,
    ).toBe(200);
    // Each secret opens only its own door.
    expect(
      (await post(base, "/a", messageUpdate(3), { "x-telegram-bot-api-secret-token": SECRET_B }))
        .status,
    ).toBe(401);
    expect((await post(base, "/b", messageUpdate(4))).status).toBe(401);
    await app.close();
    expect(a.runs.map((u) => u.update_id)).toEqual([1]);
    expect(b.runs.map((u) => u.update_id)).toEqual([2]);
  });
});
