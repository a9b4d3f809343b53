/**
 * Telegram's `MarkdownV2` parse mode with its three escaping contexts (text, code, link URL),
 * block quotes and the `![...](tg://...)` custom emoji and date-time forms.
 *
 * @module
 */
import type { MessageEntity } from "@bot/types";
import { badRequest } from "./errors.js";
import {
  type Formatted,
  type MentionResolver,
  mentionEntity,
  sortEntities,
} from "./format-shared.js";

/** Inline marks, longest first: `__` is always read greedily as underline. */
const MARKS: readonly (readonly [string, MessageEntity["type"]])[] = [
  ["||", "spoiler"],
  ["__", "underline"],
  ["*", "bold"],
  ["_", "italic"],
  ["~", "strikethrough"],
];

/** The 18 characters that must be escaped outside code and link URLs. */
const RESERVED = "_*[]()~`>#+-=|{}.!";

const EMOJI_LINK = /^tg:\/\/emoji\?id=(\d{1,20})$/;
const TIME_LINK = /^tg:\/\/time\?unix=(-?\d{1,12})(?:&format=([^&]*))?$/;
const DATE_TIME_FORMAT = /^(?:r|w?[dD]?[tT]?)$/;

interface Open {
  /** The mark as written: an inline mark, `[` or `![`. */
  readonly mark: string;
  readonly type: MessageEntity["type"] | "link" | "media-link";
  /** Where the entity starts in the output text. */
  readonly start: number;
  /** Where the mark is in the input, for errors. */
  readonly at: number;
}

/**
 * The UTF-8 byte offset of an index, as Telegram's error texts count.
 *
 * @param input The markup.
 * @param index A UTF-16 index into it.
 * @returns The byte offset.
 */
const byteOffset = (input: string, index: number): number =>
  Buffer.byteLength(input.slice(0, index), "utf8");

/**
 * Parses MarkdownV2 into text and entities, following Telegram's rules: any ASCII character may
 * be escaped with `\`; inside `code` and `pre` only `` ` `` and `\` must be; inside a link's
 * `(...)` only `)` and `\` must be; elsewhere the 18 characters `_*[]()~\`>#+-=|{}.!` must be.
 * Supports bold, italic, underline, strikethrough, spoiler, inline links (a `tg://user?id=`
 * link becomes a `text_mention`), custom emoji and date-time `![...](tg://...)`, code, pre with
 * a language, and block quotes (`>` lines, `**>` ... `||` for an expandable one). A `\r`
 * outside code, pre and URLs is ignored, so it can separate marks (`___a_\r__`).
 *
 * @param input The marked-up text.
 * @param resolve Looks up the user of a `tg://user?id=` link.
 * @returns Text and entities, by offset.
 */
export function parseMarkdownV2(input: string, resolve?: MentionResolver): Formatted {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let quote: { start: number; expandable: boolean } | undefined;
  const n = input.length;

  const fail = (message: string, at: number): never => {
    throw badRequest(`can't parse entities: ${message} at byte offset ${byteOffset(input, at)}`);
  };
  const reserved = (c: string, at: number): never =>
    fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`, at);
  const push = (entity: Omit<MessageEntity, "offset" | "length">, start: number): void => {
    if (text.length > start)
      entities.push({ ...entity, offset: start, length: text.length - start } as MessageEntity);
  };
  const closeQuote = (): void => {
    if (quote === undefined) return;
    push({ type: quote.expandable ? "expandable_blockquote" : "blockquote" }, quote.start);
    quote = undefined;
  };
  /** Reads up to an unescaped `end`, unescaping `\x` to `x`; returns the body and the index after `end`. */
  const readEscaped = (from: number, end: string, what: string, at: number): [string, number] => {
    let body = "";
    for (let j = from; j < n; ) {
      const c = input[j] as string;
      if (c === "\\") {
        if (j + 1 >= n) break;
        body += input[j + 1];
        j += 2;
      } else if (input.startsWith(end, j)) {
        return [body, j + end.length];
      } else {
        body += c;
        j++;
      }
    }
    return fail(`Can't find end of ${what} entity`, at);
  };

  let i = 0;
  outer: while (i < n) {
    if (i === 0 || input[i - 1] === "\n") {
      // A quoted line: `>` (or `**>` to start an expandable quote).
      const expandable = input.startsWith("**>", i);
      if (expandable || input[i] === ">") {
        if (quote === undefined) quote = { start: text.length, expandable };
        i += expandable ? 3 : 1;
        continue;
      }
    }
    const ch = input[i] as string;
    if (ch === "\n") {
      if (quote !== undefined && input[i + 1] !== ">" && !input.startsWith("**>", i + 1))
        closeQuote();
      text += ch;
      i++;
      continue;
    }
    if (ch === "\r") {
      // Ignored, as Telegram documents: `___italic underline_\r__` separates the marks.
      i++;
      continue;
    }
    if (ch === "\\") {
      if (i + 1 >= n) reserved("\\", i);
      text += input[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      if (input.startsWith("```", i)) {
        const at = i;
        let body: string;
        [body, i] = readEscaped(i + 3, "```", "Pre", at);
        const nl = body.indexOf("\n");
        const first = nl < 0 ? "" : body.slice(0, nl);
        const entity: { type: "pre"; language?: string } = { type: "pre" };
        if (nl >= 0 && /^[^\s`]*$/.test(first)) {
          if (first !== "") entity.language = first;
          body = body.slice(nl + 1);
        }
        const start = text.length;
        text += body;
        push(entity, start);
      } else {
        const at = i;
        let body: string;
        [body, i] = readEscaped(i + 1, "`", "Code", at);
        const start = text.length;
        text += body;
        push({ type: "code" }, start);
      }
      continue;
    }
    if (ch === "!" && input[i + 1] === "[") {
      stack.push({ mark: "![", type: "media-link", start: text.length, at: i });
      i += 2;
      continue;
    }
    if (ch === "[") {
      stack.push({ mark: "[", type: "link", start: text.length, at: i });
      i++;
      continue;
    }
    if (ch === "]") {
      const top = stack.at(-1);
      if (top === undefined || (top.type !== "link" && top.type !== "media-link")) reserved("]", i);
      const open = top as Open;
      if (input[i + 1] !== "(") fail("Can't find end of a URL", i);
      let url: string;
      [url, i] = readEscaped(i + 2, ")", "a URL", i + 1);
      stack.pop();
      if (open.type === "link") {
        push(
          mentionEntity(url, resolve) ?? ({ type: "text_link", url } as MessageEntity),
          open.start,
        );
      } else {
        push(
          mediaLink(url, () => fail("Invalid custom emoji or date-time URL", open.at)),
          open.start,
        );
      }
      continue;
    }
    if (ch === "|" && input[i + 1] === "|" && quote?.expandable === true) {
      // `||` at the end of a line ends an expandable quote, unless it closes a spoiler.
      const atLineEnd = i + 2 >= n || input[i + 2] === "\n";
      if (atLineEnd && stack.at(-1)?.type !== "spoiler") {
        i += 2;
        closeQuote();
        continue;
      }
    }
    for (const [mark, type] of MARKS) {
      if (!input.startsWith(mark, i)) continue;
      const idx = stack.findIndex((o) => o.mark === mark);
      if (idx < 0) stack.push({ mark, type, start: text.length, at: i });
      else {
        const open = stack[idx] as Open;
        if (idx !== stack.length - 1) {
          const inner = stack.at(-1) as Open;
          fail(`Can't find end of ${inner.type} entity`, inner.at);
        }
        stack.pop();
        push({ type }, open.start);
      }
      i += mark.length;
      continue outer;
    }
    if (RESERVED.includes(ch)) reserved(ch, i);
    text += ch;
    i++;
  }
  closeQuote();
  const open = stack.at(-1);
  if (open !== undefined) fail("Can't find end of the entity starting", open.at);
  return { text, entities: sortEntities(entities) };
}

/**
 * The entity of a `![text](tg://emoji?id=...)` or `![text](tg://time?unix=...&format=...)` link.
 *
 * @param url The link target, unescaped.
 * @param invalid Throws the parse error.
 * @returns The entity without offset and length.
 */
function mediaLink(url: string, invalid: () => never): Omit<MessageEntity, "offset" | "length"> {
  const emoji = EMOJI_LINK.exec(url);
  if (emoji !== null) return { type: "custom_emoji", custom_emoji_id: emoji[1] } as MessageEntity;
  const time = TIME_LINK.exec(url);
  if (time === null) return invalid();
  const format = time[2];
  if (format !== undefined && !DATE_TIME_FORMAT.test(format)) return invalid();
  const e: Record<string, unknown> = { type: "date_time", unix_time: Number(time[1]) };
  if (format !== undefined && format !== "") e.date_time_format = format;
  return e as unknown as MessageEntity;
}
