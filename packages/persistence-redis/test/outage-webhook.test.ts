import { isStorageUnavailable } from "@bot/dispatcher";
import { setWebhook, webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../src/index.js";
import { until, world } from "./outage-e2e.js";
import { PausableProxy } from "./proxy.js";

const SECRET = "outage_webhook_secret_0123";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

describe("a webhook through a Redis outage (emulator's webhook delivery, @bot/webhook-fastify, real Redis)", () => {
  it.each([
    ["dedup on the same Redis", true],
    ["no dedup", false],
  ] as const)(
    "Redis hangs mid-update (%s): the request gets 503, the emulator redelivers, after Redis returns the update is handled once",
    async (_name, dedup) => {
      const proxy = await PausableProxy.start();
      cleanups.push(() => proxy.close());
      const w = await world(`redis://127.0.0.1:${proxy.port}`, 2_000, {
        webhookRetryMs: 100,
        webhookRetryMaxMs: 500,
      });
      cleanups.push(() => w.close());
      const app = Fastify();
      cleanups.push(() => app.close());
      const statuses: number[] = [];
      app.addHook("onResponse", (_req, reply, done) => {
        statuses.push(reply.statusCode);
        done();
      });
      await app.register(webhook, {
        bot: w.bot,
        path: "/hook",
        secretToken: SECRET,
        delivery: "await",
        healthCheck: false,
        ...(dedup ? { dedup: true } : {}),
      });
      const base = await app.listen({ port: 0, host: "127.0.0.1" });
      await setWebhook(w.bot, { url: `${base}/hook`, secretToken: SECRET });
      const alice = w.emu.user({ first_name: "Alice" });

      alice.send("a1");
      await until(async () => (await w.log(alice.id))?.length === 1, 10_000, "a1");
      alice.send("slow");
      await w.gate.reached;
      alice.send("a3"); // same chat: Telegram sends it after "slow" was answered 2xx
      proxy.pause();
      const pausedAt = performance.now();
      w.gate.open(); // "slow" writes its session into the hung Redis
      await until(() => statuses.includes(503), 10_000, "a 503");
      const to503 = performance.now() - pausedAt;
      const slowError = w.caught.find((c) => c.error instanceof StorageUnavailableError);
      expect(slowError).toBeDefined();
      expect(isStorageUnavailable(slowError?.error)).toBe(true);
      await new Promise((r) => setTimeout(r, 5_000 - (performance.now() - pausedAt)));
      proxy.resume();
      const resumedAt = performance.now();

      await until(
        async () => (await w.log(alice.id))?.length === 3 && w.emu.pendingUpdates().length === 0,
        30_000,
        "recovery",
      );
      expect(await w.log(alice.id)).toEqual(["a1", "slow", "a3"]);
      const failedAttempts = w.emu
        .events()
        .filter((e) => e.type === "webhook_attempt" && e.error !== undefined);
      expect(failedAttempts.length).toBeGreaterThan(0);
      expect(
        failedAttempts.every((e) => e.type === "webhook_attempt" && /5\d\d/.test(e.error ?? "")),
      ).toBe(true);
      expect(w.caught.filter((c) => !isStorageUnavailable(c.error)).map(String)).toEqual([]);
      console.log(
        `webhook outage (${_name}): first 503 ${to503.toFixed(0)} ms after the pause; ${failedAttempts.length} failed deliveries; ` +
          `handled ${(performance.now() - resumedAt).toFixed(0)} ms after Redis returned`,
      );
    },
    60_000,
  );
});
