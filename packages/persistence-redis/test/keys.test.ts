import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeKey, RedisStorage, RedisStorageError, redisKey } from "../src/index.js";

describe("key names", () => {
  it("puts the storage key in one hash tag after the prefix", () => {
    expect(redisKey("bot:", "123:data:chat:42")).toBe("bot:{123:data:chat:42}");
    expect(redisKey("bot:", "k", ":lock")).toBe("bot:{k}:lock");
  });

  it("escapes braces and % injectively, so a key cannot leave its hash tag or collide (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", "{", "}", "%", "7", "B", "D", ":") }),
        fc.string(),
        (a, b) => {
          const ea = escapeKey(a);
          expect(ea).not.toMatch(/[{}]/);
          if (a !== b) expect(ea).not.toBe(escapeKey(b));
        },
      ),
      { numRuns: 2_000 },
    );
    expect(escapeKey("%7B")).not.toBe(escapeKey("{"));
  });

  it("refuses a prefix with braces and a store with neither client nor url", () => {
    expect(() => new RedisStorage({ url: "redis://127.0.0.1:1", prefix: "a{b}" })).toThrow(
      RedisStorageError,
    );
    expect(() => new RedisStorage({})).toThrow(/exactly one of client and url/);
    expect(() => new RedisStorage({ url: "http://x" })).toThrow(/BOT_REDIS|url must start/);
  });

  it("opens no connection until the first command", () => {
    // A store on a dead port: constructing it must neither connect nor fail.
    const storage = new RedisStorage({ url: "redis://127.0.0.1:1" });
    expect(storage.prefix).toBe("bot:");
  });
});
