/**
 * Renders entity-formatted text as `HTML` markup, for places that take only a parse mode or
 * for storing formatted text as a string.
 *
 * @module
 */
import type { MessageEntity } from "@bot/types";
import { type FmtValue, toFormatted } from "./entities.js";
import { FormatError } from "./errors.js";
import { escapeHtml, escapeHtmlAttribute, MarkupText } from "./escape.js";

function openTag(e: MessageEntity): [string, string] {
  switch (e.type) {
    case "bold":
      return ["<b>", "</b>"];
    case "italic":
      return ["<i>", "</i>"];
    case "underline":
      return ["<u>", "</u>"];
    case "strikethrough":
      return ["<s>", "</s>"];
    case "spoiler":
      return ["<tg-spoiler>", "</tg-spoiler>"];
    case "code":
      return ["<code>", "</code>"];
    case "pre":
      return e.language === undefined || e.language === ""
        ? ["<pre>", "</pre>"]
        : [`<pre><code class="language-${escapeHtmlAttribute(e.language)}">`, "</code></pre>"];
    case "text_link":
      return [`<a href="${escapeHtmlAttribute(e.url ?? "")}">`, "</a>"];
    case "text_mention":
      return [`<a href="tg://user?id=${e.user?.id ?? 0}">`, "</a>"];
    case "custom_emoji":
      return [
        `<tg-emoji emoji-id="${escapeHtmlAttribute(e.custom_emoji_id ?? "")}">`,
        "</tg-emoji>",
      ];
    case "date_time": {
      const format =
        e.date_time_format === undefined
          ? ""
          : ` format="${escapeHtmlAttribute(e.date_time_format)}"`;
      return [`<tg-time unix="${e.unix_time ?? 0}"${format}>`, "</tg-time>"];
    }
    case "blockquote":
      return ["<blockquote>", "</blockquote>"];
    case "expandable_blockquote":
      return ["<blockquote expandable>", "</blockquote>"];
    default:
      // mention, hashtag, url, bot_command...: Telegram detects these again from the text.
      return ["", ""];
  }
}

/**
 * Renders formatted text as `HTML` markup. Entities Telegram detects by itself (`url`,
 * `mention`, `hashtag`...) are left as text. Entities must nest (as Telegram's do); partial
 * overlaps throw `BOT_DISPATCHER_FORMAT_INVALID_NESTING`.
 *
 * @param value The text, plain or formatted.
 * @returns The markup with `parse_mode: "HTML"`.
 */
export function toHtml(value: FmtValue): MarkupText<"HTML"> {
  const f = toFormatted(value);
  const text = f.text;
  // Outer entities first: by offset, then longer first; ties keep the given order.
  const order = f.entities
    .map((e, i) => ({ e, i, end: e.offset + e.length }))
    .sort((a, b) => a.e.offset - b.e.offset || b.end - a.end || a.i - b.i);
  const out: string[] = [];
  const stack: { end: number; close: string }[] = [];
  let pos = 0;
  const emitTo = (to: number): void => {
    if (to > pos) out.push(escapeHtml(text.slice(pos, to)));
    pos = to;
  };
  const closeTo = (limit: number): void => {
    for (let top = stack.at(-1); top !== undefined && top.end <= limit; top = stack.at(-1)) {
      emitTo(top.end);
      out.push(top.close);
      stack.pop();
    }
  };
  for (const { e, end } of order) {
    if (e.offset < 0 || e.length < 0 || end > text.length) {
      throw new FormatError(
        "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
        `toHtml: a "${e.type}" entity is out of range`,
      );
    }
    if (e.length === 0) continue;
    closeTo(e.offset);
    const top = stack.at(-1);
    if (top !== undefined && end > top.end) {
      throw new FormatError(
        "BOT_DISPATCHER_FORMAT_INVALID_NESTING",
        `toHtml: a "${e.type}" entity overlaps another`,
      );
    }
    emitTo(e.offset);
    const [open, close] = openTag(e);
    out.push(open);
    stack.push({ end, close });
  }
  closeTo(text.length);
  emitTo(text.length);
  return new MarkupText(out.join(""), "HTML");
}
