/**
 * One webhook server of the webhook benchmark, run in its own child process so the load
 * generator never shares its event loop. Usage (through `fork`): `webhook-server.ts <subject>`.
 * It sends `{ port }` once listening, answers `"count"` with `{ count, cpuUs }` (updates its
 * handler saw, CPU time used so far), and closes on `"stop"`.
 */
import { Bot } from "@bot/dispatcher";
import { webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { Bot as GrammyBot, webhookCallback } from "grammy";
import { Telegraf } from "telegraf";
import { BENCH_BOT_INFO, BENCH_TOKEN } from "./fixtures.ts";

export const WEBHOOK_SECRET = "bench_secret_token_0123456789";
const TOKEN = BENCH_TOKEN;
const BOT_INFO = BENCH_BOT_INFO;

let count = 0;

async function main(subject: string): Promise<void> {
  const app = Fastify({ logger: false });
  if (subject === "@bot/webhook-fastify") {
    const bot = new Bot(TOKEN, { botInfo: BOT_INFO });
    bot.on("message", () => {
      count += 1;
    });
    await app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: WEBHOOK_SECRET,
      delivery: "await",
      healthCheck: false,
    });
  } else if (subject === "grammY") {
    const bot = new GrammyBot(TOKEN, { botInfo: BOT_INFO });
    bot.on("message", () => {
      count += 1;
    });
    app.post("/hook", webhookCallback(bot, "fastify", { secretToken: WEBHOOK_SECRET }));
  } else if (subject === "Telegraf") {
    // Telegraf's own `webhookCallback(path, { secretToken })`, mounted in a Fastify route;
    // Fastify parses the JSON and Telegraf takes it from `req.body`.
    const bot = new Telegraf(TOKEN);
    bot.botInfo = BOT_INFO;
    bot.on("message", () => {
      count += 1;
    });
    const callback = bot.webhookCallback("/hook", { secretToken: WEBHOOK_SECRET });
    app.post("/hook", (request, reply) => {
      reply.hijack();
      Object.assign(request.raw, { body: request.body });
      void callback(request.raw as never, reply.raw);
    });
  } else if (subject === "bare Fastify") {
    app.post("/hook", (request, reply) => {
      if (request.body !== undefined) count += 1;
      reply.send();
    });
  } else {
    throw new Error(`unknown subject ${subject}`);
  }
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  process.send?.({ port: typeof address === "object" && address !== null ? address.port : 0 });
  process.on("message", (message) => {
    if (message === "count") {
      const cpu = process.cpuUsage();
      process.send?.({ count, cpuUs: cpu.user + cpu.system });
    }
    if (message === "stop") void app.close().then(() => process.exit(0));
  });
}

await main(process.argv[2] ?? "");
