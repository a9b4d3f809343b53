import { InputFile } from "@bot/client";
import type { Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WebhookReplySink } from "../src/advanced.js";
import { Bot, Context, DispatcherError } from "../src/index.js";
import {
  callbackUpdate,
  commandUpdate,
  type FakeApi,
  inlineUpdate,
  ME,
  startFakeApi,
  TOKEN,
  textUpdate,
} from "./core-helpers.js";

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi((call) =>
    call.method.startsWith("send")
      ? { message_id: 9, date: 1, chat: { id: 1, type: "private" } }
      : true,
  );
});
afterEach(async () => {
  await api.close();
});

function newBot(): Bot {
  const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
  bot.catch((e) => {
    throw e.error;
  });
  return bot;
}

describe("Context getters", () => {
  it("expose update, api, me and shortcuts for messages", async () => {
    const bot = newBot();
    let seen: Record<string, unknown> = {};
    bot.use((ctx) => {
      seen = {
        kind: ctx.updateKind,
        msg: ctx.msg?.text,
        chatId: ctx.chatId,
        from: ctx.from?.id,
        me: ctx.me.username,
        apiShared: ctx.api === api.client,
        sender: ctx.senderChat?.id,
      };
    });
    await bot.handleUpdate(
      textUpdate("hi", { sender_chat: { id: -7, type: "channel", title: "c" } }),
    );
    expect(seen).toEqual({
      kind: "message",
      msg: "hi",
      chatId: 42,
      from: 42,
      me: "our_bot",
      apiShared: true,
      sender: -7,
    });
  });

  it("find chat, user and inline message across kinds", async () => {
    const bot = newBot();
    const seen: unknown[] = [];
    bot.use((ctx) => {
      seen.push([
        ctx.updateKind,
        ctx.chat?.id,
        ctx.from?.id,
        ctx.inlineMessageId,
        ctx.msg?.message_id,
      ]);
    });
    await bot.handleUpdate(callbackUpdate("x"));
    await bot.handleUpdate(callbackUpdate("y", true));
    await bot.handleUpdate(inlineUpdate("q"));
    await bot.handleUpdate({
      update_id: 5,
      message_reaction: {
        chat: { id: -3, type: "group", title: "g" },
        message_id: 2,
        user: { id: 8, is_bot: false, first_name: "R" },
        date: 1,
        old_reaction: [],
        new_reaction: [],
      },
    });
    expect(seen).toEqual([
      ["callback_query", 42, 42, undefined, 7],
      ["callback_query", undefined, 42, "im1", undefined],
      ["inline_query", undefined, 42, undefined, undefined],
      ["message_reaction", -3, 8, undefined, undefined],
    ]);
  });
});

describe("Context actions over a real client", () => {
  it("reply pre-fills chat, topic and business connection", async () => {
    const bot = newBot();
    bot.on(["message", "business_message"], async (ctx) => {
      await ctx.reply("pong", { disable_notification: true });
    });
    await bot.handleUpdate(textUpdate("ping"));
    await bot.handleUpdate(
      textUpdate("ping", {
        chat: { id: -100, type: "supergroup", title: "s", is_forum: true },
        is_topic_message: true,
        message_thread_id: 77,
      }),
    );
    await bot.handleUpdate(
      textUpdate("ping", { business_connection_id: "bc1" }, "business_message"),
    );
    expect(api.calls.map((c) => c.params)).toEqual([
      { chat_id: 42, text: "pong", disable_notification: true },
      { chat_id: -100, message_thread_id: 77, text: "pong", disable_notification: true },
      { chat_id: 42, business_connection_id: "bc1", text: "pong", disable_notification: true },
    ]);
  });

  it("does not put the thread of a plain reply chain into replies", async () => {
    const bot = newBot();
    bot.on("message", (ctx) => ctx.replyWithPhoto("file-id", { caption: "c" }));
    await bot.handleUpdate(textUpdate("x", { message_thread_id: 5 }));
    expect(api.calls).toEqual([
      { method: "sendPhoto", params: { chat_id: 42, photo: "file-id", caption: "c" } },
    ]);
  });

  it("the other reply helpers pre-fill the chat too", async () => {
    const bot = newBot();
    bot.on("message", async (ctx) => {
      await ctx.replyWithPoll("Q?", [{ text: "a" }, { text: "b" }]);
      await ctx.replyWithMediaGroup([
        { type: "photo", media: "f1" },
        { type: "photo", media: "f2" },
      ]);
      await ctx.replyWithChatAction("typing");
    });
    await bot.handleUpdate(textUpdate("x"));
    expect(api.calls.map((c) => [c.method, c.params])).toEqual([
      ["sendPoll", { chat_id: 42, question: "Q?", options: [{ text: "a" }, { text: "b" }] }],
      [
        "sendMediaGroup",
        {
          chat_id: 42,
          media: [
            { type: "photo", media: "f1" },
            { type: "photo", media: "f2" },
          ],
        },
      ],
      ["sendChatAction", { chat_id: 42, action: "typing" }],
    ]);
  });

  it("answers callback queries and edits their message or inline message", async () => {
    const bot = newBot();
    bot.on("callback_query", async (ctx) => {
      await ctx.answerCallbackQuery({ text: "ok" });
      await ctx.editMessageText("new");
      await ctx.editMessageReplyMarkup({ inline_keyboard: [] });
    });
    await bot.handleUpdate(callbackUpdate("a"));
    await bot.handleUpdate(callbackUpdate("b", true));
    expect(api.calls.map((c) => [c.method, c.params])).toEqual([
      ["answerCallbackQuery", { text: "ok", callback_query_id: expect.stringMatching(/^cq/) }],
      ["editMessageText", { chat_id: 42, message_id: 7, text: "new" }],
      [
        "editMessageReplyMarkup",
        { chat_id: 42, message_id: 7, reply_markup: { inline_keyboard: [] } },
      ],
      ["answerCallbackQuery", { text: "ok", callback_query_id: expect.stringMatching(/^cq/) }],
      ["editMessageText", { inline_message_id: "im1", text: "new" }],
      [
        "editMessageReplyMarkup",
        { inline_message_id: "im1", reply_markup: { inline_keyboard: [] } },
      ],
    ]);
  });

  it("answers inline queries, deletes and reacts", async () => {
    const bot = newBot();
    bot.on("inline_query", (ctx) => ctx.answerInlineQuery([], { cache_time: 1 }));
    bot.command("del", async (ctx) => {
      await ctx.react("👍");
      await ctx.deleteMessage();
    });
    await bot.handleUpdate(inlineUpdate("q"));
    const cmd = commandUpdate("/del");
    await bot.handleUpdate(cmd);
    const id = cmd.message?.message_id;
    expect(api.calls.map((c) => [c.method, c.params])).toEqual([
      [
        "answerInlineQuery",
        { cache_time: 1, inline_query_id: expect.stringMatching(/^iq/), results: [] },
      ],
      [
        "setMessageReaction",
        { chat_id: 42, message_id: id, reaction: [{ type: "emoji", emoji: "👍" }] },
      ],
      ["deleteMessage", { chat_id: 42, message_id: id }],
    ]);
  });

  it("answers shipping and pre-checkout queries and chat join requests", async () => {
    const bot = newBot();
    bot.on("shipping_query", (ctx) => ctx.answerShippingQuery(false, { error_message: "no" }));
    bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
    bot.on("chat_join_request", (ctx) => ctx.approveChatJoinRequest());
    const from = { id: 42, is_bot: false, first_name: "Ann" };
    const address = {
      country_code: "DE",
      state: "",
      city: "B",
      street_line1: "s",
      street_line2: "",
      post_code: "1",
    };
    await bot.handleUpdate({
      update_id: 1,
      shipping_query: { id: "sq1", from, invoice_payload: "p", shipping_address: address },
    });
    await bot.handleUpdate({
      update_id: 2,
      pre_checkout_query: {
        id: "pq1",
        from,
        currency: "XTR",
        total_amount: 1,
        invoice_payload: "p",
      },
    });
    await bot.handleUpdate({
      update_id: 3,
      chat_join_request: {
        chat: { id: -100, type: "supergroup", title: "s" },
        from,
        user_chat_id: 42,
        date: 1,
      },
    });
    expect(api.calls.map((c) => [c.method, c.params])).toEqual([
      ["answerShippingQuery", { shipping_query_id: "sq1", ok: false, error_message: "no" }],
      ["answerPreCheckoutQuery", { pre_checkout_query_id: "pq1", ok: true }],
      ["approveChatJoinRequest", { chat_id: -100, user_id: 42 }],
    ]);
  });

  it("a shortcut on the wrong kind of update throws BOT_DISPATCHER_NO_TARGET and calls nothing", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    const errors: unknown[] = [];
    bot.catch((e) => void errors.push(e.error));
    bot.use((ctx) => ctx.answerPreCheckoutQuery(true));
    await bot.handleUpdate(textUpdate("x"));
    expect((errors[0] as DispatcherError).code).toBe("BOT_DISPATCHER_NO_TARGET");
    expect(api.calls).toEqual([]);
  });

  it("throws a typed error when there is nothing to reply to", async () => {
    const bot = new Bot(TOKEN, { client: api.client, botInfo: ME });
    const errors: unknown[] = [];
    bot.catch((e) => void errors.push(e.error));
    bot.use((ctx) => ctx.reply("x"));
    await bot.handleUpdate(inlineUpdate("q"));
    expect(errors[0]).toBeInstanceOf(DispatcherError);
    expect((errors[0] as DispatcherError).code).toBe("BOT_DISPATCHER_NO_CHAT");
    expect(api.calls).toEqual([]);
  });
});

describe("webhookReply", () => {
  function sink(accept: boolean): WebhookReplySink & { offers: unknown[] } {
    const offers: unknown[] = [];
    return {
      offers,
      offer: (method, params) => {
        offers.push([method, params]);
        return accept;
      },
    };
  }

  it("hands one call to the sink, then falls back to the API", async () => {
    const bot = newBot();
    bot.use(async (ctx) => {
      await ctx.webhookReply("sendMessage", { chat_id: 1, text: "a" });
      await ctx.webhookReply("sendMessage", { chat_id: 1, text: "b" });
    });
    const s = sink(true);
    await bot.handleUpdate(textUpdate("x"), { webhookReply: s });
    expect(s.offers).toEqual([["sendMessage", { chat_id: 1, text: "a" }]]);
    expect(api.calls.map((c) => c.params.text)).toEqual(["b"]);
  });

  it("never offers a file, and uses the API when the sink declines or is absent", async () => {
    const bot = newBot();
    bot.use(async (ctx) => {
      await ctx.webhookReply("sendPhoto", {
        chat_id: 1,
        photo: InputFile.fromBuffer(Buffer.from("x"), "a.png"),
      });
      await ctx.webhookReply("sendMessage", { chat_id: 1, text: "t" });
    });
    const s = sink(false);
    await bot.handleUpdate(textUpdate("x"), { webhookReply: s });
    await bot.handleUpdate(textUpdate("y"));
    expect(s.offers).toEqual([["sendMessage", { chat_id: 1, text: "t" }]]);
    expect(api.calls.map((c) => c.method)).toEqual([
      "sendPhoto",
      "sendMessage",
      "sendPhoto",
      "sendMessage",
    ]);
  });
});

describe("custom context", () => {
  it("uses the contextConstructor and flavors", async () => {
    class MyContext extends Context {
      get shout(): string {
        return (this.message?.text ?? "").toUpperCase();
      }
    }
    const bot = new Bot<MyContext & { extra?: number }>(TOKEN, {
      client: api.client,
      botInfo: ME,
      contextConstructor: MyContext,
    });
    const seen: unknown[] = [];
    bot.use((ctx, next) => {
      ctx.extra = 5;
      return next();
    });
    bot.on("message:text", (ctx) => void seen.push(ctx instanceof MyContext, ctx.shout, ctx.extra));
    const u: Update = textUpdate("hey");
    await bot.handleUpdate(u);
    expect(seen).toEqual([true, "HEY", 5]);
  });
});
