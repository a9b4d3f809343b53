import type {
  ForceReply,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  KeyboardButton,
  MessageEntity,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
  SendMessageParams,
  SendPhotoParams,
} from "@bot/types";
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import {
  bold,
  callbackData,
  type FormatErrorCode,
  type FormattedText,
  fmt,
  forceReply,
  html,
  InlineKeyboard,
  Keyboard,
  link,
  type MarkupText,
  md,
  removeKeyboard,
} from "../src/index.js";

describe("formatting types", () => {
  it("fmt results spread into sendMessage and sendPhoto params", () => {
    const f = fmt`Hi ${bold("x")}`;
    expectTypeOf(f).toEqualTypeOf<FormattedText>();
    expectTypeOf(f.entities).toEqualTypeOf<MessageEntity[]>();
    const params = { chat_id: 1, ...f };
    expectTypeOf(params).toExtend<SendMessageParams>();
    const photo = { chat_id: 1, photo: "file-id", ...f.asCaption() };
    expectTypeOf(photo).toExtend<SendPhotoParams>();
  });

  it("markup templates carry a literal parse mode", () => {
    expectTypeOf(html`<b>${"x"}</b>`).toEqualTypeOf<MarkupText<"HTML">>();
    expectTypeOf(md`*${"x"}*`.parse_mode).toEqualTypeOf<"MarkdownV2">();
    expectTypeOf({ chat_id: 1, ...html`x` }).toExtend<SendMessageParams>();
    expectTypeOf({ chat_id: 1, photo: "id", ...md`x`.asCaption() }).toExtend<SendPhotoParams>();
  });

  it("rejects values that are not text", () => {
    // @ts-expect-error undefined would print "undefined" into a message
    fmt`${undefined}`;
    // @ts-expect-error null is not text
    bold(null);
    // @ts-expect-error an object without text is not formattable
    fmt`${{ entities: [] }}`;
    // @ts-expect-error a link needs a URL
    link("x");
    // @ts-expect-error markup with a parse mode is not text with entities
    fmt`${html`<b>x</b>`}`;
    // @ts-expect-error plain objects are not trusted markup
    html`${{ text: "<b>" }}`;
  });

  it("error codes are a closed union", () => {
    expectTypeOf<"BOT_DISPATCHER_FORMAT_INVALID_NESTING">().toExtend<FormatErrorCode>();
    expectTypeOf<"NOPE">().not.toExtend<FormatErrorCode>();
  });
});

describe("keyboard types", () => {
  it("keyboards are the Bot API markup types and fit reply_markup", () => {
    const inline = new InlineKeyboard().text("a", "b");
    expectTypeOf(inline).toExtend<InlineKeyboardMarkup>();
    expectTypeOf(inline.build()).toEqualTypeOf<InlineKeyboardMarkup>();
    expectTypeOf(InlineKeyboard.text("a", "b")).toEqualTypeOf<InlineKeyboardButton>();
    const reply = new Keyboard().text("a").resized();
    expectTypeOf(reply).toExtend<ReplyKeyboardMarkup>();
    expectTypeOf(reply.build()).toEqualTypeOf<ReplyKeyboardMarkup>();
    expectTypeOf(Keyboard.requestContact("a")).toEqualTypeOf<KeyboardButton>();
    expectTypeOf(removeKeyboard()).toEqualTypeOf<ReplyKeyboardRemove>();
    expectTypeOf(forceReply()).toEqualTypeOf<ForceReply>();
    const markups: SendMessageParams["reply_markup"][] = [
      inline,
      reply,
      removeKeyboard(),
      forceReply(),
    ];
    expectTypeOf(markups).toExtend<SendMessageParams["reply_markup"][]>();
  });

  it("button helpers demand their required arguments", () => {
    // @ts-expect-error callback buttons need data
    new InlineKeyboard().text("a");
    // @ts-expect-error requestChat needs chat_is_channel
    new Keyboard().requestChat("a", 1, {});
    // @ts-expect-error items that are not buttons need a mapper
    InlineKeyboard.grid([{ id: 1 }], 2);
    expectTypeOf(
      InlineKeyboard.grid([{ id: 1 }], 2, (i) => InlineKeyboard.text("x", `${i.id}`)),
    ).toEqualTypeOf<InlineKeyboard>();
    // @ts-expect-error only the Bot API button styles
    new InlineKeyboard().text("a", "b").style("red");
    // @ts-expect-error only quiz or regular polls
    Keyboard.requestPoll("a", "multiple");
  });
});

describe("callback data types", () => {
  it("pack takes the schema input and unpack returns its output", () => {
    const vote = callbackData("vote", v.object({ id: v.number(), up: v.boolean() }));
    expectTypeOf(vote.pack).parameter(0).toEqualTypeOf<{ id: number; up: boolean }>();
    expectTypeOf(vote.unpack("x")).toEqualTypeOf<{ id: number; up: boolean }>();
    // @ts-expect-error id must be a number
    vote.pack({ id: "1", up: true });
    // @ts-expect-error filter fields must exist on the value
    vote.filter({ nope: 1 });
    const page = callbackData("p", v.pipe(v.string(), v.transform(Number)));
    expectTypeOf(page.unpack("p:1")).toEqualTypeOf<number>();
    expectTypeOf(page.pack).parameter(0).toEqualTypeOf<string>();
  });
});
