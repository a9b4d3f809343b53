import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot, EmulatorError } from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "proto_bot", first_name: "Proto" });
});
afterEach(() => emu.close());

describe("transport and envelope", () => {
  it("listens on 127.0.0.1 with an ephemeral port and answers getMe", async () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const me = await ok<Record<string, unknown>>(emu, bot.token, "getMe");
    expect(me).toMatchObject({
      id: bot.id,
      is_bot: true,
      username: "proto_bot",
      first_name: "Proto",
    });
  });

  it("treats method names case-insensitively and accepts GET with a query string", async () => {
    const res = await fetch(`${emu.apiRoot}/bot${bot.token}/GETME`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    const alice = emu.user({ first_name: "Alice" });
    alice.send("hi");
    const q = await fetch(
      `${emu.apiRoot}/bot${bot.token}/sendmessage?chat_id=${alice.id}&text=from%20query`,
    );
    expect(((await q.json()) as { result: { text: string } }).result.text).toBe("from query");
  });

  it("accepts urlencoded bodies with JSON-serialized parameters as strings", async () => {
    const alice = emu.user({ first_name: "Alice" });
    alice.send("hi");
    const markup = JSON.stringify({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] });
    const res = await fetch(`${emu.apiRoot}/bot${bot.token}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({
        chat_id: String(alice.id),
        text: "form",
        reply_markup: markup,
        disable_notification: "true",
      }),
    });
    const body = (await res.json()) as { result: { reply_markup: unknown; chat: { id: number } } };
    expect(body.result.reply_markup).toEqual({
      inline_keyboard: [[{ text: "A", callback_data: "a" }]],
    });
    expect(body.result.chat.id).toBe(alice.id);
  });

  it("answers 401 for an unknown token and 404 for an unknown method", async () => {
    const unauthorized = await call(emu, "123:nope", "getMe");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    const missing = await call(emu, bot.token, "getMePlease");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      ok: false,
      error_code: 404,
      description: "Not Found: method not found",
    });
  });

  it("says plainly when a real method is not supported", async () => {
    const a = await call(emu, bot.token, "createInvoiceLink", {});
    expect(a.status).toBe(501);
    expect(a.body).toEqual({
      ok: false,
      error_code: 501,
      description: "Not Implemented: method createInvoiceLink is not supported by the emulator",
    });
  });

  it("serves the test environment only at /bot<token>/test/<method>", async () => {
    const testBot = emu.createBot({ username: "test_env_bot", testEnvironment: true });
    const viaTest = await fetch(`${emu.apiRoot}/bot${testBot.token}/test/getMe`);
    expect(viaTest.status).toBe(200);
    expect((await call(emu, testBot.token, "getMe")).status).toBe(401);
    const prodViaTest = await fetch(`${emu.apiRoot}/bot${bot.token}/test/getMe`);
    expect(prodViaTest.status).toBe(401);
  });

  it("answers 400 for a malformed JSON body", async () => {
    const res = await fetch(`${emu.apiRoot}/bot${bot.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { description: string }).description).toMatch(/^Bad Request: /);
  });
});

describe("parameter validation like Telegram", () => {
  let chatId: number;
  beforeEach(() => {
    const alice = emu.user({ first_name: "Alice" });
    alice.send("/start");
    chatId = alice.id;
  });

  it.each([
    ["missing chat_id", { text: "x" }, "Bad Request: chat_id is empty"],
    ["missing text", { chat_id: 0 }, "Bad Request: message text is empty"],
    ["empty text", { chat_id: 0, text: "" }, "Bad Request: message text is empty"],
    ["blank text", { chat_id: 0, text: "   " }, "Bad Request: message text is empty"],
    ["unknown chat", { chat_id: 42, text: "x" }, "Bad Request: chat not found"],
    ["text over 4096", { chat_id: 0, text: "x".repeat(4097) }, "Bad Request: message is too long"],
    [
      "callback_data over 64 bytes",
      {
        chat_id: 0,
        text: "x",
        reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "é".repeat(33) }]] },
      },
      "Bad Request: BUTTON_DATA_INVALID",
    ],
    [
      "bad HTML",
      { chat_id: 0, text: "<b>open", parse_mode: "HTML" },
      /^Bad Request: can't parse entities/,
    ],
    [
      "reserved MarkdownV2 character",
      { chat_id: 0, text: "1.5", parse_mode: "MarkdownV2" },
      /^Bad Request: can't parse entities/,
    ],
  ])("%s gets a 400", async (_name, params, description) => {
    const p = { ...params } as Record<string, unknown>;
    if (p.chat_id === 0) p.chat_id = chatId;
    const a = await call(emu, bot.token, "sendMessage", p);
    expect(a.status).toBe(400);
    expect(a.body.ok).toBe(false);
    expect(a.body.error_code).toBe(400);
    if (typeof description === "string") expect(a.body.description).toBe(description);
    else expect(a.body.description).toMatch(description);
  });

  it("accepts exactly 4096 characters and 64-byte callback data", async () => {
    const a = await call(emu, bot.token, "sendMessage", {
      chat_id: chatId,
      text: "😀".repeat(4096),
      reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "x".repeat(64) }]] },
    });
    expect(a.body.ok).toBe(true);
  });

  it("checks required parameters of any method from METHOD_SPECS", async () => {
    const a = await call(emu, bot.token, "getChatMember", { chat_id: chatId });
    expect(a.status).toBe(400);
    expect(a.body.description).toBe("Bad Request: user not found");
    const b = await call(emu, bot.token, "sendPoll", { chat_id: chatId });
    expect(b.body.description).toBe('Bad Request: parameter "question" is required');
  });

  it("refuses to start a private conversation the user never began", async () => {
    const bob = emu.user({ first_name: "Bob" });
    const a = await call(emu, bot.token, "sendMessage", { chat_id: bob.id, text: "hello?" });
    expect(a.status).toBe(403);
    expect(a.body.description).toBe("Forbidden: bot can't initiate conversation with a user");
  });

  it("parses HTML and MarkdownV2 into entities and stores explicit entities as given", async () => {
    const html = await ok<{ text: string; entities: unknown[] }>(emu, bot.token, "sendMessage", {
      chat_id: chatId,
      text: '<b>bold</b> &amp; <a href="https://x.y/">link</a>',
      parse_mode: "HTML",
    });
    expect(html.text).toBe("bold & link");
    expect(html.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
      { type: "text_link", offset: 7, length: 4, url: "https://x.y/" },
    ]);
    const md = await ok<{ text: string; entities: unknown[] }>(emu, bot.token, "sendMessage", {
      chat_id: chatId,
      text: "*hi* _you_ 1\\.5",
      parse_mode: "MarkdownV2",
    });
    expect(md.text).toBe("hi you 1.5");
    expect(md.entities).toEqual([
      { type: "bold", offset: 0, length: 2 },
      { type: "italic", offset: 3, length: 3 },
    ]);
    const given = [{ type: "italic", offset: 0, length: 3 }];
    const plain = await ok<{ entities: unknown }>(emu, bot.token, "sendMessage", {
      chat_id: chatId,
      text: "abc",
      entities: given,
      parse_mode: "HTML",
    });
    expect(plain.entities).toEqual(given);
  });

  it("edits, rejects a no-op edit, and deletes", async () => {
    const m = await ok<{ message_id: number }>(emu, bot.token, "sendMessage", {
      chat_id: chatId,
      text: "v1",
    });
    const e = await ok<{ text: string; edit_date: number }>(emu, bot.token, "editMessageText", {
      chat_id: chatId,
      message_id: m.message_id,
      text: "v2",
    });
    expect(e.text).toBe("v2");
    expect(e.edit_date).toBeTypeOf("number");
    const same = await call(emu, bot.token, "editMessageText", {
      chat_id: chatId,
      message_id: m.message_id,
      text: "v2",
    });
    expect(same.body.description).toMatch(/^Bad Request: message is not modified/);
    expect(
      await ok(emu, bot.token, "deleteMessage", { chat_id: chatId, message_id: m.message_id }),
    ).toBe(true);
    const again = await call(emu, bot.token, "deleteMessage", {
      chat_id: chatId,
      message_id: m.message_id,
    });
    expect(again.body.description).toBe("Bad Request: message to delete not found");
    expect(emu.chat(chatId).messages.map((x) => x.text)).toEqual(["/start"]);
  });

  it("forwards and copies, stores commands, answers getChat and getChatMember", async () => {
    const src = emu.chat(chatId).messages[0];
    const fwd = await ok<{ forward_origin: { type: string }; text: string }>(
      emu,
      bot.token,
      "forwardMessage",
      { chat_id: chatId, from_chat_id: chatId, message_id: src?.message_id },
    );
    expect(fwd).toMatchObject({ text: "/start", forward_origin: { type: "user" } });
    const copy = await ok<{ message_id: number }>(emu, bot.token, "copyMessage", {
      chat_id: chatId,
      from_chat_id: chatId,
      message_id: src?.message_id,
    });
    expect(emu.chat(chatId).last()).toMatchObject({ message_id: copy.message_id, text: "/start" });
    expect(emu.chat(chatId).last()?.forward_origin).toBeUndefined();
    await ok(emu, bot.token, "setMyCommands", {
      commands: [{ command: "start", description: "Start" }],
    });
    expect(await ok(emu, bot.token, "getMyCommands")).toEqual([
      { command: "start", description: "Start" },
    ]);
    const bad = await call(emu, bot.token, "setMyCommands", {
      commands: [{ command: "Start!", description: "x" }],
    });
    expect(bad.body.description).toBe("Bad Request: BOT_COMMAND_INVALID");
    expect(await ok(emu, bot.token, "getChat", { chat_id: chatId })).toMatchObject({
      id: chatId,
      type: "private",
      first_name: "Alice",
    });
    expect(
      await ok(emu, bot.token, "getChatMember", { chat_id: chatId, user_id: chatId }),
    ).toMatchObject({ status: "member" });
  });

  it("sends chat actions, polls and stops polls", async () => {
    expect(await ok(emu, bot.token, "sendChatAction", { chat_id: chatId, action: "typing" })).toBe(
      true,
    );
    expect(
      (await call(emu, bot.token, "sendChatAction", { chat_id: chatId, action: "dancing" })).status,
    ).toBe(400);
    const poll = await ok<{ message_id: number; poll: { options: { text: string }[] } }>(
      emu,
      bot.token,
      "sendPoll",
      {
        chat_id: chatId,
        question: "Tea?",
        options: [{ text: "Yes" }, "No"],
      },
    );
    expect(poll.poll.options.map((o) => o.text)).toEqual(["Yes", "No"]);
    const stopped = await ok<{ is_closed: boolean }>(emu, bot.token, "stopPoll", {
      chat_id: chatId,
      message_id: poll.message_id,
    });
    expect(stopped.is_closed).toBe(true);
  });
});

describe("programmatic API", () => {
  it("validates options with package-prefixed messages", async () => {
    await expect(createEmulator({ port: -1 })).rejects.toThrow(
      /^@bot\/emulator: port must be 0-65535/,
    );
    await expect(createEmulator({ port: -1 })).rejects.toSatisfy(
      (e: unknown) => EmulatorError.is(e) && e.code === "BOT_EMULATOR_INVALID_OPTIONS",
    );
  });

  it("keeps the token out of inspect and JSON of the bot handle", async () => {
    const { inspect } = await import("node:util");
    expect(inspect(bot)).not.toContain(bot.token);
    expect(JSON.stringify(bot)).not.toContain(bot.token);
    expect(bot.token).toMatch(/^\d+:/);
  });
});

describe("paths", () => {
  it("answers 404 for other paths and 401 for undecodable tokens, without echoing them", async () => {
    const root = await fetch(`${emu.apiRoot}/`);
    expect(root.status).toBe(404);
    const bad = await fetch(`${emu.apiRoot}/bot%zz${bot.token}/getMe`);
    expect(bad.status).toBe(401);
    expect(await bad.text()).not.toContain(bot.token);
  });
});
