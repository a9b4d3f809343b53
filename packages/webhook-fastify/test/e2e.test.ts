import { Bot } from "@bot/dispatcher";
import { createEmulator, type Emulator } from "@bot/emulator";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteWebhook, logWebhookHealth, setWebhook, webhook } from "../src/index.js";
import { LogSink, makeApp, SECRET } from "./helpers.js";

let emu: Emulator;
let app: FastifyInstance | undefined;

beforeEach(async () => {
  emu = await createEmulator({
    webhookDeadlineMs: 5_000,
    webhookRetryMs: 20,
    webhookRetryMaxMs: 100,
  });
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await emu.close();
});

async function serve(bot: Bot, logs = new LogSink(), delivery: "await" | "ack" = "await") {
  const made = makeApp(logs);
  app = made.app;
  await app.register(webhook, {
    bot,
    path: "/hook",
    secretToken: SECRET,
    delivery,
    healthCheck: false,
  });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  return `${base}/hook`;
}

describe("end to end with @bot/emulator's webhook delivery", () => {
  it.each(["await", "ack"] as const)(
    "delivers updates to the bot in %s mode; replies arrive",
    async (delivery) => {
      const emuBot = emu.createBot({ username: "hook_bot" });
      const alice = emu.user({ first_name: "Alice" });
      const bot = new Bot(emuBot.token, { clientOptions: { apiRoot: emu.apiRoot } });
      bot.command("start", async (ctx) => {
        // Rides in the HTTP response in await mode, falls back to a normal call in ack mode.
        await ctx.webhookReply("sendMessage", { chat_id: ctx.chat?.id ?? 0, text: "welcome" });
      });
      bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
      const url = await serve(bot, new LogSink(), delivery);
      await setWebhook(bot, { url, secretToken: SECRET, dropPendingUpdates: true });

      alice.send("/start");
      expect((await alice.nextMessage()).text).toBe("welcome");
      alice.send("hello");
      expect((await alice.nextMessage()).text).toBe("echo: hello");
      alice.send("again");
      expect((await alice.nextMessage()).text).toBe("echo: again");

      const info = await bot.api.getWebhookInfo();
      expect(info.url).toBe(url);
      expect(info.pending_update_count).toBe(0);
      expect(info.last_error_message).toBeUndefined();
    },
  );

  it("a webhook set with the wrong secret is refused (401), Telegram-side error shows in the health log", async () => {
    const emuBot = emu.createBot({ username: "wrong_bot" });
    const alice = emu.user({ first_name: "Alice" });
    const bot = new Bot(emuBot.token, { clientOptions: { apiRoot: emu.apiRoot } });
    let ran = 0;
    bot.on("message", () => {
      ran += 1;
    });
    const logs = new LogSink();
    const url = await serve(bot, logs);
    await setWebhook(bot, { url, secretToken: "not_the_right_secret" });
    alice.send("hi");
    // Wait until the emulator recorded a failed attempt.
    for (let i = 0; i < 200; i++) {
      const info = await bot.api.getWebhookInfo();
      if (info.last_error_message) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const info = await logWebhookHealth(bot, (app as FastifyInstance).log, "/hook");
    expect(info?.last_error_message).toBeDefined();
    expect(ran).toBe(0);
    expect(logs.text).toContain("Telegram reports a webhook error");
    expect(logs.text).not.toContain(SECRET);
    expect(logs.text).not.toContain(emuBot.token);
  });

  it("setWebhook sends allowed_updates from the handlers; deleteWebhook clears it; the health log says so", async () => {
    const emuBot = emu.createBot({ username: "helper_bot" });
    const bot = new Bot(emuBot.token, { clientOptions: { apiRoot: emu.apiRoot } });
    bot.on("callback_query:data", () => {});
    bot.on("message:text", () => {});
    const logs = new LogSink();
    const url = await serve(bot, logs);
    await setWebhook(bot, { url, secretToken: SECRET, maxConnections: 5 });
    const info = await bot.api.getWebhookInfo();
    expect([...(info.allowed_updates ?? [])].sort()).toEqual([...bot.allowedUpdates()].sort());
    expect(info.max_connections).toBe(5);
    await logWebhookHealth(bot, (app as FastifyInstance).log, "/hook");
    expect(logs.text).toContain("webhook healthy");
    await deleteWebhook(bot, { dropPendingUpdates: true });
    expect((await bot.api.getWebhookInfo()).url).toBe("");
    await logWebhookHealth(bot, (app as FastifyInstance).log, "/hook");
    expect(logs.text).toContain("no webhook is set");
  });

  it("the on-ready health check never crashes the server when the Bot API is unreachable", async () => {
    const bot = new Bot("123:unreachable-token-abcdef", {
      clientOptions: { apiRoot: "http://127.0.0.1:9", retry: false },
    });
    const logs = new LogSink();
    const made = makeApp(logs);
    app = made.app;
    await app.register(webhook, { bot, path: "/hook", secretToken: SECRET, delivery: "await" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    for (let i = 0; i < 300 && !logs.text.includes("getWebhookInfo failed"); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(logs.text).toContain("getWebhookInfo failed");
    expect(logs.text).not.toContain("unreachable-token");
  });
});
