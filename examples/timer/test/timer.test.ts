import { createEmulator, type Emulator, ManualClock, type UserActor } from "@bot/emulator";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

const START = Date.UTC(2026, 11, 2, 12);
let clock: ManualClock;
let emulator: Emulator;
let alice: UserActor;
let created: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeEach(async () => {
  clock = new ManualClock(START);
  emulator = await createEmulator({ clock });
  const { token } = emulator.createBot({ username: "timer_bot" });
  alice = emulator.user({ first_name: "Alice" });
  created = createBot(token, {
    bot: { clientOptions: { apiRoot: emulator.apiRoot, retry: false } },
    clock,
  });
  created.bot.catch((err) => void errors.push(err.error));
  await created.jobs.start();
  let live!: () => void;
  const started = new Promise<void>((resolve) => {
    live = resolve;
  });
  polling = created.bot.start({ timeout: 1, onStart: () => live() });
  await started;
});
afterEach(async () => {
  await created.bot.stop();
  await polling;
  await created.bot.api.close();
  await emulator.close();
  expect(errors).toEqual([]);
});

async function say(text: string): Promise<string | undefined> {
  alice.send(text);
  return (await alice.nextMessage({ timeoutMs: 10_000 })).text;
}

it("/set 5 beeps when the clock has moved 5 seconds, not before", async () => {
  expect(await say("/start")).toBe("Hi! Use /set <seconds> to set a timer");
  expect(await say("/set 5")).toBe("Timer successfully set!");
  await clock.advanceAsync(4_999);
  expect(alice.unread()).toEqual([]);
  await clock.advanceAsync(1);
  const beep = await alice.nextMessage({ timeoutMs: 10_000 });
  expect(beep.text).toBe("Beep! 5 seconds are over!");
  expect(beep.date).toBe((START + 5_000) / 1_000);
});

it("refuses bad input, replaces a timer, and /unset cancels", async () => {
  expect(await say("/set")).toBe("Usage: /set <seconds>");
  expect(await say("/set soon")).toBe("Usage: /set <seconds>");
  expect(await say("/set -1")).toBe("Sorry we can not go back to future!");
  expect(await say("/set 10")).toBe("Timer successfully set!");
  expect(await say("/set 20")).toBe("Timer successfully set! Old one was removed.");
  await clock.advanceAsync(15_000);
  expect(alice.unread()).toEqual([]); // the 10 s timer is gone
  await clock.advanceAsync(5_000);
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Beep! 20 seconds are over!");
  expect(await say("/set 30")).toBe("Timer successfully set!");
  expect(await say("/unset")).toBe("Timer successfully cancelled!");
  await clock.advanceAsync(60_000);
  expect(alice.unread()).toEqual([]);
  expect(await say("/unset")).toBe("You have no active timer.");
});

it("keeps one timer per chat: Bob's timer does not touch Alice's", async () => {
  const bob = emulator.user({ first_name: "Bob" });
  expect(await say("/set 3")).toBe("Timer successfully set!");
  bob.send("/set 6");
  expect((await bob.nextMessage({ timeoutMs: 10_000 })).text).toBe("Timer successfully set!");
  await clock.advanceAsync(3_000);
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Beep! 3 seconds are over!");
  expect(bob.unread()).toEqual([]);
  await clock.advanceAsync(3_000);
  expect((await bob.nextMessage({ timeoutMs: 10_000 })).text).toBe("Beep! 6 seconds are over!");
});
