import type {
  CallbackQuery,
  Chat,
  InlineQuery,
  Message,
  MessageEntity,
  PhotoSize,
  User,
} from "@bot/types";
import { describe, expectTypeOf, it } from "vitest";
import { Bot, Composer, Context, type Filter, matchFilter } from "../src/index.js";

const bot = new Bot("1:x");

describe("filter queries narrow the context", () => {
  it("message:text makes text a string on message, msg and update", () => {
    bot.on("message:text", (ctx) => {
      expectTypeOf(ctx.message.text).toEqualTypeOf<string>();
      expectTypeOf(ctx.msg.text).toEqualTypeOf<string>();
      expectTypeOf(ctx.update.message.text).toEqualTypeOf<string>();
      expectTypeOf(ctx.chat).toEqualTypeOf<Chat>();
      expectTypeOf(ctx.chatId).toEqualTypeOf<number>();
      expectTypeOf(ctx.message.photo).toEqualTypeOf<PhotoSize[] | undefined>();
      // @ts-expect-error the filter does not guarantee a photo
      ctx.message.photo.length;
      // @ts-expect-error a message:text update is not a callback query
      ctx.callbackQuery.data;
    });
  });

  it("edited_message:photo, callback_query:data, inline_query", () => {
    bot.on("edited_message:photo", (ctx) => {
      expectTypeOf(ctx.editedMessage.photo).toEqualTypeOf<PhotoSize[]>();
      expectTypeOf(ctx.msg.photo).toEqualTypeOf<PhotoSize[]>();
    });
    bot.on("callback_query:data", (ctx) => {
      expectTypeOf(ctx.callbackQuery.data).toEqualTypeOf<string>();
      expectTypeOf(ctx.from).toEqualTypeOf<User>();
    });
    bot.on("callback_query", (ctx) => {
      expectTypeOf(ctx.callbackQuery).toMatchTypeOf<CallbackQuery>();
      // @ts-expect-error data is not guaranteed without ":data"
      ctx.callbackQuery.data.length;
    });
    bot.on("inline_query", (ctx) => {
      expectTypeOf(ctx.inlineQuery).toEqualTypeOf<InlineQuery>();
    });
  });

  it("shortcuts, entities and or-lists", () => {
    bot.on(":text", (ctx) => {
      expectTypeOf(ctx.msg.text).toEqualTypeOf<string>();
      // @ts-expect-error could be a channel post, so message may be undefined
      ctx.message.text;
    });
    bot.on(":entities:url", (ctx) => {
      expectTypeOf(ctx.msg.entities).toEqualTypeOf<MessageEntity[]>();
      expectTypeOf(ctx.msg.text).toEqualTypeOf<string>();
    });
    bot.on(["message:photo", "message:video"], (ctx) => {
      expectTypeOf(ctx.message).toMatchTypeOf<Message>();
      // @ts-expect-error a video message has no guaranteed photo
      ctx.message.photo.length;
    });
  });

  it("chaining means and", () => {
    bot.on("message").on(":photo", (ctx) => {
      expectTypeOf(ctx.message.photo).toEqualTypeOf<PhotoSize[]>();
    });
  });

  it("typos do not compile", () => {
    // @ts-expect-error unknown kind
    bot.on("mesage");
    // @ts-expect-error unknown field
    bot.on("message:txt");
    // @ts-expect-error unknown entity
    bot.on(":entities:link");
  });
});

describe("verbs narrow too", () => {
  it("command, hears, callbackQuery, chatType", () => {
    bot.command("start", (ctx) => {
      expectTypeOf(ctx.match).toEqualTypeOf<string>();
      expectTypeOf(ctx.msg.text).toEqualTypeOf<string>();
    });
    bot.hears(/a(b)/, (ctx) => {
      expectTypeOf(ctx.match).toEqualTypeOf<RegExpMatchArray>();
    });
    bot.hears("exact", (ctx) => {
      expectTypeOf(ctx.match).toEqualTypeOf<string>();
    });
    bot.callbackQuery(/^page:(\d+)$/, (ctx) => {
      expectTypeOf(ctx.match).toEqualTypeOf<RegExpMatchArray>();
      expectTypeOf(ctx.callbackQuery.data).toEqualTypeOf<string>();
    });
    bot.chatType("private", (ctx) => {
      expectTypeOf(ctx.chat.type).toEqualTypeOf<"private">();
    });
  });

  it("custom type guards narrow", () => {
    type Admin = Context & { isAdmin: true };
    const isAdmin = (ctx: Context): ctx is Admin => ctx.from?.id === 1;
    bot.filter(isAdmin, (ctx) => {
      expectTypeOf(ctx.isAdmin).toEqualTypeOf<true>();
    });
    const hasText = matchFilter<Context, "message:text">("message:text");
    bot.filter(hasText, (ctx) => {
      expectTypeOf(ctx.message.text).toEqualTypeOf<string>();
    });
    expectTypeOf<Filter<Context, "message:text">["message"]["text"]>().toEqualTypeOf<string>();
  });

  it("on(kind) narrows", () => {
    bot.on("edited_message", (ctx) => {
      expectTypeOf(ctx.editedMessage).toMatchTypeOf<Message>();
    });
    bot.on("my_chat_member", (ctx) => {
      expectTypeOf(ctx.from).toEqualTypeOf<User>();
    });
  });
});

describe("custom contexts", () => {
  it("flavors and context classes flow through", () => {
    const flavored = new Bot<Context & { foo: string }>("1:x");
    flavored.on("message:text", (ctx) => {
      expectTypeOf(ctx.foo).toEqualTypeOf<string>();
      expectTypeOf(ctx.message.text).toEqualTypeOf<string>();
    });
    class MyContext extends Context {
      get shout(): string {
        return (this.message?.text ?? "").toUpperCase();
      }
    }
    const custom = new Bot<MyContext>("1:x", { contextConstructor: MyContext });
    custom.command("x", (ctx) => {
      expectTypeOf(ctx.shout).toEqualTypeOf<string>();
    });
    const c = new Composer<MyContext>();
    custom.use(c);
    // @ts-expect-error a composer of another context type does not fit
    custom.use(new Composer<Context & { bar: number }>());
  });
});
