import { MemoryStorage } from "@bot/dispatcher";
import { describe, expect, it } from "vitest";
import { updateChannel } from "../src/index.js";
import { deferred, messageUpdate, post, SECRET, testBot, withWebhook } from "./helpers.js";

const headers = { "x-telegram-bot-api-secret-token": SECRET };

describe("dedup by update_id", () => {
  it("runs a resent update once, with the bot's storage", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot, { dedup: true });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    for (let i = 0; i < 3; i++)
      expect((await post(base, "/hook", messageUpdate(5))).status).toBe(200);
    expect((await post(base, "/hook", messageUpdate(6))).status).toBe(200);
    expect(bot.runs.map((u) => u.update_id)).toEqual([5, 6]);
    expect(await bot.storage.get("777:dedup:5")).toMatchObject({ value: "done" });
    await app.close();
  });

  it("answers 200 to a resend while the first copy still runs here, and runs it once", async () => {
    const gate = deferred();
    const bot = testBot(() => gate.promise);
    const { app } = await withWebhook(bot, { dedup: true, delivery: "ack" });
    const first = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: messageUpdate(9),
    });
    const again = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: messageUpdate(9),
    });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    gate.resolve();
    await app.close();
    expect(bot.runs).toHaveLength(1);
  });

  it("shares markers across two servers on one storage; a claim held elsewhere gets 503 (resend later)", async () => {
    const storage = new MemoryStorage();
    const gate = deferred();
    const botA = testBot(() => gate.promise, { storage });
    const botB = testBot(undefined, { storage });
    const a = await withWebhook(botA, { dedup: true, delivery: "ack" });
    const b = await withWebhook(botB, { dedup: true, delivery: "ack" });
    expect(
      (await a.app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(3) }))
        .statusCode,
    ).toBe(200);
    // Server B sees the same update while A still runs it.
    expect(
      (await b.app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(3) }))
        .statusCode,
    ).toBe(503);
    gate.resolve();
    await a.app.close();
    // Finished on A: B now treats it as done.
    expect(
      (await b.app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(3) }))
        .statusCode,
    ).toBe(200);
    await b.app.close();
    expect(botA.runs).toHaveLength(1);
    expect(botB.runs).toHaveLength(0);
  });

  it("releases the claim when the update could not be queued, so the resend runs", async () => {
    const bot = testBot();
    let fail = true;
    const queue = {
      async enqueue() {
        if (fail) throw new Error("down");
      },
    };
    const { app } = await withWebhook(bot, { dedup: true, delivery: { queue } });
    expect(
      (await app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(4) }))
        .statusCode,
    ).toBe(503);
    fail = false;
    expect(
      (await app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(4) }))
        .statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: "POST", url: "/hook", headers, payload: messageUpdate(4) }))
        .statusCode,
    ).toBe(200);
    expect(await bot.storage.get("777:dedup:4")).toMatchObject({ value: "done" });
    await app.close();
  });

  it("answers 503 when the dedup storage fails, so Telegram resends", async () => {
    const storage = new MemoryStorage();
    const broken = Object.assign(Object.create(storage) as MemoryStorage, {
      compareAndSet: () => Promise.reject(new Error("storage down")),
    });
    const bot = testBot();
    const { app } = await withWebhook(bot, { dedup: { storage: broken } });
    const res = await app.inject({
      method: "POST",
      url: "/hook",
      headers,
      payload: messageUpdate(1),
    });
    expect(res.statusCode).toBe(503);
    expect(bot.runs).toHaveLength(0);
    await app.close();
  });

  it("runs Telegram's resend of an update answered 503 at the deadline while queued (its claim went back)", async () => {
    const gate = deferred();
    const bot = testBot((ctx) => (ctx.update.update_id === 1 ? gate.promise : undefined));
    const { app } = await withWebhook(bot, {
      dedup: true,
      delivery: "await",
      deadlineMs: 300,
      handlerTimeoutMs: 0,
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    expect((await post(base, "/hook", messageUpdate(1, 10))).status).toBe(200); // at the deadline, still running
    expect((await post(base, "/hook", messageUpdate(2, 10))).status).toBe(503); // queued behind 1
    // Telegram resends 2 while 1 still runs: it must queue again, not count as a duplicate.
    const accepted = deferred();
    const onUpdate = (m: unknown) => {
      if ((m as { updateId: number }).updateId === 2) accepted.resolve();
    };
    updateChannel.subscribe(onUpdate);
    const resend = post(base, "/hook", messageUpdate(2, 10));
    await accepted.promise;
    updateChannel.unsubscribe(onUpdate);
    await new Promise((r) => setTimeout(r, 20)); // its claim (in memory) settles
    gate.resolve();
    expect((await resend).status).toBe(200);
    await app.close();
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 2]);
    expect(await bot.storage.get("777:dedup:2")).toMatchObject({ value: "done" });
  });
});
