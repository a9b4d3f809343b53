import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot } from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: { id: number; send(text: string): unknown };

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "more_bot", first_name: "More" });
  alice = emu.user({ first_name: "Alice" });
  alice.send("hi");
});
afterEach(() => emu.close());

async function text(t: string): Promise<number> {
  return (
    await ok<{ message_id: number }>(emu, bot.token, "sendMessage", { chat_id: alice.id, text: t })
  ).message_id;
}

describe("contacts and venues", () => {
  it("sends a contact, and a venue with its location", async () => {
    const c = await ok<{ contact: unknown }>(emu, bot.token, "sendContact", {
      chat_id: alice.id,
      phone_number: "+10000000000",
      first_name: "Bob",
      vcard: "BEGIN:VCARD\nEND:VCARD",
    });
    expect(c.contact).toEqual({
      phone_number: "+10000000000",
      first_name: "Bob",
      vcard: "BEGIN:VCARD\nEND:VCARD",
    });
    const v = await ok<{ venue: unknown; location: unknown }>(emu, bot.token, "sendVenue", {
      chat_id: alice.id,
      latitude: 52.52,
      longitude: 13.405,
      title: "Cafe",
      address: "Main St 1",
      google_place_id: "g1",
    });
    expect(v.venue).toEqual({
      location: { latitude: 52.52, longitude: 13.405 },
      title: "Cafe",
      address: "Main St 1",
      google_place_id: "g1",
    });
    expect(v.location).toEqual({ latitude: 52.52, longitude: 13.405 });
    const far = await call(emu, bot.token, "sendVenue", {
      chat_id: alice.id,
      latitude: 91,
      longitude: 0,
      title: "x",
      address: "y",
    });
    expect(far.body.description).toBe("Bad Request: wrong latitude or longitude specified");
    const vcard = await call(emu, bot.token, "sendContact", {
      chat_id: alice.id,
      phone_number: "1",
      first_name: "B",
      vcard: "x".repeat(2049),
    });
    expect(vcard.status).toBe(400);
  });
});

describe("forwarding and copying many messages", () => {
  it("keeps the order, skips ids that do not exist, and refuses ids out of order", async () => {
    const a = await text("one");
    const b = await text("two");
    const forwarded = await ok<{ message_id: number }[]>(emu, bot.token, "forwardMessages", {
      chat_id: alice.id,
      from_chat_id: alice.id,
      message_ids: [a, b, 9_999],
    });
    expect(forwarded).toHaveLength(2);
    const last = emu.chat(alice.id).last();
    expect(last).toMatchObject({ message_id: forwarded[1]?.message_id, text: "two" });
    expect(last?.forward_origin).toMatchObject({ type: "user" });
    const copied = await ok<{ message_id: number }[]>(emu, bot.token, "copyMessages", {
      chat_id: alice.id,
      from_chat_id: alice.id,
      message_ids: [a, b],
    });
    expect(copied.map((m) => m.message_id)).toEqual([
      (forwarded[1]?.message_id ?? 0) + 1,
      (forwarded[1]?.message_id ?? 0) + 2,
    ]);
    expect(emu.chat(alice.id).last()?.forward_origin).toBeUndefined();
    const unordered = await call(emu, bot.token, "copyMessages", {
      chat_id: alice.id,
      from_chat_id: alice.id,
      message_ids: [b, a],
    });
    expect(unordered.status).toBe(400);
  });

  it("copies without captions on remove_caption", async () => {
    const form = new FormData();
    form.set("chat_id", String(alice.id));
    form.set("caption", "a cat");
    form.set(
      "photo",
      new Blob([Buffer.from("not really a jpeg")], { type: "image/jpeg" }),
      "c.jpg",
    );
    const res = await fetch(`${emu.apiRoot}/bot${bot.token}/sendPhoto`, {
      method: "POST",
      body: form,
    });
    const photo = ((await res.json()) as { result: { message_id: number } }).result.message_id;
    await ok(emu, bot.token, "copyMessages", {
      chat_id: alice.id,
      from_chat_id: alice.id,
      message_ids: [photo],
      remove_caption: true,
    });
    const copy = emu.chat(alice.id).last();
    expect(copy?.photo).toBeDefined();
    expect(copy?.caption).toBeUndefined();
  });
});

describe("setMessageReaction", () => {
  it("sets one allowed reaction, refuses more or unknown ones, and needs the message", async () => {
    const id = await text("react to me");
    await ok(emu, bot.token, "setMessageReaction", {
      chat_id: alice.id,
      message_id: id,
      reaction: [{ type: "emoji", emoji: "👍" }],
      is_big: true,
    });
    expect(emu.events().filter((e) => e.type === "reaction")).toEqual([
      {
        type: "reaction",
        botId: bot.id,
        chatId: alice.id,
        messageId: id,
        reaction: [{ type: "emoji", emoji: "👍" }],
        isBig: true,
      },
    ]);
    const two = await call(emu, bot.token, "setMessageReaction", {
      chat_id: alice.id,
      message_id: id,
      reaction: [
        { type: "emoji", emoji: "👍" },
        { type: "emoji", emoji: "🔥" },
      ],
    });
    expect(two.body.description).toBe("Bad Request: REACTIONS_TOO_MANY");
    for (const reaction of [[{ type: "emoji", emoji: "🦀" }], [{ type: "paid" }]]) {
      const bad = await call(emu, bot.token, "setMessageReaction", {
        chat_id: alice.id,
        message_id: id,
        reaction,
      });
      expect(bad.body.description).toBe("Bad Request: REACTION_INVALID");
    }
    const gone = await call(emu, bot.token, "setMessageReaction", {
      chat_id: alice.id,
      message_id: 9_999,
    });
    expect(gone.body.description).toBe("Bad Request: message to react not found");
    // no reaction list: removes the bot's reactions
    await ok(emu, bot.token, "setMessageReaction", { chat_id: alice.id, message_id: id });
    expect(
      emu
        .events()
        .filter((e) => e.type === "reaction")
        .at(-1),
    ).toMatchObject({ reaction: [] });
  });
});
