import { describe, expect, it } from "vitest";
import { expandFormatted, FormattedConflictError } from "../src/index.js";

const bold = { type: "bold" as const, offset: 0, length: 1 };

describe("expandFormatted", () => {
  it("expands text, captions, inline contents and poll options with the right companions", () => {
    const out = expandFormatted("sendMessage", {
      chat_id: 1,
      text: { text: "a", entities: [bold] },
      reply_parameters: { message_id: 2, quote: { text: "q", parse_mode: "HTML" } },
    });
    expect(out).toEqual({
      chat_id: 1,
      text: "a",
      entities: [bold],
      reply_parameters: { message_id: 2, quote: "q", quote_parse_mode: "HTML" },
    });
    expect(
      expandFormatted("sendMediaGroup", {
        media: [{ type: "photo", media: "x", caption: { text: "c", parse_mode: "MarkdownV2" } }],
      }),
    ).toEqual({ media: [{ type: "photo", media: "x", caption: "c", parse_mode: "MarkdownV2" }] });
    expect(
      expandFormatted("sendPoll", {
        question: { text: "Q", entities: [bold] },
        options: [{ text: { text: "o", entities: [bold] } }, { text: "plain" }],
      }),
    ).toEqual({
      question: "Q",
      question_entities: [bold],
      options: [{ text: "o", text_entities: [bold] }, { text: "plain" }],
    });
    expect(
      expandFormatted("answerInlineQuery", {
        results: [{ input_message_content: { message_text: { text: "m", entities: [] } } }],
      }),
    ).toEqual({ results: [{ input_message_content: { message_text: "m" } }] });
  });

  it("returns parameters without formatted values as they are, and leaves reply_markup alone", () => {
    const params = {
      chat_id: 1,
      text: "plain",
      reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "d" }]] },
    };
    expect(expandFormatted("sendMessage", params)).toBe(params);
  });

  it("refuses a formatted value with its own companion fields, naming both", () => {
    expect(() =>
      expandFormatted("sendMessage", { text: { text: "a", entities: [] }, parse_mode: "HTML" }),
    ).toThrow(FormattedConflictError);
    expect(() =>
      expandFormatted("sendPhoto", { caption: { text: "a" }, caption_entities: [] }),
    ).toThrow(/`caption` holds formatted text, so `caption_entities` must be left out/);
  });
});
