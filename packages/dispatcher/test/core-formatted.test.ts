/**
 * Formatted text everywhere and the context shortcuts, against `@bot/emulator` (the same
 * Telegram every test sees): what the bot sends is what the emulator stored.
 */
import { Client } from "@bot/client";
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { FormattedConflictError, type MessageEntity } from "@bot/types";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Bot, bold, type Context, fmt, html, InlineKeyboard, italic, md } from "../src/index.js";

let emu: Emulator;
let token: string;
let bot: Bot;
let alice: UserActor;
let errors: unknown[];
let polling: Promise<void>;

beforeAll(async () => {
  emu = await createEmulator();
  token = emu.createBot({ username: "fmt_bot" }).token;
  alice = emu.user({ first_name: "Alice" });
  errors = [];
  bot = new Bot(token, { clientOptions: { apiRoot: emu.apiRoot, retry: false } });
  bot.catch((e) => void errors.push(e.error));
  register(bot);
  polling = bot.start();
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
});
afterEach(() => {
  expect(errors).toEqual([]);
});

const kinds = (entities: readonly MessageEntity[] | undefined) =>
  (entities ?? []).map((e) => `${e.type}@${e.offset}+${e.length}`);

function register(b: Bot): void {
  b.command("fmt", (ctx) => ctx.reply(fmt`Hello ${bold("Alice")}!`));
  b.command("html", (ctx) => ctx.reply(html`<i>${"<x>"}</i> ok`));
  b.command("md", (ctx) => ctx.reply(md`*${"a.b"}*`));
  b.command("menu", (ctx) =>
    ctx.reply(fmt`${italic("Menu")}`, { reply_markup: new InlineKeyboard().text("Go", "go") }),
  );
  b.callbackQuery("go", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(fmt`Page ${bold("2")}`);
  });
  b.on("message:photo", async (ctx) => {
    const photo = ctx.message.photo.at(-1)?.file_id as string;
    const sent = await ctx.replyWithPhoto(photo, { caption: fmt`${bold("cap")}tion` });
    await ctx.api.editMessageCaption({
      chat_id: sent.chat.id,
      message_id: sent.message_id,
      caption: html`<u>new</u>`,
    });
    await ctx.replyWithMediaGroup([
      { type: "photo", media: photo, caption: fmt`${bold("one")}` },
      { type: "photo", media: photo, caption: "two" },
    ]);
  });
  b.inlineQuery("q", (ctx) =>
    ctx.answerInlineQuery([
      {
        type: "article",
        id: "1",
        title: "One",
        input_message_content: { message_text: fmt`${bold("one")} result` },
      },
    ]),
  );
  b.command("conflict", async (ctx: Context) => {
    const e = await ctx.reply(fmt`x`, { parse_mode: "HTML" } as never).then(
      () => undefined,
      (err: unknown) => err,
    );
    await ctx.reply(e instanceof FormattedConflictError ? `conflict:${e.code}` : "no conflict");
  });
  b.command("shortcuts", async (ctx) => {
    await ctx.pinChatMessage();
    const copy = await ctx.copyMessage(ctx.chat.id, { caption: fmt`${bold("c")}` });
    await ctx.forwardMessage(ctx.chat.id);
    await ctx.reply(`copied:${typeof copy.message_id}`);
    await ctx.deleteMessage();
  });
  b.command("typing", async (ctx) => {
    const result = await ctx.withChatAction("typing", async () => {
      await vi.advanceTimersByTimeAsync(8_500); // two repeats
      return "done";
    });
    await vi.advanceTimersByTimeAsync(10_000); // stopped: no more repeats
    await ctx.reply(result);
  });
}

describe("formatted text everywhere", () => {
  it("reply takes fmt, html and md values: text plus entities or parse mode", async () => {
    alice.send("/fmt");
    const a = await alice.nextMessage({ timeoutMs: 5000 });
    expect(a.text).toBe("Hello Alice!");
    expect(kinds(a.entities)).toEqual(["bold@6+5"]);
    alice.send("/html");
    const b = await alice.nextMessage({ timeoutMs: 5000 });
    expect(b.text).toBe("<x> ok");
    expect(kinds(b.entities)).toEqual(["italic@0+3"]);
    alice.send("/md");
    const c = await alice.nextMessage({ timeoutMs: 5000 });
    expect(c.text).toBe("a.b");
    expect(kinds(c.entities)).toEqual(["bold@0+3"]);
  });

  it("editMessageText takes a formatted value", async () => {
    alice.send("/menu");
    const menu = await alice.nextMessage({ timeoutMs: 5000 });
    expect(kinds(menu.entities)).toEqual(["italic@0+4"]);
    alice.click("go");
    const edited = await alice.nextEdit({ timeoutMs: 5000 });
    expect(edited.text).toBe("Page 2");
    expect(kinds(edited.entities)).toEqual(["bold@5+1"]);
  });

  it("captions of replyWithPhoto, replyWithMediaGroup and the client's editMessageCaption", async () => {
    alice.sendPhoto();
    const photo = await alice.nextMessage({ timeoutMs: 5000 });
    expect(photo.caption).toBe("caption");
    expect(kinds(photo.caption_entities)).toEqual(["bold@0+3"]);
    const edited = await alice.nextEdit({ timeoutMs: 5000 });
    expect(edited.caption).toBe("new");
    expect(kinds(edited.caption_entities)).toEqual(["underline@0+3"]);
    const one = await alice.nextMessage({ timeoutMs: 5000 });
    const two = await alice.nextMessage({ timeoutMs: 5000 });
    expect([one.caption, two.caption]).toEqual(["one", "two"]);
    expect(kinds(one.caption_entities)).toEqual(["bold@0+3"]);
    expect(two.caption_entities).toBeUndefined();
  });

  it("answerInlineQuery article contents take a formatted value", async () => {
    alice.inline("q");
    const answer = await emu.waitFor((e) => (e?.type === "inline_answer" ? e : undefined), {
      timeoutMs: 5000,
    });
    const content = (answer.results[0] as { input_message_content: Record<string, unknown> })
      .input_message_content;
    expect(content.message_text).toBe("one result");
    expect(kinds(content.entities as MessageEntity[])).toEqual(["bold@0+3"]);
  });

  it("the client's send methods take a formatted value", async () => {
    const client = new Client(token, { apiRoot: emu.apiRoot, retry: false });
    try {
      const m = await client.sendMessage({ chat_id: alice.id, text: fmt`${bold("direct")}` });
      expect(kinds(m.entities)).toEqual(["bold@0+6"]);
      const h = await client.sendMessage({ chat_id: alice.id, text: html`<s>gone</s>` });
      expect(kinds(h.entities)).toEqual(["strikethrough@0+4"]);
      await expect(
        client.sendMessage({ chat_id: alice.id, text: fmt`x`, entities: [] } as never),
      ).rejects.toThrow(FormattedConflictError);
    } finally {
      await client.close();
    }
    await alice.nextMessage({ timeoutMs: 5000 });
    await alice.nextMessage({ timeoutMs: 5000 });
  });

  it("a formatted value with its own parse_mode is refused at run time with a typed error", async () => {
    alice.send("/conflict");
    const m = await alice.nextMessage({ timeoutMs: 5000 });
    expect(m.text).toBe("conflict:BOT_TYPES_FORMATTED_CONFLICT");
  });
});

describe("context shortcuts", () => {
  it("pinChatMessage, copyMessage, forwardMessage and deleteMessage act on the update's message", async () => {
    alice.send("/shortcuts");
    const copy = await alice.nextMessage({ timeoutMs: 5000 });
    expect(copy.caption ?? copy.text).toBe("/shortcuts");
    const forwarded = await alice.nextMessage({ timeoutMs: 5000 });
    expect(forwarded.forward_origin).toBeDefined();
    const done = await alice.nextMessage({ timeoutMs: 5000 });
    expect(done.text).toBe("copied:number");
    await emu.waitFor(
      (e) =>
        e?.type === "delete" || emu.chat(alice.id).messages.every((m) => m.text !== "/shortcuts"),
      { timeoutMs: 5000 },
    );
  });

  it("withChatAction repeats the action while the work runs and stops when it ends", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const before = emu.events().filter((e) => e.type === "chat_action").length;
      alice.send("/typing");
      const m = await alice.nextMessage({ timeoutMs: 5000 });
      expect(m.text).toBe("done");
      const actions = emu
        .events()
        .filter((e) => e.type === "chat_action")
        .slice(before);
      expect(actions.map((e) => (e as { action: string }).action)).toEqual([
        "typing",
        "typing",
        "typing",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
