import { describe, expect, it } from "vitest";
import { UpdateDedup } from "../src/advanced.js";
import { MemoryStorage, type Storage } from "../src/index.js";

function clocked() {
  let now = 1_000_000;
  return {
    storage: new MemoryStorage({ now: () => now }),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("UpdateDedup: claim / finish / release", () => {
  it("one claim wins across instances (processes); finish makes it done for good", async () => {
    const { storage } = clocked();
    const a = new UpdateDedup({ storage, botId: 42 });
    const b = new UpdateDedup({ storage, botId: 42 });
    expect(await a.claim(7)).toBe("claimed");
    expect(await b.claim(7)).toBe("busy");
    expect(await a.claim(7)).toBe("busy"); // a second delivery to the holder itself
    await a.finish(7);
    expect(await b.claim(7)).toBe("done");
    expect(await a.claim(7)).toBe("done");
    expect(a.key(7)).toBe("42:dedup:7");
    expect(new UpdateDedup({ storage, botId: 42, prefix: "bot:" }).key(7)).toBe("bot:42:dedup:7");
  });

  it("claims are made before the handler: 20 concurrent claims of one id, exactly one wins", async () => {
    const { storage } = clocked();
    const instances = Array.from({ length: 20 }, () => new UpdateDedup({ storage, botId: 1 }));
    const results = await Promise.all(instances.map((d) => d.claim(99)));
    expect(results.filter((r) => r === "claimed")).toHaveLength(1);
    expect(results.filter((r) => r === "busy")).toHaveLength(19);
  });

  it("release lets a redelivery run, and never deletes another holder's claim", async () => {
    const { storage, advance } = clocked();
    const a = new UpdateDedup({ storage, botId: 1, leaseMs: 1000 });
    const b = new UpdateDedup({ storage, botId: 1, leaseMs: 1000 });
    expect(await a.claim(1)).toBe("claimed");
    await a.release(1);
    expect(await b.claim(1)).toBe("claimed");
    await a.release(1); // not a's claim any more: left alone
    expect(await a.claim(1)).toBe("busy");
    // a's lease ran out, b claimed, a releases late: b's claim survives
    expect(await a.claim(2)).toBe("claimed");
    advance(1001);
    expect(await b.claim(2)).toBe("claimed");
    await a.release(2);
    expect(await a.claim(2)).toBe("busy");
  });

  it("a claim of a process that died expires with its lease; a done mark lives for ttlMs", async () => {
    const { storage, advance } = clocked();
    const dead = new UpdateDedup({ storage, botId: 1, leaseMs: 5000, ttlMs: 60_000 });
    const next = new UpdateDedup({ storage, botId: 1, leaseMs: 5000, ttlMs: 60_000 });
    expect(await dead.claim(3)).toBe("claimed");
    advance(4999);
    expect(await next.claim(3)).toBe("busy");
    advance(2);
    expect(await next.claim(3)).toBe("claimed");
    await next.finish(3);
    advance(59_999);
    expect(await dead.claim(3)).toBe("done");
    advance(2);
    expect(await dead.claim(3)).toBe("claimed");
  });

  it("scopes marks per bot: two bots on one storage never share them", async () => {
    const { storage } = clocked();
    const one = new UpdateDedup({ storage, botId: 111 });
    const two = new UpdateDedup({ storage, botId: "222" });
    expect(await one.claim(5)).toBe("claimed");
    await one.finish(5);
    expect(await two.claim(5)).toBe("claimed");
    expect(one.key(5)).not.toBe(two.key(5));
  });

  it("a failing storage gives BOT_DISPATCHER_DEDUP_UNAVAILABLE with the cause", async () => {
    const cause = new Error("down");
    const broken = {
      get: () => Promise.reject(cause),
      set: () => Promise.reject(cause),
      delete: () => Promise.reject(cause),
      compareAndSet: () => Promise.reject(cause),
      setIfAbsent: () => Promise.reject(cause),
    } satisfies Storage;
    const dedup = new UpdateDedup({ storage: broken, botId: 1 });
    for (const op of [() => dedup.claim(1), () => dedup.finish(1), () => dedup.release(1)]) {
      await expect(op()).rejects.toMatchObject({ code: "BOT_DISPATCHER_DEDUP_UNAVAILABLE", cause });
    }
  });

  it("rejects bad options with a typed error", () => {
    const storage = new MemoryStorage();
    for (const options of [
      { storage, botId: "a:b" },
      { storage, botId: 1.5 },
      { storage: {}, botId: 1 },
      { storage, botId: 1, leaseMs: 0 },
      { storage, botId: 1, ttlMs: -5 },
    ]) {
      expect(() => new UpdateDedup(options as never)).toThrow(
        expect.objectContaining({ code: "BOT_DISPATCHER_DEDUP_INVALID_OPTIONS" }),
      );
    }
  });
});
