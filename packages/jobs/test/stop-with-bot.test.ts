/** Issue 14: a queue attached to its bot stops when the bot stops. */
import type { Client } from "@bot/client";
import { Bot, type Context } from "@bot/dispatcher";
import { createEmulator, type Emulator, ManualClock } from "@bot/emulator";
import { afterEach, describe, expect, it } from "vitest";
import { type ChatJobs, Jobs, MemoryDriver } from "../src/index.js";

type C = Context & { readonly jobs: ChatJobs };
let emu: Emulator;
afterEach(async () => {
  await emu.close();
});

async function setup(attach: (bot: Bot<C>, jobs: Jobs<Client>) => void) {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
  emu = await createEmulator({ clock });
  const handle = emu.createBot({ username: "stop_bot" });
  const bot = new Bot<C>(handle.token, { clientOptions: { apiRoot: emu.apiRoot } });
  const jobs = new Jobs<Client>({ bot, driver: new MemoryDriver({ clock }) });
  let runs = 0;
  jobs.define("tick", () => {
    runs++;
  });
  attach(bot, jobs);
  await jobs.runRepeating("tick", { every: 1_000 });
  await jobs.start();
  let live!: () => void;
  const started = new Promise<void>((r) => {
    live = r;
  });
  const running = bot.start({ signals: false, timeout: 1, onStart: () => live() });
  await started;
  return { clock, bot, jobs, running, runs: () => runs };
}

describe("bot.stop() stops attached jobs", () => {
  for (const [how, attach] of [
    ["bot.use(jobs)", (bot: Bot<C>, jobs: Jobs<Client>) => void bot.use(jobs)],
    ["jobs.attach(bot)", (bot: Bot<C>, jobs: Jobs<Client>) => jobs.attach(bot)],
  ] as const) {
    it(`with ${how}: no more runs after bot.stop()`, async () => {
      const { clock, bot, jobs, running, runs } = await setup(attach);
      await clock.advanceAsync(1_000);
      expect(runs()).toBe(1);
      await bot.stop();
      await running;
      await clock.advanceAsync(10_000);
      expect(runs()).toBe(1);
      await jobs.stop(); // idempotent
    });
  }

  it("bot.onStop hooks run once per stop, and can be removed", async () => {
    const { bot, running } = await setup(() => undefined);
    const calls: string[] = [];
    bot.onStop(() => void calls.push("a"));
    const off = bot.onStop(() => void calls.push("b"));
    off();
    await bot.stop();
    await running;
    await bot.stop();
    expect(calls).toEqual(["a"]);
  });
});
