import { isStorageUnavailable } from "@bot/dispatcher";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisStorage, StorageUnavailableError } from "../src/index.js";
import { connect, dropPrefix, uniquePrefix } from "./helpers.js";
import { PausableProxy } from "./proxy.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function timed<T>(p: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    await p;
    return { error: undefined, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

describe("a Redis that stops answering", () => {
  it("fails reads and writes with StorageUnavailableError at the deadline, then recovers by itself", async () => {
    const proxy = await PausableProxy.start();
    cleanups.push(() => proxy.close());
    const client = createClient({ url: `redis://127.0.0.1:${proxy.port}` });
    client.on("error", () => {});
    await client.connect();
    cleanups.push(() => client.close().catch(() => {}));
    const prefix = uniquePrefix("outage");
    const direct = await connect();
    cleanups.push(async () => {
      await dropPrefix(direct, prefix);
      await direct.close();
    });
    const storage = new RedisStorage({ client, prefix }); // default deadline: 2 s
    await storage.set("session", { n: 1 });

    proxy.pause();
    const read = await timed(storage.get("session"));
    const write = await timed(storage.set("session", { n: 2 }));
    expect(read.error).toBeInstanceOf(StorageUnavailableError);
    expect(read.error).toMatchObject({ code: "BOT_REDIS_UNAVAILABLE", command: "HMGET" });
    expect(write.error).toBeInstanceOf(StorageUnavailableError);
    // The dispatcher recognises it as a transient storage failure (not a bug).
    expect(isStorageUnavailable(read.error)).toBe(true);
    expect(isStorageUnavailable(write.error)).toBe(true);
    expect(isStorageUnavailable(new Error("other"))).toBe(false);
    console.log(
      `outage: read failed after ${read.ms.toFixed(0)} ms, write after ${write.ms.toFixed(0)} ms`,
    );

    proxy.resume();
    // Recovery needs no restart: the same store answers again.
    await expect
      .poll(async () => (await storage.get("session").catch(() => undefined))?.value, {
        timeout: 10_000,
      })
      .toBeDefined();
  });

  it("fails within the deadline when Redis is not running at all at start (url given)", async () => {
    // A port with nothing listening: take one from a proxy and close it.
    const probe = await PausableProxy.start();
    const port = probe.port;
    await probe.close();
    const storage = new RedisStorage({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500 });
    cleanups.push(() => storage.close().catch(() => {}));
    const r = await timed(storage.get("k"));
    expect(r.error).toBeInstanceOf(StorageUnavailableError);
    expect(isStorageUnavailable(r.error)).toBe(true);
    console.log(`no Redis at start: failed after ${r.ms.toFixed(0)} ms (deadline 500 ms)`);
  });
});
