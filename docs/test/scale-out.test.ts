/**
 * The scaling-out snippet on real Redis (127.0.0.1:6379, a key prefix of its own, deleted
 * after): long polling feeds the queue from the emulator, two workers run the updates, and
 * each chat's replies come back in order.
 */
import { randomUUID } from "node:crypto";
import { createEmulator } from "@bot/emulator";
import { expect, it } from "vitest";
import { createBot } from "../snippets/scale-out.ts";

it("polls into the Redis queue and runs the updates on two workers, in order per chat", async () => {
  const emu = await createEmulator();
  const { token } = emu.createBot({ username: "queue_bot" });
  const prefix = `docs-test:${randomUUID()}:`;
  const options = { clientOptions: { apiRoot: emu.apiRoot, retry: false as const } };
  const roles = await Promise.all([1, 2, 3].map(() => createBot(token, options, prefix)));
  const [ingest, ...workers] = roles;
  const errors: unknown[] = [];
  for (const { bot } of roles) bot.catch((err) => void errors.push(err.error));
  const stopPolling = new AbortController();
  const polling = ingest!.queue.poll(ingest!.bot.api, {
    signal: stopPolling.signal,
    timeout: 1,
    allowedUpdates: ingest!.bot.allowedUpdates(),
  });
  const working = workers.map(({ bot, queue }) => bot.work(queue, { concurrency: 4 }));
  try {
    const names = ["Alice", "Bob", "Carol"];
    const users = names.map((name) => ({ name, user: emu.user({ first_name: name }) }));
    for (let i = 0; i < 5; i++) for (const { name, user } of users) user.send(`${name} ${i}`);
    for (const { name, user } of users) {
      const got: (string | undefined)[] = [];
      for (let i = 0; i < 5; i++) got.push((await user.nextMessage({ timeoutMs: 15_000 })).text);
      expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `${name} ${i}`));
    }
    expect(errors).toEqual([]);
  } finally {
    stopPolling.abort();
    await polling;
    for (const { bot } of workers) await bot.stop();
    await Promise.all(working);
    const redis = ingest!.redis;
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys);
    }
    for (const { bot, redis } of roles) {
      await bot.api.close();
      await redis.quit();
    }
    await emu.close();
  }
});
