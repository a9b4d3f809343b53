/**
 * python-telegram-bot's timer bot, end to end through `@bot/emulator`: `/set <seconds>` sets a
 * "Beep!" for the chat (a second `/set` replaces the first), `/unset` cancels it. The jobs run on
 * the emulator's manual clock, so a 5 s alarm takes no 5 s of real time.
 */
import type { Client } from "@bot/client";
import { Bot, type Context } from "@bot/dispatcher";
import { createEmulator, type Emulator, ManualClock } from "@bot/emulator";
import { afterEach, describe, expect, it } from "vitest";
import { type ChatJobs, Jobs, MemoryDriver } from "../src/index.js";

type C = Context & { readonly jobs: ChatJobs };
let emu: Emulator;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  await emu.close();
});

async function timerBot() {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
  emu = await createEmulator({ clock });
  const handle = emu.createBot({ username: "timer_bot" });
  const bot = new Bot<C>(handle.token, { clientOptions: { apiRoot: emu.apiRoot } });
  const jobs = new Jobs<Client>({ bot, driver: new MemoryDriver({ clock }) });
  jobs.define("alarm", (job) =>
    job.api.sendMessage({ chat_id: job.chatId as number, text: "Beep!" }),
  );
  bot.use(jobs);
  bot.command("set", async (ctx) => {
    const seconds = Number(ctx.match);
    if (!Number.isFinite(seconds) || seconds < 0)
      return void (await ctx.reply("Sorry we can not go back to future!"));
    const replaced = (await ctx.jobs.list({ name: "timer" })).length > 0;
    await ctx.jobs.runOnce("alarm", { in: seconds * 1_000 }, { name: "timer", replace: true });
    await ctx.reply(
      replaced ? "Timer successfully set! Old one was removed." : "Timer successfully set!",
    );
  });
  bot.command("unset", async (ctx) => {
    const n = await ctx.jobs.cancel("timer");
    await ctx.reply(n > 0 ? "Timer successfully cancelled!" : "You have no active timer.");
  });
  await jobs.start();
  let live!: () => void;
  const started = new Promise<void>((r) => {
    live = r;
  });
  const running = bot.start({ signals: false, timeout: 1, onStart: () => live() });
  await started;
  stop = async () => {
    await jobs.stop();
    await bot.stop();
    await running;
  };
  return { clock, alice: emu.user({ first_name: "Alice", bot: handle }), jobs };
}

describe("the timer bot", () => {
  it("/set 5 sends Beep! 5 s later on the clock", async () => {
    const { clock, alice } = await timerBot();
    alice.send("/set 5");
    expect((await alice.nextMessage()).text).toBe("Timer successfully set!");
    await clock.advanceAsync(4_000);
    expect(alice.unread()).toEqual([]);
    await clock.advanceAsync(1_000);
    const beep = await alice.nextMessage();
    expect(beep.text).toBe("Beep!");
    expect(beep.date).toBe(Math.floor((Date.UTC(2026, 11, 2, 12) + 5_000) / 1_000));
  });

  it("/set -1 refuses, a second /set replaces the first, /unset cancels", async () => {
    const { clock, alice, jobs } = await timerBot();
    alice.send("/set -1");
    expect((await alice.nextMessage()).text).toBe("Sorry we can not go back to future!");
    alice.send("/set 10");
    expect((await alice.nextMessage()).text).toBe("Timer successfully set!");
    alice.send("/set 20");
    expect((await alice.nextMessage()).text).toBe("Timer successfully set! Old one was removed.");
    expect(await jobs.list()).toHaveLength(1);
    await clock.advanceAsync(15_000);
    expect(alice.unread()).toEqual([]); // the 10 s timer was replaced
    await clock.advanceAsync(5_000);
    expect((await alice.nextMessage()).text).toBe("Beep!");
    alice.send("/set 30");
    expect((await alice.nextMessage()).text).toBe("Timer successfully set!");
    alice.send("/unset");
    expect((await alice.nextMessage()).text).toBe("Timer successfully cancelled!");
    await clock.advanceAsync(60_000);
    expect(alice.unread()).toEqual([]);
    alice.send("/unset");
    expect((await alice.nextMessage()).text).toBe("You have no active timer.");
  });
});
