/**
 * A child process of the queue benchmark. Its one argv is JSON: `{ mode, url, prefix, name,
 * partitions, concurrency }`.
 *
 * - `worker`: `bot.work(queue, { concurrency })`; each handler waits 20 ms (an API call), then
 *   counts (`INCR <prefix>count`) and records the end-to-end latency (append time in the
 *   message text to handler end) and per-chat order. On `"stop"` it stops gracefully and sends
 *   `{ latencies, inversions }`.
 * - `webhook-await` / `webhook-queue`: a Fastify webhook route in `await` mode (the handler waits
 *   20 ms, then counts) or in `{ queue }` mode (the update is appended, nothing else). Sends
 *   `{ port }` once listening; closes on `"stop"`.
 */
import { Bot } from "@bot/dispatcher";
import { RedisStorage } from "@bot/persistence-redis";
import { RedisUpdateQueue } from "@bot/persistence-redis/queue";
import { webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { createClient } from "redis";
import { BENCH_BOT_INFO, BENCH_TOKEN } from "./fixtures.ts";

const WEBHOOK_SECRET = "bench_secret_token_0123456789";

const cfg = JSON.parse(process.argv[2] ?? "{}") as {
  mode: "worker" | "webhook-await" | "webhook-queue";
  url: string;
  prefix: string;
  name: string;
  partitions: number;
  concurrency: number;
};

const client = createClient({ url: cfg.url });
client.on("error", () => {});
await client.connect();
const queue = new RedisUpdateQueue({
  client,
  name: cfg.name,
  partitions: cfg.partitions,
  prefix: cfg.prefix,
  maxBacklog: 0,
  leaseMs: 3_000,
});
const wait20 = () => new Promise((r) => setTimeout(r, 20));

if (cfg.mode === "worker") {
  const bot = new Bot(BENCH_TOKEN, {
    botInfo: BENCH_BOT_INFO,
    storage: new RedisStorage({ client, prefix: cfg.prefix }),
  });
  const latencies: number[] = [];
  const last = new Map<number, number>();
  let inversions = 0;
  bot.on("message", async (ctx) => {
    await wait20();
    await client.incr(`${cfg.prefix}count`);
    latencies.push(Date.now() - Number(ctx.message.text?.slice(1)));
    const id = ctx.update.update_id;
    if ((last.get(ctx.chat.id) ?? 0) > id) inversions++;
    last.set(ctx.chat.id, id);
  });
  const stop = new AbortController();
  process.on("message", (m) => {
    if (m === "stop") stop.abort();
  });
  process.send?.({ ready: true });
  await bot.work(queue, { concurrency: cfg.concurrency, signal: stop.signal, graceMs: 2_000 });
  process.send?.({ latencies, inversions }, () => process.exit(0));
} else {
  const app = Fastify({ logger: false });
  const bot = new Bot(BENCH_TOKEN, { botInfo: BENCH_BOT_INFO });
  let count = 0;
  bot.on("message", async () => {
    await wait20();
    count += 1;
  });
  await app.register(webhook, {
    bot,
    path: "/hook",
    secretToken: WEBHOOK_SECRET,
    delivery: cfg.mode === "webhook-queue" ? { queue } : "await",
    healthCheck: false,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  process.send?.({ port: typeof address === "object" && address !== null ? address.port : 0 });
  process.on("message", (m) => {
    if (m === "count") process.send?.({ count });
    if (m === "stop") void app.close().then(() => client.close().then(() => process.exit(0)));
  });
}
