import { afterEach, describe, expect, it } from "vitest";
import {
  Client,
  FloodLimiter,
  MemoryRateLimitStore,
  type RateLimitStore,
  type RateRule,
} from "../src/index.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

describe("MemoryRateLimitStore (GCRA)", () => {
  it("lets a burst through, then spaces sends by the interval", () => {
    const store = new MemoryRateLimitStore();
    const rules: RateRule[] = [{ key: "k", intervalMs: 100, burst: 3 }];
    const waits = Array.from({ length: 6 }, () => store.reserve(rules, 1000));
    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
    // Once the time has come, the bucket has room again.
    expect(store.reserve(rules, 2000)).toBe(0);
  });

  it("takes the longest wait of several buckets and reserves in all of them", () => {
    const store = new MemoryRateLimitStore();
    const global: RateRule = { key: "g", intervalMs: 10, burst: 30 };
    const chat: RateRule = { key: "c1", intervalMs: 1000, burst: 1 };
    expect(store.reserve([global, chat], 0)).toBe(0);
    expect(store.reserve([global, chat], 0)).toBe(1000);
    expect(store.reserve([global, { key: "c2", intervalMs: 1000, burst: 1 }], 0)).toBe(0);
    // The global bucket counted both sends: 28 more go at once, the next one waits.
    for (let i = 0; i < 27; i++) expect(store.reserve([global], 0)).toBe(0);
    expect(store.reserve([global], 0)).toBe(10);
  });

  it("blocks a key until the end of a cool-down", () => {
    const store = new MemoryRateLimitStore();
    const rules: RateRule[] = [{ key: "k", intervalMs: 10, burst: 10 }];
    store.block("k", 5000);
    expect(store.reserve(rules, 1000)).toBe(4000);
    expect(store.reserve(rules, 6000)).toBe(0);
  });

  it("forgets keys whose time has passed", () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 1023; i++) store.reserve([{ key: `k${i}`, intervalMs: 1, burst: 1 }], 0);
    expect(store.size).toBe(1023);
    store.reserve([{ key: "late", intervalMs: 1, burst: 1 }], 10_000);
    expect(store.size).toBe(1);
  });
});

describe("FloodLimiter", () => {
  class RecordingStore implements RateLimitStore {
    readonly inner = new MemoryRateLimitStore();
    readonly reserved: string[][] = [];
    readonly blocked: [string, number][] = [];
    reserve(rules: readonly RateRule[], now: number): number {
      this.reserved.push(rules.map((r) => `${r.key}@${r.intervalMs}x${r.burst}`));
      return this.inner.reserve(rules, now);
    }
    block(key: string, untilMs: number): void {
      this.blocked.push([key, untilMs]);
      this.inner.block(key, untilMs);
    }
  }

  it("limits sends by chat kind and leaves other methods alone", async () => {
    const store = new RecordingStore();
    const limiter = new FloodLimiter({ store, namespace: "b1", now: () => 0 });
    await limiter.acquire("sendMessage", 42);
    await limiter.acquire("sendPhoto", -100123);
    await limiter.acquire("sendMessage", "@channel");
    await limiter.acquire("getChat", 42);
    await limiter.acquire("sendChatAction", 42);
    expect(store.reserved).toEqual([
      ["b1:global@33.333333333333336x30", "b1:chat:42@1000x1"],
      ["b1:global@33.333333333333336x30", "b1:chat:-100123@3000x20"],
      ["b1:global@33.333333333333336x30", "b1:chat:@channel@3000x20"],
    ]);
  });

  it("validates its rates", () => {
    expect(() => new FloodLimiter({ global: { limit: 0, intervalMs: 1 } })).toThrow(
      /@bot\/client: limiter global/,
    );
  });

  describe("with a client", () => {
    let server: FakeServer;
    let client: Client;
    afterEach(async () => {
      await client.close();
      await server.close();
    });

    it("reserves before each send and shares a 429 cool-down through the store", async () => {
      const store = new RecordingStore();
      let first = true;
      server = await startFakeServer(() => {
        if (first) {
          first = false;
          return {
            status: 429,
            body: {
              ok: false,
              error_code: 429,
              description: "Too Many Requests",
              parameters: { retry_after: 1 },
            },
          };
        }
        return { body: { ok: true, result: true } };
      });
      client = new Client("9:limited", {
        apiRoot: server.url,
        limiter: new FloodLimiter({
          store,
          namespace: "9",
          privateChat: false,
          global: false,
          group: { limit: 100, intervalMs: 1000 },
        }),
      });
      await client.sendMessage({ chat_id: -5, text: "x" });
      // The cool-down is kept once, in the limiter's store, under the limiter's namespace.
      expect(store.blocked.map(([key]) => key)).toEqual(["9:cooldown:chat:-5"]);
      // Each of the two sends took one limiter slot; the cool-down was read from the same store.
      expect(store.reserved.filter((r) => r.includes("9:chat:-5@10x100"))).toHaveLength(2);
      expect(store.reserved.filter((r) => r.includes("9:cooldown:chat:-5@0x1"))).toHaveLength(2);
      expect(server.calls).toHaveLength(2);
    });
  });
});
