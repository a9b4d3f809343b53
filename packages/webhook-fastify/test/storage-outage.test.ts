import { isStorageUnavailable } from "@bot/dispatcher";
import { describe, expect, it } from "vitest";
import { deferred, LogSink, messageUpdate, post, testBot, withWebhook } from "./helpers.js";

/** What a storage adapter throws when it is down (the dispatcher's documented brand). */
function outage(): Error {
  const error = new Error("storage down");
  Object.defineProperty(error, Symbol.for("@bot/dispatcher.StorageUnavailable"), { value: true });
  return error;
}

describe("an update whose storage was down is not confirmed", () => {
  it("await mode: 503 with Retry-After, reported to bot.catch; a later update of the same chat waiting behind it gets 503 too and does not run; other chats run", async () => {
    const gate = deferred();
    let failNext = true;
    const bot = testBot(async (ctx) => {
      if (ctx.update.update_id === 1) await gate.promise;
      if (ctx.update.update_id === 1 && failNext) throw outage();
    });
    const caught: unknown[] = [];
    bot.catch((err) => {
      caught.push(err.error);
    });
    const { app } = await withWebhook(bot, { dedup: true });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const first = post(base, "/hook", messageUpdate(1, 42));
    await new Promise((r) => setTimeout(r, 50));
    const second = post(base, "/hook", messageUpdate(2, 42)); // same chat: queued behind 1
    const other = await post(base, "/hook", messageUpdate(3, 43));
    expect(other.status).toBe(200);
    gate.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([503, 503]);
    expect(a.headers["retry-after"]).toBe("5");
    expect(b.headers["retry-after"]).toBe("5");
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 3]);
    expect(caught).toHaveLength(1);
    expect(isStorageUnavailable(caught[0])).toBe(true);
    // The claims went back: Telegram's resends run, in order.
    failNext = false;
    expect((await post(base, "/hook", messageUpdate(1, 42))).status).toBe(200);
    expect((await post(base, "/hook", messageUpdate(2, 42))).status).toBe(200);
    expect(bot.runs.map((u) => u.update_id)).toEqual([1, 3, 1, 2]);
    expect(await bot.storage.get("777:dedup:1")).toMatchObject({ value: "done" });
    await app.close();
  });

  it("ack mode cannot resend (the 200 went first): reported to bot.catch and logged", async () => {
    const bot = testBot(() => {
      throw outage();
    });
    const caught: unknown[] = [];
    bot.catch((err) => {
      caught.push(err.error);
    });
    const logs = new LogSink();
    const { app } = await withWebhook(bot, { delivery: "ack" }, logs);
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    expect((await post(base, "/hook", messageUpdate(7))).status).toBe(200);
    for (let i = 0; i < 100 && caught.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await app.close();
    expect(caught).toHaveLength(1);
    expect(logs.text).toContain("in ack mode the update was answered 200 already");
  });
});
