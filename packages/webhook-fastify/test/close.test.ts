import { MemoryStorage } from "@bot/dispatcher";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { webhook } from "../src/index.js";
import { Runner } from "../src/runner.js";
import { deferred, messageUpdate, post, SECRET, testBot, withWebhook } from "./helpers.js";

/** Sends wrong-secret requests on new connections until the server answers 503 (it is closing). */
async function until503(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await post(base, "/hook", {}, { "x-telegram-bot-api-secret-token": "x" });
    if (res.status === 503) return;
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("never answered 503");
}

describe("graceful close", () => {
  it.each([
    ["default Fastify options", {}],
    ["return503OnClosing: false", { return503OnClosing: false }],
  ])(
    "with %s: in-flight await requests finish and new requests get 503",
    async (_n, fastifyOptions) => {
      const gate = deferred();
      const started = deferred();
      const app = Fastify(fastifyOptions);
      const bot = testBot(async () => {
        started.resolve();
        await gate.promise;
      });
      await app.register(webhook, {
        bot,
        path: "/hook",
        secretToken: SECRET,
        delivery: "await",
        healthCheck: false,
      });
      const base = await app.listen({ port: 0, host: "127.0.0.1" });
      const inflight = post(base, "/hook", messageUpdate(1));
      await started.promise;
      const closed = app.close();
      await until503(base);
      const late = await post(base, "/hook", messageUpdate(2, 99));
      expect(late.status).toBe(503);
      expect(late.headers["retry-after"] ?? late.headers.connection).toBeDefined();
      gate.resolve();
      expect((await inflight).status).toBe(200);
      await closed;
      expect(bot.runs.map((u) => u.update_id)).toEqual([1]);
    },
  );

  it("ack mode drains queued updates on close before resolving", async () => {
    const gate = deferred();
    const bot = testBot(() => gate.promise);
    const { app } = await withWebhook(bot, { delivery: "ack", concurrency: 1 });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    for (let i = 1; i <= 5; i++)
      expect((await post(base, "/hook", messageUpdate(i, i))).status).toBe(200);
    let done = false;
    const closed = app.close().then(() => {
      done = true;
    });
    await until503(base);
    expect(done).toBe(false);
    gate.resolve();
    await closed;
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it("after the grace period answers open await requests with 503, drops queued ones, and resolves", async () => {
    const never = deferred();
    const aborted: boolean[] = [];
    const bot = testBot(async (ctx) => {
      await Promise.race([
        never.promise,
        new Promise((r) =>
          ctx.signal?.addEventListener("abort", () => r(undefined), { once: true }),
        ),
      ]);
      aborted.push(ctx.signal?.aborted === true);
    });
    const { app, logs } = await withWebhook(bot, {
      delivery: "await",
      closeGraceMs: 100,
      concurrency: 1,
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const first = post(base, "/hook", messageUpdate(1, 1));
    const second = post(base, "/hook", messageUpdate(2, 2)); // waits for the one slot
    await new Promise((r) => setTimeout(r, 50));
    await app.close();
    expect((await first).status).toBe(503);
    expect((await second).status).toBe(503);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1]);
    expect(aborted).toEqual([true]);
    expect(logs.text).toContain("close grace ran out");
  });

  it("after the grace period drops a chat's queued line behind a hung handler and releases its dedup claims", async () => {
    const storage = new MemoryStorage();
    const never = deferred();
    const bot = testBot(() => never.promise, { storage }); // ignores the abort signal
    const { app } = await withWebhook(bot, {
      delivery: "await",
      closeGraceMs: 100,
      handlerTimeoutMs: 0,
      dedup: true,
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    // One chat: 1 runs and hangs, 2 and 3 wait in its line; chat 8's update runs beside it.
    const answers = [post(base, "/hook", messageUpdate(1, 7))];
    await new Promise((r) => setTimeout(r, 20));
    answers.push(
      post(base, "/hook", messageUpdate(2, 7)),
      post(base, "/hook", messageUpdate(3, 7)),
    );
    answers.push(post(base, "/hook", messageUpdate(4, 8)));
    await new Promise((r) => setTimeout(r, 50));
    await app.close();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 4]);
    // The dropped ones were never run: their claims are gone, so Telegram's resend runs them.
    expect(await storage.get("777:dedup:2")).toBeUndefined();
    expect(await storage.get("777:dedup:3")).toBeUndefined();
    // The hung one still holds its lease (another process must not run it twice meanwhile).
    expect((await storage.get("777:dedup:1"))?.value).toMatch(/^running:/);
    never.resolve();
  });
});

describe("Runner after close", () => {
  it.each(["ack", "await"] as const)(
    "answers 503 (never 200 and drop) in %s mode to an update that arrives after the close",
    async (delivery) => {
      const answers: Array<[number, string | undefined]> = [];
      const bot = testBot();
      const runner = new Runner({
        bot,
        path: "/hook",
        delivery,
        queue: undefined,
        deadlineMs: 50_000,
        handlerTimeoutMs: 30_000,
        concurrency: 10,
        maxPending: 100,
        closeGraceMs: 0,
        dedup: undefined,
        log: { warn() {}, error() {} },
        respond: (_target, status, reason) => answers.push([status, reason]),
      });
      await runner.close();
      // A request past the secret check whose body was still arriving when the close began.
      runner.accept(messageUpdate(1), {});
      expect(answers).toEqual([[503, "closing"]]);
      expect(bot.runs).toHaveLength(0);
    },
  );
});
