/**
 * The example with REDIS_URL, against the real Redis on 127.0.0.1:6379 under a unique prefix:
 * sessions and the onboarding conversation in RedisStorage, reminders in BullMQ.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { type Demo, runScript, startDemo } from "../src/demo.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const prefix = `test:example:${randomBytes(6).toString("hex")}:`;
const demos: Demo[] = [];

afterAll(async () => {
  for (const d of demos.splice(0)) await d.stop();
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(keys);
  await client.close();
});

async function demo(worker = false): Promise<Demo> {
  const d = await startDemo({ redisUrl: REDIS_URL, redisPrefix: prefix, worker });
  demos.push(d);
  return d;
}
async function stop(d: Demo): Promise<void> {
  demos.splice(demos.indexOf(d), 1);
  await d.stop();
}

describe("with REDIS_URL", () => {
  it("plays the script on Redis: the reminder is a BullMQ job that fires in real time", async () => {
    const d = await demo();
    expect(d.services.kind).toBe("redis");
    expect(d.clock).toBeUndefined();
    const text = (await runScript(d, () => {})).join("\n");
    expect(text).toContain("(waiting 2 seconds: BullMQ runs the reminder from Redis)");
    expect(text).toContain("bot: ⏰ Reminder: stretch your legs");
    expect(text).toContain("bot: You are Ada, writing bots in TypeScript.");
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const keys = await client.keys(`${prefix}*`);
    await client.close();
    expect(keys.some((k) => k.includes(":data:user:"))).toBe(true); // userData (the profile)
    expect(keys.some((k) => k.startsWith(`${prefix}jobs:`))).toBe(true); // BullMQ's keys
    await stop(d);
  });

  it("keeps sessions and a conversation half-way through across a restart", async () => {
    const first = await demo();
    first.user.send("/count");
    const before = Number(
      /\d+/.exec((await first.user.nextMessage({ timeoutMs: 10_000 })).text ?? "")?.[0],
    );
    first.user.send("/onboard");
    await first.user.nextMessage({ timeoutMs: 10_000 });
    await stop(first);

    // A new emulator and bot process; the same Redis prefix. The emulator gives the same ids.
    const second = await demo();
    second.user.send("/count");
    expect((await second.user.nextMessage({ timeoutMs: 10_000 })).text).toBe(
      `This chat has counted to ${before + 1}.`,
    );
    second.user.send("Linus"); // the conversation was waiting for a name
    expect((await second.user.nextMessage({ timeoutMs: 10_000 })).text).toBe(
      "Nice to meet you, Linus! Which language do you write bots in?",
    );
    second.user.click("Rust");
    await second.user.nextEdit({ timeoutMs: 10_000 });
    await second.user.nextMessage({ timeoutMs: 10_000 });
    second.user.send("/profile");
    expect((await second.user.nextMessage({ timeoutMs: 10_000 })).text).toBe(
      "You are Linus, writing bots in Rust.",
    );
    await stop(second);
  });

  it("BOT_MODE=worker: the same script through RedisUpdateQueue and bot.work", async () => {
    const d = await demo(true);
    const queue = d.services.queue;
    if (queue === undefined) throw new Error("no queue with Redis");
    const text = (await runScript(d, () => {})).join("\n");
    expect(text).toContain("bot: ⏰ Reminder: stretch your legs");
    expect(text).toContain("bot offers: [Bold: hello] [Italic: hello]");
    const stats = await queue.stats();
    // one live worker (this process) owns the partitions; everything was acknowledged
    expect(stats.workers).toHaveLength(1);
    expect(stats.partitions).toHaveLength(16);
    expect(stats.partitions.some((p) => p.owner === stats.workers[0])).toBe(true);
    // the last update is acknowledged right after its handler returned
    await expect.poll(async () => (await queue.stats()).depth, { timeout: 5_000 }).toBe(0);
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const keys = await client.keys(`${prefix}*example*`);
    await client.close();
    expect(keys.length).toBeGreaterThan(0);
    await stop(d);
  });
});
