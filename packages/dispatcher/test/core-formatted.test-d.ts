import { Client } from "@bot/client";
import { describe, expectTypeOf, it } from "vitest";
import { Bot, bold, type Context, fmt, html, md } from "../src/index.js";

const bot = new Bot("1:x");
const client = new Client("1:x");
declare const ctx: Context;

describe("formatted values in the types", () => {
  it("reply and editMessageText take formatted text, never with its own formatting", () => {
    void ctx.reply(fmt`a ${bold("b")}`);
    void ctx.reply(html`<b>a</b>`, { disable_notification: true });
    void ctx.reply(md`*a*`);
    void ctx.reply("<b>a</b>", { parse_mode: "HTML" });
    void ctx.reply("a", { entities: [{ type: "bold", offset: 0, length: 1 }] });
    // @ts-expect-error formatted text carries its formatting: no parse_mode
    void ctx.reply(fmt`a`, { parse_mode: "HTML" });
    // @ts-expect-error no entities either
    void ctx.reply(html`<b>a</b>`, { entities: [] });
    void ctx.editMessageText(fmt`a`);
    // @ts-expect-error no parse_mode with formatted text
    void ctx.editMessageText(md`*a*`, { parse_mode: "MarkdownV2" });
    void ctx.editMessageCaption(fmt`a`);
    // @ts-expect-error no caption_entities with formatted text
    void ctx.editMessageCaption(fmt`a`, { caption_entities: [] });
  });

  it("captions take formatted text, never with caption_entities or parse_mode", () => {
    void ctx.replyWithPhoto("id", { caption: fmt`a` });
    void ctx.replyWithPhoto("id", { caption: "a", parse_mode: "HTML" });
    // @ts-expect-error no caption_entities with a formatted caption
    void ctx.replyWithPhoto("id", { caption: fmt`a`, caption_entities: [] });
    // @ts-expect-error no parse_mode with a formatted caption
    void ctx.replyWithDocument("id", { caption: html`<b>a</b>`, parse_mode: "HTML" });
    void ctx.replyWithMediaGroup([{ type: "photo", media: "id", caption: fmt`a` }]);
    void ctx.copyMessage(1, { caption: fmt`a` });
  });

  it("inline article contents take formatted text", () => {
    void ctx.answerInlineQuery([
      { type: "article", id: "1", title: "t", input_message_content: { message_text: fmt`a` } },
    ]);
    void ctx.answerInlineQuery([
      {
        type: "article",
        id: "1",
        title: "t",
        // @ts-expect-error no parse_mode with formatted message_text
        input_message_content: { message_text: fmt`a`, parse_mode: "HTML" },
      },
    ]);
  });

  it("the client's send methods take formatted text", () => {
    void client.sendMessage({ chat_id: 1, text: fmt`a` });
    void client.editMessageText({ chat_id: 1, message_id: 2, text: html`<i>a</i>` });
    void client.sendPhoto({ chat_id: 1, photo: "id", caption: md`*a*` });
    void client.sendMessage({ chat_id: 1, text: "a", parse_mode: "HTML" });
    // @ts-expect-error no parse_mode with formatted text
    void client.sendMessage({ chat_id: 1, text: fmt`a`, parse_mode: "HTML" });
    // @ts-expect-error no caption_entities with a formatted caption
    void client.sendPhoto({ chat_id: 1, photo: "id", caption: fmt`a`, caption_entities: [] });
  });

  it("shortcut results are typed", () => {
    bot.command("x", async (c) => {
      expectTypeOf(await c.reply(fmt`a`)).toHaveProperty("message_id");
      expectTypeOf(await c.withChatAction("typing", () => 5)).toEqualTypeOf<number>();
      expectTypeOf(await c.react("👍")).toEqualTypeOf<true>();
    });
  });
});
