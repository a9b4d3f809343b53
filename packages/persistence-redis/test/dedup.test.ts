import { UpdateDedup } from "@bot/dispatcher/advanced";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStorage } from "../src/index.js";
import { connect, dropPrefix, uniquePrefix } from "./helpers.js";

// Two connections stand for two processes: Redis sees two clients either way.
let a: Awaited<ReturnType<typeof connect>>;
let b: Awaited<ReturnType<typeof connect>>;
const prefixes: string[] = [];
beforeAll(async () => {
  [a, b] = await Promise.all([connect(), connect()]);
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(a, p);
  await Promise.all([a.close(), b.close()]);
});

function pair(leaseMs = 60_000) {
  const prefix = uniquePrefix("dedup");
  prefixes.push(prefix);
  const make = (client: typeof a) =>
    new UpdateDedup({ storage: new RedisStorage({ client, prefix }), botId: 4242, leaseMs });
  return [make(a), make(b)] as const;
}

describe("update_id dedup on Redis, shared by two processes", () => {
  it("the same update delivered to both runs once", async () => {
    const [one, two] = pair();
    for (let id = 1; id <= 50; id++) {
      const claims = await Promise.all([one.claim(id), two.claim(id)]);
      expect(claims.filter((c) => c === "claimed")).toHaveLength(1);
      expect(claims.filter((c) => c === "busy")).toHaveLength(1);
      const winner = claims[0] === "claimed" ? one : two;
      await winner.finish(id);
      expect(await one.claim(id)).toBe("done");
      expect(await two.claim(id)).toBe("done");
    }
  });

  it("a released claim lets the redelivery run; an abandoned one expires with its lease", async () => {
    const [one, two] = pair(100);
    expect(await one.claim(7)).toBe("claimed");
    await one.release(7);
    expect(await two.claim(7)).toBe("claimed");
    // `two` dies here without finishing: after the lease, the update may run again.
    expect(await one.claim(7)).toBe("busy");
    await new Promise((r) => setTimeout(r, 250));
    expect(await one.claim(7)).toBe("claimed");
  });
});
