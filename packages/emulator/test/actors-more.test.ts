import type { Update } from "@bot/types";
import { afterEach, describe, expect, it } from "vitest";
import {
  createEmulator,
  type Emulator,
  type EmulatorBot,
  EmulatorError,
  ManualClock,
  type UserActor,
} from "../src/index.js";
import { ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;

async function start(clock?: ManualClock): Promise<void> {
  emu = await createEmulator(clock === undefined ? {} : { clock });
  bot = emu.createBot({ username: "more_bot" });
  alice = emu.user({ first_name: "Alice", last_name: "Liddell" });
}
afterEach(() => emu.close());

const updates = () => ok<Update[]>(emu, bot.token, "getUpdates");

describe("actors: edits, locations, contacts", () => {
  it("nextEdit() takes the bot's edits in order; nextMessage() does not return them", async () => {
    await start();
    alice.send("/start");
    const sent = await ok<{ message_id: number }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "v1",
    });
    await ok(emu, bot.token, "editMessageText", {
      chat_id: alice.id,
      message_id: sent.message_id,
      text: "v2",
    });
    expect((await alice.nextMessage()).text).toBe("v1");
    const edit = await alice.nextEdit();
    expect(edit).toMatchObject({ message_id: sent.message_id, text: "v2" });
    expect(edit.edit_date).toBeTypeOf("number");
    const later = alice.nextEdit({ timeoutMs: 2_000 });
    await ok(emu, bot.token, "editMessageText", {
      chat_id: alice.id,
      message_id: sent.message_id,
      text: "v3",
    });
    expect((await later).text).toBe("v3");
    await expect(alice.nextMessage({ timeoutMs: 50 })).rejects.toThrow(/no message/);
  });

  it("sendLocation() and sendContact() reach the bot as message updates", async () => {
    await start();
    alice.sendLocation(52.52, 13.405, { horizontalAccuracy: 20 });
    alice.sendContact();
    alice.sendContact({ phone_number: "+44 20 7946 0000", first_name: "Bob" });
    const [loc, own, other] = await updates();
    expect(loc?.message?.location).toEqual({
      latitude: 52.52,
      longitude: 13.405,
      horizontal_accuracy: 20,
    });
    expect(own?.message?.contact).toMatchObject({
      first_name: "Alice",
      last_name: "Liddell",
      user_id: alice.id,
    });
    expect(own?.message?.contact?.phone_number).toMatch(/^\+1555\d{7}$/);
    expect(other?.message?.contact).toEqual({
      phone_number: "+44 20 7946 0000",
      first_name: "Bob",
    });
  });

  it("refuses an impossible location with a typed error", async () => {
    await start();
    expect(() => alice.sendLocation(91, 0)).toThrow(EmulatorError);
    expect(() => alice.sendLocation(Number.NaN, 0)).toThrow(EmulatorError);
  });
});

describe("the manual clock drives timers", () => {
  it("fires timers in due order while advancing, each at its due time", () => {
    const clock = new ManualClock(1_000);
    const seen: [string, number][] = [];
    clock.setTimeout(() => seen.push(["b", clock.now()]), 200);
    clock.setTimeout(() => {
      seen.push(["a", clock.now()]);
      clock.setTimeout(() => seen.push(["c", clock.now()]), 50); // falls inside the window
    }, 100);
    const dropped = clock.setTimeout(() => seen.push(["x", clock.now()]), 150);
    clock.clearTimeout(dropped);
    expect(clock.advance(99)).toBe(1_099);
    expect(seen).toEqual([]);
    expect(clock.advance(500)).toBe(1_599);
    expect(seen).toEqual([
      ["a", 1_100],
      ["c", 1_150],
      ["b", 1_200],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("a bot's 5 s alarm on the emulator's clock fires when the test advances it, not after 5 s", async () => {
    const clock = new ManualClock();
    await start(clock);
    alice.send("/set 5");
    // The bot's side, by hand: read the command and set an alarm on the emulator's clock.
    const [u] = await updates();
    const seconds = Number(u?.message?.text?.split(" ")[1]);
    const setAt = clock.now();
    clock.setTimeout(() => {
      void ok(emu, bot.token, "sendMessage", { chat_id: alice.id, text: "Beep!" });
    }, seconds * 1_000);
    await clock.advanceAsync(4_999);
    expect(alice.unread()).toEqual([]);
    await clock.advanceAsync(1);
    const beep = await alice.nextMessage({ timeoutMs: 2_000 });
    expect(beep.text).toBe("Beep!");
    expect(beep.date).toBe(Math.floor((setAt + 5_000) / 1_000));
  });
});
