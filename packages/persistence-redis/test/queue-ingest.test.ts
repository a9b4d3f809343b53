import { Bot } from "@bot/dispatcher";
import { createEmulator, type Emulator } from "@bot/emulator";
import { setWebhook, webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisStorage } from "../src/index.js";
import { RedisUpdateQueue } from "../src/queue/index.js";
import { connect, dropPrefix, REDIS_URL, uniquePrefix } from "./helpers.js";
import { PausableProxy } from "./proxy.js";
import { checkLog, message, WorkerProcess, waitForLog } from "./queue-helpers.js";

const SECRET = "queue_webhook_secret_0123";
let client: Awaited<ReturnType<typeof connect>>;
const prefixes: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  client = await connect();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(client, p);
  await client.close();
});

const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** A worker in this process: `bot.work(queue)` recording `"<chat>:<update_id>"`. */
function worker(emu: Emulator, token: string, prefix: string, partitions: number) {
  const queue = new RedisUpdateQueue({ client, name: "q", partitions, prefix, leaseMs: 900 });
  const bot = new Bot(token, {
    clientOptions: { apiRoot: emu.apiRoot },
    storage: new RedisStorage({ client, prefix }),
  });
  bot.on("message", async (ctx) => {
    await client.rPush(`${prefix}log`, `${ctx.chat.id}:${ctx.update.update_id}`);
  });
  const stop = new AbortController();
  const running = bot.work(queue, { concurrency: 8, signal: stop.signal, dedup: { leaseMs: 900 } });
  cleanups.push(() => {
    stop.abort();
    return running;
  });
  return { queue, running };
}

describe("ingest into the queue", () => {
  it("webhook { queue } mode: a partition at its backlog limit answers 503 (Telegram resends), 200 again once drained", async () => {
    const prefix = uniquePrefix("queue-backlog");
    prefixes.push(prefix);
    const queue = new RedisUpdateQueue({ client, name: "q", partitions: 1, prefix, maxBacklog: 2 });
    const bot = new Bot("4242:queue-backlog-token", {
      botInfo: { id: 4242, is_bot: true, first_name: "q", username: "q_bot" } as never,
    });
    bot.on("message", () => {});
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: SECRET,
      delivery: { queue },
      healthCheck: false,
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const post = async (id: number) =>
      (
        await fetch(`${base}/hook`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-telegram-bot-api-secret-token": SECRET,
          },
          body: JSON.stringify(message(id, 9)),
        })
      ).status;
    expect([await post(1), await post(2), await post(3)]).toEqual([200, 200, 503]);
    expect((await queue.stats()).depth).toBe(2);
    await client.del(`${prefix}{queue:q:0}:s`);
    expect(await post(3)).toBe(200);
  });

  it("webhook { queue } mode through the emulator's delivery: Redis paused gives 5xx (Telegram resends), nothing lost after it returns", async () => {
    const prefix = uniquePrefix("queue-webhook");
    prefixes.push(prefix);
    const emu = await createEmulator({ webhookRetryMs: 20, webhookRetryMaxMs: 200 });
    cleanups.push(() => emu.close());
    const emuBot = emu.createBot({ username: "queue_hook_bot" });
    const proxy = await PausableProxy.start();
    cleanups.push(() => proxy.close());
    const viaProxy = createClient({ url: `redis://127.0.0.1:${proxy.port}` });
    viaProxy.on("error", () => {});
    await viaProxy.connect();
    cleanups.push(() => viaProxy.close());
    const ingest = new RedisUpdateQueue({
      client: viaProxy,
      name: "q",
      partitions: 8,
      prefix,
      commandTimeoutMs: 300,
    });
    const bot = new Bot(emuBot.token, { clientOptions: { apiRoot: emu.apiRoot } });
    bot.on("message", () => {});
    const app = Fastify();
    cleanups.push(() => app.close());
    const statuses: number[] = [];
    app.addHook("onResponse", (_req, reply, done) => {
      statuses.push(reply.statusCode);
      done();
    });
    await app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: SECRET,
      delivery: { queue: ingest },
      healthCheck: false,
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    await setWebhook(bot, { url: `${base}/hook`, secretToken: SECRET });
    worker(emu, emuBot.token, prefix, 8);

    const users = Array.from({ length: 10 }, (_, i) => emu.user({ first_name: `U${i}` }));
    const send = (round: number) => {
      for (const u of users) for (let j = 0; j < 10; j++) u.send(`r${round}-${j}`);
    };
    send(1);
    await waitForLog(client, prefix, 100, 20_000);
    proxy.pause();
    send(2);
    await until("a 5xx", () => statuses.some((s) => s >= 500));
    await new Promise((r) => setTimeout(r, 1_000));
    const failed = statuses.filter((s) => s >= 500).length;
    proxy.resume();
    await waitForLog(client, prefix, 200, 30_000);
    await until("the emulator to empty", () => emu.pendingUpdates().length === 0);
    const log = await client.lRange(`${prefix}log`, 0, -1);
    const result = await checkLog(
      client,
      prefix,
      log.map((r) => Number(r.split(":")[1])),
    );
    console.log("[queue] webhook { queue } with Redis paused:", {
      ...result,
      sent: 200,
      answered5xx: failed,
    });
    expect(failed).toBeGreaterThan(0);
    expect(result.distinct).toBe(200); // 0 lost
    expect(result.duplicated).toBe(0);
    expect(result.inversions).toBe(0);
  }, 60_000);

  it("long polling into the queue: kill -9 the poller mid-batch, the standby takes over: 0 lost", async () => {
    const prefix = uniquePrefix("queue-poll");
    prefixes.push(prefix);
    const emu = await createEmulator();
    cleanups.push(() => emu.close());
    const emuBot = emu.createBot({ username: "queue_poll_bot" });
    const users = Array.from({ length: 15 }, (_, i) => emu.user({ first_name: `P${i}` }));
    for (const u of users) for (let j = 0; j < 40; j++) u.send(`p${j}`);
    const total = users.length * 80;
    const cfg = {
      url: REDIS_URL,
      prefix,
      name: "q",
      partitions: 8,
      leaseMs: 1_000,
      mode: "poll",
      apiRoot: emu.apiRoot,
      token: emuBot.token,
      limit: 40,
    };
    // The first poller reaches Redis through a proxy the test can pause; the standby directly.
    const proxy = await PausableProxy.start();
    cleanups.push(() => proxy.close());
    const active = new WorkerProcess({ ...cfg, url: `redis://127.0.0.1:${proxy.port}` });
    const pollers = [active];
    cleanups.push(async () => {
      for (const p of pollers) if (p.child.exitCode === null) p.kill("SIGKILL");
    });
    await active.waitFor("poller-acquired");
    const standby = new WorkerProcess(cfg);
    pollers.push(standby);
    await standby.waitFor("ready");
    await until(
      "a few batches",
      () => active.events.filter((e) => e.type === "poller-appended").length >= 5,
    );
    // Mid-batch: hold Redis, wait until the next batch was fetched (its append now hangs), kill -9.
    proxy.pause();
    for (const u of users) for (let j = 40; j < 80; j++) u.send(`p${j}`);
    const count = (type: string) => active.events.filter((e) => e.type === type).length;
    await until(
      "a batch fetched and not appended",
      () => count("poller-fetched") > count("poller-appended"),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(count("poller-fetched")).toBeGreaterThan(count("poller-appended"));
    active.kill("SIGKILL");
    await active.exited;
    proxy.resume();
    const appendedBefore = active.events
      .filter((e) => e.type === "poller-appended")
      .reduce((n, e) => n + (e.count ?? 0), 0);
    const killedAt = Date.now();
    await standby.waitFor("poller-acquired", 20_000);
    const takeoverMs = Date.now() - killedAt;
    worker(emu, emuBot.token, prefix, 8);
    await waitForLog(client, prefix, total, 30_000);
    const appendedAfter = standby.events
      .filter((e) => e.type === "poller-appended")
      .reduce((n, e) => n + (e.count ?? 0), 0);
    const log = await client.lRange(`${prefix}log`, 0, -1);
    const result = await checkLog(
      client,
      prefix,
      log.map((r) => Number(r.split(":")[1])),
    );
    console.log("[queue] poller kill -9:", {
      ...result,
      sent: total,
      killedMidBatchOf: active.events.filter((e) => e.type === "poller-fetched").at(-1)?.count,
      appendedBefore,
      appendedAfter,
      reappended: appendedBefore + appendedAfter - total,
      takeoverMs,
    });
    expect(result.distinct).toBe(total); // 0 lost
    expect(result.duplicated).toBe(0);
    expect(result.inversions).toBe(0);
    standby.kill("SIGTERM");
    await standby.exited;
  }, 60_000);
});
