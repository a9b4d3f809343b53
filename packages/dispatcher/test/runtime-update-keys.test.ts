import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import { updateChatId, updateKey, updateUserId } from "../src/advanced.js";
import { Context } from "../src/index.js";
import { BOT_INFO } from "./fixtures/polling-helpers.js";

const user = { id: 7, is_bot: false, first_name: "U" };
const chat = { id: -100, type: "group", title: "G" } as const;
const message = { message_id: 1, date: 1, chat, from: user, text: "hi" };
/** A channel post has no `from`. */
const post = { message_id: 1, date: 1, chat, text: "hi" };

/** One update of many kinds, with the chat and user each should give. */
const cases: Array<[string, Update, number | undefined, number | undefined]> = [
  ["message", { update_id: 1, message }, -100, 7],
  ["channel_post", { update_id: 1, channel_post: post }, -100, undefined],
  ["guest_message", { update_id: 1, guest_message: message } as Update, -100, 7],
  [
    "callback_query",
    { update_id: 1, callback_query: { id: "q", from: user, chat_instance: "c", message } },
    -100,
    7,
  ],
  [
    "callback_query (inaccessible message)",
    {
      update_id: 1,
      callback_query: {
        id: "q",
        from: user,
        chat_instance: "c",
        message: { chat, message_id: 1, date: 0 },
      },
    },
    -100,
    7,
  ],
  [
    "inline_query",
    { update_id: 1, inline_query: { id: "q", from: user, query: "", offset: "" } },
    undefined,
    7,
  ],
  [
    "poll_answer",
    { update_id: 1, poll_answer: { poll_id: "p", user, option_ids: [0] } } as Update,
    undefined,
    7,
  ],
  [
    "message_reaction",
    {
      update_id: 1,
      message_reaction: { chat, message_id: 1, user, date: 1, old_reaction: [], new_reaction: [] },
    },
    -100,
    7,
  ],
  [
    "managed_bot",
    { update_id: 1, managed_bot: { user, bot: { ...user, id: 9, is_bot: true } } } as Update,
    undefined,
    7,
  ],
  [
    "business_connection",
    {
      update_id: 1,
      business_connection: { id: "b", user, user_chat_id: 7, date: 1, is_enabled: true },
    } as Update,
    undefined,
    7,
  ],
  ["poll", { update_id: 1, poll: { id: "p" } } as Update, undefined, undefined],
  ["empty", { update_id: 1 } as Update, undefined, undefined],
];

describe("the chat and the user of an update: one function", () => {
  it.each(cases)("%s", (_kind, update, chatId, userId) => {
    expect(updateChatId(update)).toBe(chatId);
    expect(updateUserId(update)).toBe(userId);
    expect(updateKey(update)).toBe(chatId ?? userId);
    // the context uses the same functions
    const ctx = new Context(update, {} as never, BOT_INFO);
    expect(ctx.chatId).toBe(chatId);
    expect(ctx.from?.id).toBe(userId);
  });
});
