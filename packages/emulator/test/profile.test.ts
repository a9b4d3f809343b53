import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot } from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "profile_bot", first_name: "Profile" });
});
afterEach(() => emu.close());

describe("the bot's profile (what bots set at startup)", () => {
  it("names per language, the default one being the bot's name in getMe and its messages", async () => {
    expect(await ok(emu, bot.token, "getMyName")).toEqual({ name: "Profile" });
    await ok(emu, bot.token, "setMyName", { name: "Renamed" });
    await ok(emu, bot.token, "setMyName", { name: "Umbenannt", language_code: "de" });
    expect(await ok(emu, bot.token, "getMyName")).toEqual({ name: "Renamed" });
    expect(await ok(emu, bot.token, "getMyName", { language_code: "de" })).toEqual({
      name: "Umbenannt",
    });
    // a language without its own name gets the default one
    expect(await ok(emu, bot.token, "getMyName", { language_code: "fr" })).toEqual({
      name: "Renamed",
    });
    expect(await ok(emu, bot.token, "getMe")).toMatchObject({ first_name: "Renamed" });
    const alice = emu.user({ first_name: "Alice" });
    alice.send("hi");
    const sent = await ok<{ from: { first_name: string } }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "hello",
    });
    expect(sent.from.first_name).toBe("Renamed");
    // an empty name removes the dedicated one
    await ok(emu, bot.token, "setMyName", { name: "", language_code: "de" });
    expect(await ok(emu, bot.token, "getMyName", { language_code: "de" })).toEqual({
      name: "Renamed",
    });
    await ok(emu, bot.token, "setMyName", {});
    expect(await ok(emu, bot.token, "getMe")).toMatchObject({ first_name: "Profile" });
    const long = await call(emu, bot.token, "setMyName", { name: "x".repeat(65) });
    expect(long.status).toBe(400);
    expect(long.body.description).toMatch(/^Bad Request: name is too long/);
  });

  it("descriptions and short descriptions per language, within their limits", async () => {
    expect(await ok(emu, bot.token, "getMyDescription")).toEqual({ description: "" });
    expect(await ok(emu, bot.token, "getMyShortDescription")).toEqual({ short_description: "" });
    await ok(emu, bot.token, "setMyDescription", { description: "What this bot does" });
    await ok(emu, bot.token, "setMyShortDescription", {
      short_description: "Kurz",
      language_code: "de",
    });
    expect(await ok(emu, bot.token, "getMyDescription", { language_code: "de" })).toEqual({
      description: "What this bot does",
    });
    expect(await ok(emu, bot.token, "getMyShortDescription", { language_code: "de" })).toEqual({
      short_description: "Kurz",
    });
    expect(await ok(emu, bot.token, "getMyShortDescription")).toEqual({ short_description: "" });
    // limits in characters, not bytes: 512 emoji pass, 513 do not
    await ok(emu, bot.token, "setMyDescription", { description: "🙂".repeat(512) });
    const over = await call(emu, bot.token, "setMyDescription", { description: "🙂".repeat(513) });
    expect(over.status).toBe(400);
    const short = await call(emu, bot.token, "setMyShortDescription", {
      short_description: "x".repeat(121),
    });
    expect(short.status).toBe(400);
  });

  it("menu buttons: the bot's default and one per private chat", async () => {
    expect(await ok(emu, bot.token, "getChatMenuButton")).toEqual({ type: "default" });
    const alice = emu.user({ first_name: "Alice" });
    alice.send("hi");
    const app = { type: "web_app", text: "Open", web_app: { url: "https://example.org/app" } };
    await ok(emu, bot.token, "setChatMenuButton", { menu_button: { type: "commands" } });
    await ok(emu, bot.token, "setChatMenuButton", { chat_id: alice.id, menu_button: app });
    expect(await ok(emu, bot.token, "getChatMenuButton")).toEqual({ type: "commands" });
    expect(await ok(emu, bot.token, "getChatMenuButton", { chat_id: alice.id })).toEqual(app);
    // without a button of its own, a chat shows the bot's default
    await ok(emu, bot.token, "setChatMenuButton", { chat_id: alice.id });
    expect(await ok(emu, bot.token, "getChatMenuButton", { chat_id: alice.id })).toEqual({
      type: "commands",
    });
    const bad = await call(emu, bot.token, "setChatMenuButton", {
      menu_button: { type: "web_app", text: "Open", web_app: { url: "http://plain.example" } },
    });
    expect(bad.status).toBe(400);
    expect(
      (await call(emu, bot.token, "setChatMenuButton", { menu_button: { type: "x" } })).status,
    ).toBe(400);
    expect((await call(emu, bot.token, "getChatMenuButton", { chat_id: 424242 })).status).toBe(400);
  });

  it("default administrator rights for groups and for channels, cleared without rights", async () => {
    const none = await ok<Record<string, boolean>>(
      emu,
      bot.token,
      "getMyDefaultAdministratorRights",
    );
    expect(none.can_manage_chat).toBe(false);
    expect(Object.values(none).every((v) => v === false)).toBe(true);
    await ok(emu, bot.token, "setMyDefaultAdministratorRights", {
      rights: { can_manage_chat: true, can_delete_messages: true, can_pin_messages: true },
    });
    await ok(emu, bot.token, "setMyDefaultAdministratorRights", {
      rights: { can_post_messages: true },
      for_channels: true,
    });
    expect(await ok(emu, bot.token, "getMyDefaultAdministratorRights")).toMatchObject({
      can_manage_chat: true,
      can_delete_messages: true,
      can_pin_messages: true,
      can_restrict_members: false,
    });
    expect(
      await ok(emu, bot.token, "getMyDefaultAdministratorRights", { for_channels: true }),
    ).toMatchObject({ can_post_messages: true, can_manage_chat: false });
    await ok(emu, bot.token, "setMyDefaultAdministratorRights", {});
    expect(
      (await ok<Record<string, boolean>>(emu, bot.token, "getMyDefaultAdministratorRights"))
        .can_manage_chat,
    ).toBe(false);
  });
});
