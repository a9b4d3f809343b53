import type { Update } from "@bot/types";

/**
 * A realistic message update of about 1 KB when serialised: a supergroup message
 * in a topic with a reply, entities, a forward origin and an inline keyboard.
 *
 * @param updateId The update id.
 * @returns A fresh update object.
 */
export function messageUpdate1k(updateId = 1): Update {
  return {
    update_id: updateId,
    message: {
      message_id: 4821,
      message_thread_id: 77,
      from: {
        id: 123456789,
        is_bot: false,
        first_name: "Zoë",
        last_name: "Ångström",
        username: "zoe_a",
        language_code: "en",
        is_premium: true,
      },
      chat: {
        id: -1001234567890,
        title: "Bot builders 🛠",
        username: "botbuilders",
        type: "supergroup",
        is_forum: true,
      },
      date: 1764000000,
      is_topic_message: true,
      reply_to_message: {
        message_id: 4810,
        from: { id: 987654321, is_bot: true, first_name: "Helper", username: "helper_bot" },
        chat: { id: -1001234567890, title: "Bot builders 🛠", type: "supergroup" },
        date: 1763999000,
        text: "Which framework do you use for your bots?",
      },
      forward_origin: {
        type: "user",
        date: 1763990000,
        sender_user: { id: 555, is_bot: false, first_name: "Ann" },
      },
      text: "/vote@helper_bot framework — @bot is fast 🚀 see https://example.org/docs and #typescript",
      entities: [
        { type: "bot_command", offset: 0, length: 16 },
        { type: "mention", offset: 37, length: 4 },
        { type: "url", offset: 59, length: 25 },
        { type: "hashtag", offset: 89, length: 11 },
      ],
      reply_markup: {
        inline_keyboard: [
          [
            { text: "👍 Agree", callback_data: "vote:agree:4821" },
            { text: "👎 Disagree", callback_data: "vote:disagree:4821" },
          ],
          [{ text: "Docs", url: "https://example.org/docs" }],
        ],
      },
    },
  };
}

/** The token every benchmark bot uses; it is never sent anywhere. */
export const BENCH_TOKEN = "123456789:bench-token-not-secret";

/** The `getMe` result every benchmark bot is given, so no benchmark makes a network call. */
export const BENCH_BOT_INFO = {
  id: 123456789,
  is_bot: true as const,
  first_name: "bench",
  username: "bench_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: true,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

let textUpdateId = 0;
/**
 * A private text message from user `chat` in chat `chat` (ids offset by 10 000), for the
 * session benchmarks; update ids rise across calls.
 *
 * @param chat The chat number.
 * @returns A fresh update.
 */
export function textUpdate(chat: number): Update {
  const id = ++textUpdateId;
  return {
    update_id: id,
    message: {
      message_id: id,
      date: 1_764_000_000,
      chat: { id: 10_000 + chat, type: "private", first_name: "U" },
      from: { id: 10_000 + chat, is_bot: false, first_name: "U" },
      text: "count",
    },
  };
}
