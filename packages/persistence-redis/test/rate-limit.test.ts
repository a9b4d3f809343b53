import { MemoryRateLimitStore, type RateRule } from "@bot/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRateLimitStore } from "../src/index.js";
import { connect, dropPrefix, uniquePrefix } from "./helpers.js";

let client: Awaited<ReturnType<typeof connect>>;
const prefixes: string[] = [];
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(client, p);
  await client.close();
});

const op = fc.oneof(
  fc.record({
    kind: fc.constant("reserve" as const),
    dt: fc.integer({ min: 0, max: 400 }),
    chat: fc.constantFrom("1", "2", "-100"),
    global: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("block" as const),
    dt: fc.integer({ min: 0, max: 400 }),
    chat: fc.constantFrom("1", "2", "-100", "global"),
    forMs: fc.integer({ min: 1, max: 3_000 }),
  }),
);

describe("RedisRateLimitStore", () => {
  it("computes the same waits as MemoryRateLimitStore for any sequence of reservations and blocks (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const prefix = uniquePrefix("rate");
        prefixes.push(prefix);
        const redis = new RedisRateLimitStore({ client, prefix });
        const memory = new MemoryRateLimitStore();
        // A fixed, recent start: Redis keys get TTLs relative to it.
        let now = Date.now();
        for (const o of ops) {
          now += o.dt;
          if (o.kind === "reserve") {
            const rules: RateRule[] = [];
            if (o.global) rules.push({ key: "bot:global", intervalMs: 1000 / 30, burst: 30 });
            rules.push({
              key: `bot:chat:${o.chat}`,
              intervalMs: o.chat.startsWith("-") ? 3_000 : 1_000,
              burst: o.chat.startsWith("-") ? 20 : 1,
            });
            const [a, b] = await Promise.all([
              redis.reserve(rules, now),
              memory.reserve(rules, now),
            ]);
            expect(a).toBeCloseTo(b, 2);
          } else {
            const key = o.chat === "global" ? "bot:global" : `bot:chat:${o.chat}`;
            await redis.block(key, now + o.forMs);
            memory.block(key, now + o.forMs);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("shares a cool-down between two stores (two processes) on one Redis", async () => {
    const prefix = uniquePrefix("rate-share");
    prefixes.push(prefix);
    const a = new RedisRateLimitStore({ client, prefix });
    const b = new RedisRateLimitStore({ client, prefix });
    const now = Date.now();
    await a.block("bot:chat:7", now + 5_000);
    const rule = [{ key: "bot:chat:7", intervalMs: 1_000, burst: 1 }];
    expect(await b.reserve(rule, now)).toBeCloseTo(5_000, 0);
  });
});
