/**
 * Webhook mode: the example served by Fastify (@bot/webhook-fastify) with the emulator posting
 * updates to it over real HTTP on 127.0.0.1, secret token checked.
 */
import { createEmulator, type Emulator } from "@bot/emulator";
import { afterEach, expect, it } from "vitest";
import { createExampleBot } from "../src/bot.ts";
import { serveWebhook } from "../src/real.ts";

let emulator: Emulator | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  await emulator?.close();
});

it("serves updates posted to /telegram and replies through the API", async () => {
  emulator = await createEmulator();
  const handle = emulator.createBot({ username: "example_bot" });
  const { bot, jobs } = createExampleBot(handle.token, {
    bot: { clientOptions: { apiRoot: emulator.apiRoot, retry: false } },
  });
  const errors: unknown[] = [];
  bot.catch((err) => void errors.push(err.error));
  await bot.init();
  await jobs.start();
  const server = await serveWebhook(bot, {
    secretToken: "s3cret_webhook-token",
    port: 0,
    host: "127.0.0.1",
    logger: false,
  });
  cleanup = async () => {
    await server.close();
    await jobs.stop();
    await bot.api.close();
  };
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/telegram$/);
  const info = await bot.api.getWebhookInfo();
  expect(info.url).toBe(server.url);

  const alice = emulator.user({ first_name: "Alice" });
  alice.send("/count");
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("This chat has counted to 1.");
  alice.send("/menu");
  await alice.nextMessage({ timeoutMs: 10_000 });
  alice.click("➕");
  expect((await alice.nextEdit({ timeoutMs: 10_000 })).text).toBe("Counter: 1");
  const em = emulator;
  // "await" delivery: each POST is answered after its handlers ran, so the last attempt is logged after the edit
  const attempts = await em.waitFor(() => {
    const all = em.events().filter((e) => e.type === "webhook_attempt");
    return all.length >= 3 ? all : undefined;
  });
  expect(attempts.every((e) => e.type === "webhook_attempt" && e.error === undefined)).toBe(true);
  expect(errors).toEqual([]);
});

it("refuses a POST without the secret token", async () => {
  emulator = await createEmulator();
  const handle = emulator.createBot({ username: "example_bot" });
  const { bot, jobs } = createExampleBot(handle.token, {
    bot: { clientOptions: { apiRoot: emulator.apiRoot, retry: false } },
  });
  await bot.init();
  const server = await serveWebhook(bot, {
    secretToken: "s3cret_webhook-token",
    port: 0,
    host: "127.0.0.1",
    logger: false,
  });
  cleanup = async () => {
    await server.close();
    await jobs.stop();
    await bot.api.close();
  };
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "wrong" },
    body: JSON.stringify({
      update_id: 1,
      message: { message_id: 1, date: 0, chat: { id: 1, type: "private" }, text: "/count" },
    }),
  });
  expect(res.status).toBe(401);
});
