import { isStorageUnavailable } from "@bot/dispatcher";
import { afterEach, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../src/index.js";
import { type Caught, until, type World, world } from "./outage-e2e.js";
import { PausableProxy } from "./proxy.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const typed = (c: Caught) => isStorageUnavailable(c.error);

/** Everything that reached `bot.catch` is a typed storage failure (nothing else went wrong). */
function onlyOutages(w: World): void {
  const other = w.caught.filter((c) => !typed(c));
  expect(other.map((c) => String(c.error))).toEqual([]);
}

describe("long polling through a Redis outage (emulator, real Redis behind a TCP proxy)", () => {
  it("Redis hangs mid-update: the update reaches bot.catch typed, is not lost, runs once after Redis returns, chat order kept", async () => {
    const proxy = await PausableProxy.start();
    cleanups.push(() => proxy.close());
    // Lease TTL 2 s: the update's session lease expires during the 5 s outage, so the write
    // it sent into the hung connection is refused when Redis processes it late.
    const w = await world(`redis://127.0.0.1:${proxy.port}`, 2_000);
    cleanups.push(() => w.close());
    const alice = w.emu.user({ first_name: "Alice" });
    const bob = w.emu.user({ first_name: "Bob" });
    void w.bot.start({
      dedup: true, // on the same Redis: claims fail during the outage too
      backoff: { initialMs: 200, maxMs: 2_000 },
      signals: false,
    });

    alice.send("a1");
    bob.send("b1");
    await until(() => w.runs.length === 2, 10_000, "a1 and b1");

    alice.send("slow"); // reads its session, then waits at the gate
    await w.gate.reached;
    alice.send("a3"); // same chat: queued behind "slow"
    proxy.pause();
    const pausedAt = performance.now();
    bob.send("b2"); // another chat, during the outage
    w.gate.open(); // "slow" now writes its session into the hung Redis

    await until(() => w.caught.some(typed), 10_000, "a typed error in bot.catch");
    const first = w.caught.find(typed) as Caught;
    const toError = first.at - pausedAt;
    await new Promise((r) => setTimeout(r, 5_000 - (performance.now() - pausedAt)));
    // Nothing ran during the outage, and nothing was confirmed past "slow".
    expect(w.runs).toEqual([`${alice.id}:a1`, `${bob.id}:b1`, `${alice.id}:slow`]);
    const pending = w.emu.pendingUpdates();
    expect(pending.map((u) => u.message?.text)).toEqual(["slow", "a3", "b2"]);
    const slowId = pending[0]?.update_id;
    // "slow" could not save its session: reported with the update, as the store's typed error.
    expect(
      w.caught.some((c) => c.updateId === slowId && c.error instanceof StorageUnavailableError),
    ).toBe(true);
    proxy.resume();
    const resumedAt = performance.now();

    await until(
      async () =>
        (await w.log(alice.id))?.length === 3 &&
        (await w.log(bob.id))?.length === 2 &&
        w.emu.pendingUpdates().length === 0,
      30_000,
      "recovery",
    );
    const recovery = performance.now() - resumedAt;
    // Each update handled once, in order per chat.
    expect(await w.log(alice.id)).toEqual(["a1", "slow", "a3"]);
    expect(await w.log(bob.id)).toEqual(["b1", "b2"]);
    onlyOutages(w);
    console.log(
      `polling outage: first typed error ${toError.toFixed(0)} ms after the pause (${w.caught.length} reported, all typed); ` +
        `recovered ${recovery.toFixed(0)} ms after Redis returned; runs ${JSON.stringify(w.runs)}`,
    );
  }, 60_000);

  it("Redis not running at start: the bot stays up, updates wait unconfirmed, all run once when Redis appears", async () => {
    // A port with nothing listening: take one from a proxy and close it.
    const probe = await PausableProxy.start();
    const port = probe.port;
    await probe.close();
    const w = await world(`redis://127.0.0.1:${port}`, 10_000);
    cleanups.push(() => w.close());
    const alice = w.emu.user({ first_name: "Alice" });
    const bob = w.emu.user({ first_name: "Bob" });
    const started = performance.now();
    void w.bot.start({ backoff: { initialMs: 200, maxMs: 1_000 }, signals: false });
    alice.send("a1");
    alice.send("a2");
    bob.send("b1");

    await until(() => w.caught.some(typed), 10_000, "a typed error in bot.catch");
    const toError = (w.caught.find(typed) as Caught).at - started;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(w.runs).toEqual([]);
    expect(w.emu.pendingUpdates()).toHaveLength(3);

    // Redis appears on that port (a proxy in front of the real one).
    const proxy = await PausableProxy.start(undefined, port);
    cleanups.push(() => proxy.close());
    const upAt = performance.now();
    await until(
      async () =>
        (await w.log(alice.id))?.length === 2 &&
        (await w.log(bob.id))?.length === 1 &&
        w.emu.pendingUpdates().length === 0,
      30_000,
      "recovery",
    );
    expect(await w.log(alice.id)).toEqual(["a1", "a2"]);
    expect(await w.log(bob.id)).toEqual(["b1"]);
    expect(w.runs.sort()).toEqual([`${alice.id}:a1`, `${alice.id}:a2`, `${bob.id}:b1`].sort());
    onlyOutages(w);
    console.log(
      `no Redis at start: first typed error ${toError.toFixed(0)} ms after start (${w.caught.length} reported); ` +
        `all handled ${(performance.now() - upAt).toFixed(0)} ms after Redis appeared`,
    );
  }, 60_000);

  it("a stop during the back-off ends it at once; the update stays unconfirmed for the next start", async () => {
    const probe = await PausableProxy.start();
    const port = probe.port;
    await probe.close();
    const w = await world(`redis://127.0.0.1:${port}`, 10_000);
    cleanups.push(() => w.close());
    const alice = w.emu.user({ first_name: "Alice" });
    // Default back-off (0.5 s doubling to 30 s); a long one so the stop surely lands in it.
    const polling = w.bot.start({ backoff: { initialMs: 20_000 }, signals: false });
    alice.send("a1");
    await until(() => w.caught.some(typed), 10_000, "a typed error in bot.catch");
    await new Promise((r) => setTimeout(r, 200)); // the poller is backing off now
    const stopAt = performance.now();
    await w.bot.stop();
    await polling;
    const stopMs = performance.now() - stopAt;
    expect(w.runs).toEqual([]);
    expect(w.emu.pendingUpdates().map((u) => u.message?.text)).toEqual(["a1"]);
    onlyOutages(w);
    console.log(`stop during a 20 s back-off took ${stopMs.toFixed(0)} ms`);
    expect(stopMs).toBeLessThan(15_000); // not the 20 s back-off
  }, 60_000);
});
