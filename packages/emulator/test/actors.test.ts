import type { Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEmulator,
  type Emulator,
  type EmulatorBot,
  EmulatorError,
  type UserActor,
} from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "actor_bot", first_name: "Actor" });
  alice = emu.user({ first_name: "Alice", username: "alice" });
});
afterEach(() => emu.close());

const updates = () => ok<Update[]>(emu, bot.token, "getUpdates");

describe("actors", () => {
  it("send() delivers a message update with bot_command entities", async () => {
    const sent = alice.send("/start@actor_bot payload");
    expect(sent.entities).toEqual([{ type: "bot_command", offset: 0, length: 16 }]);
    const [u] = await updates();
    expect(u?.message).toMatchObject({
      message_id: sent.message_id,
      text: "/start@actor_bot payload",
      from: { id: alice.id, is_bot: false, first_name: "Alice", username: "alice" },
      chat: { id: alice.id, type: "private", first_name: "Alice", username: "alice" },
    });
    expect(alice.send("hi @someone #tag").entities?.map((e) => e.type)).toEqual([
      "mention",
      "hashtag",
    ]);
  });

  it("message ids rise per chat and are shared between the user and bot side", async () => {
    const a = alice.send("one");
    const reply = await ok<{ message_id: number }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "two",
    });
    const b = alice.send("three");
    expect([a.message_id, reply.message_id, b.message_id]).toEqual([1, 2, 3]);
  });

  it("nextMessage() returns the bot's replies in order, even ones sent before the call", async () => {
    alice.send("/start");
    await ok(emu, bot.token, "sendMessage", { chat_id: alice.id, text: "first" });
    await ok(emu, bot.token, "sendMessage", { chat_id: alice.id, text: "second" });
    expect((await alice.nextMessage()).text).toBe("first");
    expect((await alice.nextMessage()).text).toBe("second");
    const later = alice.nextMessage({ timeoutMs: 2_000 });
    await ok(emu, bot.token, "sendMessage", { chat_id: alice.id, text: "third" });
    expect((await later).text).toBe("third");
    await expect(alice.nextMessage({ timeoutMs: 20 })).rejects.toSatisfy(
      (e: unknown) => EmulatorError.is(e) && e.code === "BOT_EMULATOR_TIMEOUT",
    );
  });

  it("click() sends a callback_query for a button of the bot's last keyboard; the answer is recorded", async () => {
    alice.send("/menu");
    const menu = await ok<{ message_id: number }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "Pick",
      reply_markup: {
        inline_keyboard: [
          [
            { text: "Red", callback_data: "color:red" },
            { text: "Site", url: "https://x.y" },
          ],
        ],
      },
    });
    await updates();
    const query = alice.click("Red");
    expect(query.data).toBe("color:red");
    const [u] = await ok<Update[]>(emu, bot.token, "getUpdates", { offset: -1 });
    expect(u?.callback_query).toMatchObject({
      id: query.id,
      data: "color:red",
      from: { id: alice.id },
      message: { message_id: menu.message_id },
    });
    expect(alice.click("color:red").data).toBe("color:red");
    expect(() => alice.click("Site")).toThrow(/no callback button/);
    expect(() => alice.click("Blue")).toThrow(EmulatorError);

    const answered = emu.waitFor((e) => e?.type === "callback_answer" && e);
    expect(
      await ok(emu, bot.token, "answerCallbackQuery", {
        callback_query_id: query.id,
        text: "Red it is",
      }),
    ).toBe(true);
    expect(await answered).toMatchObject({
      queryId: query.id,
      text: "Red it is",
      showAlert: false,
    });
    const twice = await call(emu, bot.token, "answerCallbackQuery", {
      callback_query_id: query.id,
    });
    expect(twice.body.description).toBe(
      "Bad Request: query is too old and response timeout expired or query ID is invalid",
    );
  });

  it("waitFor() sees edits and deletions of the bot's messages", async () => {
    alice.send("/start");
    const m = await ok<{ message_id: number }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "count: 0",
      reply_markup: { inline_keyboard: [[{ text: "+1", callback_data: "inc" }]] },
    });
    const edited = emu.waitFor((e) => e?.type === "edit" && e.message);
    await ok(emu, bot.token, "editMessageText", {
      chat_id: alice.id,
      message_id: m.message_id,
      text: "count: 1",
    });
    expect((await edited).text).toBe("count: 1");
    expect(emu.chat(alice.id).last()?.reply_markup).toBeUndefined();
    await ok(emu, bot.token, "editMessageReplyMarkup", {
      chat_id: alice.id,
      message_id: m.message_id,
      reply_markup: { inline_keyboard: [[{ text: "+2", callback_data: "inc2" }]] },
    });
    expect(emu.chat(alice.id).last()?.reply_markup?.inline_keyboard[0]?.[0]?.text).toBe("+2");
    const deleted = emu.waitFor((e) => e?.type === "delete" && e.messageId);
    await ok(emu, bot.token, "deleteMessage", { chat_id: alice.id, message_id: m.message_id });
    expect(await deleted).toBe(m.message_id);
    const state = await emu.waitFor(() =>
      emu.chat(alice.id).messages.every((x) => x.message_id !== m.message_id),
    );
    expect(state).toBe(true);
  });

  it("inline() sends an inline_query; answerInlineQuery is checked and recorded", async () => {
    const q = alice.inline("cats", { offset: "" });
    const [u] = await updates();
    expect(u?.inline_query).toMatchObject({ id: q.id, query: "cats", from: { id: alice.id } });
    const dup = await call(emu, bot.token, "answerInlineQuery", {
      inline_query_id: q.id,
      results: [
        { type: "article", id: "1", title: "a", input_message_content: { message_text: "a" } },
        { type: "article", id: "1", title: "b", input_message_content: { message_text: "b" } },
      ],
    });
    expect(dup.body.description).toBe("Bad Request: RESULT_ID_DUPLICATE");
    const answer = emu.waitFor((e) => e?.type === "inline_answer" && e);
    await ok(emu, bot.token, "answerInlineQuery", {
      inline_query_id: q.id,
      results: [
        { type: "article", id: "1", title: "a", input_message_content: { message_text: "a" } },
      ],
    });
    expect((await answer).results).toHaveLength(1);
  });

  it("groups: members talk with { chat }, join() announces new members, bots reply in the group", async () => {
    const bob = emu.user({ first_name: "Bob" });
    const group = emu.group({ title: "Friends", members: [alice] });
    alice.send("/ping", { chat: group });
    bob.join(group);
    bob.send("hi all", { chat: group });
    const us = await updates();
    expect(
      us.map((u) => u.message?.text ?? (u.message?.new_chat_members ? "joined" : "?")),
    ).toEqual(["/ping", "joined", "hi all"]);
    expect(us[0]?.message?.chat).toEqual({ id: group.id, type: "group", title: "Friends" });
    expect(group.id).toBeLessThan(0);
    await ok(emu, bot.token, "sendMessage", { chat_id: group.id, text: "pong" });
    expect((await alice.nextMessage({ chat: group })).text).toBe("pong");
    expect((await bob.nextMessage({ chat: group })).text).toBe("pong");
    expect(
      await ok(emu, bot.token, "getChatMember", { chat_id: group.id, user_id: alice.id }),
    ).toMatchObject({ status: "creator" });
    expect(await ok(emu, bot.token, "getChatMemberCount", { chat_id: group.id })).toBe(3);
    const carol = emu.user({ first_name: "Carol" });
    expect(() => carol.send("let me in", { chat: group })).toThrow(EmulatorError);
    const outsider = await call(
      emu,
      emu.createBot({ username: "outside_bot" }).token,
      "sendMessage",
      { chat_id: group.id, text: "x" },
    );
    expect(outsider.body.description).toBe("Bad Request: chat not found");
  });

  it("supergroups with topics and channels", async () => {
    const forum = emu.supergroup({ title: "Forum", members: [alice], forum: true });
    expect(String(forum.id)).toMatch(/^-100\d+/);
    const topic = await ok<{ message_thread_id: number }>(emu, bot.token, "createForumTopic", {
      chat_id: forum.id,
      name: "News",
    });
    alice.send("in topic", { chat: forum, thread: topic.message_thread_id });
    const [u] = await updates();
    expect(u?.message).toMatchObject({
      message_thread_id: topic.message_thread_id,
      is_topic_message: true,
      chat: { is_forum: true, type: "supergroup" },
    });
    const reply = await ok<{ message_thread_id: number }>(emu, bot.token, "sendMessage", {
      chat_id: forum.id,
      message_thread_id: topic.message_thread_id,
      text: "ok",
    });
    expect(reply.message_thread_id).toBe(topic.message_thread_id);
    const wrongTopic = await call(emu, bot.token, "sendMessage", {
      chat_id: forum.id,
      message_thread_id: 999,
      text: "x",
    });
    expect(wrongTopic.body.description).toBe("Bad Request: message thread not found");

    const channel = emu.channel({ title: "News", username: "newschan" });
    const post = await ok<{ sender_chat: { id: number }; from?: unknown }>(
      emu,
      bot.token,
      "sendMessage",
      { chat_id: "@newschan", text: "post" },
    );
    expect(post.sender_chat.id).toBe(channel.id);
    expect(post.from).toBeUndefined();
  });

  it("updates go to the bot the user talks to", async () => {
    const second = emu.createBot({ username: "second_bot" });
    alice.send("to default");
    alice.send("to second", { bot: second });
    expect((await updates()).map((u) => u.message?.text)).toEqual(["to default"]);
    expect(
      (await ok<Update[]>(emu, second.token, "getUpdates")).map((u) => u.message?.text),
    ).toEqual(["to second"]);
    const carol = emu.user({ first_name: "Carol", bot: second });
    carol.send("carol to second");
    expect(
      (await ok<Update[]>(emu, second.token, "getUpdates", { offset: -1 }))[0]?.message?.text,
    ).toBe("carol to second");
  });

  it("a blocked bot gets 403", async () => {
    alice.send("/start");
    alice.block();
    const a = await call(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "still there?",
    });
    expect(a.status).toBe(403);
    expect(a.body.description).toBe("Forbidden: bot was blocked by the user");
  });
});
