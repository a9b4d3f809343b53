import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "../src/index.js";
import { call, ok } from "./helpers.js";

interface Hit {
  update: Update;
  secret: string | undefined;
  contentType: string | undefined;
}

type Behaviour = (update: Update, res: ServerResponse, attempt: number) => void;

/** A webhook receiver on 127.0.0.1 that records every POST. */
async function receiver(
  behaviour: Behaviour,
): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const attempts = new Map<number, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const update = JSON.parse(body) as Update;
      const n = (attempts.get(update.update_id) ?? 0) + 1;
      attempts.set(update.update_id, n);
      hits.push({
        update,
        secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined,
        contentType: req.headers["content-type"],
      });
      behaviour(update, res, n);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, server };
}

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;
let servers: Server[] = [];

beforeEach(async () => {
  emu = await createEmulator({
    webhookDeadlineMs: 300,
    webhookRetryMs: 20,
    webhookRetryMaxMs: 100,
  });
  bot = emu.createBot({ username: "hook_bot" });
  alice = emu.user({ first_name: "Alice" });
  servers = [];
});
afterEach(async () => {
  await emu.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function hook(behaviour: Behaviour, params: Record<string, unknown> = {}) {
  const r = await receiver(behaviour);
  servers.push(r.server);
  await ok(emu, bot.token, "setWebhook", { url: r.url, ...params });
  return r;
}

const text = (h: Hit) => h.update.message?.text;
/** Waits until a condition holds, re-checked after every emulator event (webhook attempts are events). */
const until = async (check: () => boolean): Promise<void> => {
  await emu.waitFor(() => check(), { timeoutMs: 10_000 });
};

describe("webhook delivery (FACTS §5)", () => {
  it("POSTs one JSON update per request with the secret header and forgets delivered updates", async () => {
    const r = await hook((_u, res) => res.end(), { secret_token: "s3cr3t_TOKEN-1" });
    alice.send("hello");
    alice.send("world");
    await until(() => r.hits.length === 2);
    expect(r.hits.map(text)).toEqual(["hello", "world"]);
    expect(r.hits.every((h) => h.secret === "s3cr3t_TOKEN-1")).toBe(true);
    expect(r.hits[0]?.contentType).toBe("application/json");
    await until(() => emu.pendingUpdates(bot).length === 0);
    const info = await ok<Record<string, unknown>>(emu, bot.token, "getWebhookInfo");
    expect(info).toMatchObject({
      url: r.url,
      pending_update_count: 0,
      has_custom_certificate: false,
      max_connections: 40,
    });
    expect(info.last_error_date).toBeUndefined();
  });

  it("sends no secret header without a secret_token", async () => {
    const r = await hook((_u, res) => res.end());
    alice.send("x");
    await until(() => r.hits.length === 1);
    expect(r.hits[0]?.secret).toBeUndefined();
  });

  it("redelivers after a non-2xx answer and reports the error in getWebhookInfo", async () => {
    const r = await hook((_u, res, attempt) => {
      res.statusCode = attempt < 3 ? 500 : 200;
      res.end();
    });
    alice.send("retry me");
    await until(() => r.hits.length === 3);
    expect(r.hits.map(text)).toEqual(["retry me", "retry me", "retry me"]);
    expect(new Set(r.hits.map((h) => h.update.update_id)).size).toBe(1);
    await until(() => emu.pendingUpdates(bot).length === 0);
    const info = await ok<Record<string, unknown>>(emu, bot.token, "getWebhookInfo");
    expect(info.last_error_message).toBe("Wrong response from the webhook: 500");
    expect(info.last_error_date).toBeTypeOf("number");
  });

  it("counts pending updates while the receiver keeps failing", async () => {
    const r = await hook((_u, res) => {
      res.statusCode = 503;
      res.end();
    });
    alice.send("a");
    alice.send("b");
    await until(() => r.hits.length >= 2);
    const info = await ok<Record<string, unknown>>(emu, bot.token, "getWebhookInfo");
    expect(info.pending_update_count).toBe(2);
    // In order per chat: "b" never goes out before "a" succeeded.
    expect(r.hits.every((h) => text(h) === "a")).toBe(true);
  });

  it("treats an answer slower than the deadline as failed and redelivers", async () => {
    const r = await hook((_u, res, attempt) => {
      if (attempt === 1) setTimeout(() => res.end(), 1_000).unref();
      else res.end();
    });
    alice.send("slow");
    await until(() => r.hits.length === 2);
    expect(r.hits.map(text)).toEqual(["slow", "slow"]);
    await until(() => emu.pendingUpdates(bot).length === 0);
    const info = await ok<Record<string, unknown>>(emu, bot.token, "getWebhookInfo");
    expect(info.last_error_message).toBe("Read timeout expired");
  });

  it("keeps order within a chat while other chats go ahead", async () => {
    const bob = emu.user({ first_name: "Bob" });
    const r = await hook((u, res) => {
      // Alice's first update is slow; Bob's pass at once.
      if (u.message?.text === "a1") setTimeout(() => res.end(), 100).unref();
      else res.end();
    });
    alice.send("a1");
    alice.send("a2");
    bob.send("b1");
    bob.send("b2");
    await until(() => r.hits.length === 4);
    const order = r.hits.map(text);
    expect(order.indexOf("a1")).toBeLessThan(order.indexOf("a2"));
    expect(order.indexOf("b1")).toBeLessThan(order.indexOf("b2"));
    expect(order.indexOf("b2")).toBeLessThan(order.indexOf("a2"));
  });

  it("runs an API call given in the webhook answer", async () => {
    await hook((u, res) => {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          method: "sendMessage",
          chat_id: u.message?.chat.id,
          text: `echo: ${u.message?.text}`,
        }),
      );
    });
    alice.send("ping");
    const reply = await alice.nextMessage();
    expect(reply.text).toBe("echo: ping");
  });

  it("validates setWebhook like Telegram and drops pending updates on request", async () => {
    const https = await call(emu, bot.token, "setWebhook", { url: "http://example.com/hook" });
    expect(https.status).toBe(400);
    expect(https.body.description).toBe(
      "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    );
    const secret = await call(emu, bot.token, "setWebhook", {
      url: "https://example.com/hook",
      secret_token: "bad secret!",
    });
    expect(secret.body.description).toBe(
      "Bad Request: bad webhook: Secret token contains unallowed characters",
    );
    alice.send("old");
    await ok(emu, bot.token, "deleteWebhook", { drop_pending_updates: true });
    expect(emu.pendingUpdates(bot)).toEqual([]);
    expect(await ok(emu, bot.token, "getWebhookInfo")).toEqual({
      url: "",
      has_custom_certificate: false,
      pending_update_count: 0,
    });
  });

  it("stops delivering after deleteWebhook and leaves updates for getUpdates", async () => {
    const r = await hook((_u, res) => {
      res.statusCode = 500;
      res.end();
    });
    alice.send("stays");
    await until(() => r.hits.length >= 1);
    await ok(emu, bot.token, "deleteWebhook");
    const updates = await ok<Update[]>(emu, bot.token, "getUpdates");
    expect(updates.map((u) => u.message?.text)).toEqual(["stays"]);
  });
});
