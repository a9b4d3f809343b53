import type { MessageEntity } from "@bot/types";
import { badRequest } from "./errors.js";

/** Plain text with its entities (offsets in UTF-16 code units). */
export interface Formatted {
  readonly text: string;
  readonly entities: MessageEntity[];
}

const HTML_TAGS: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  code: "code",
  pre: "pre",
  a: "text_link",
  "tg-spoiler": "spoiler",
  blockquote: "blockquote",
};

const HTML_ESCAPES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function entity(
  type: MessageEntity["type"],
  offset: number,
  length: number,
  extra: Record<string, string>,
): MessageEntity {
  return { type, offset, length, ...extra } as MessageEntity;
}

/**
 * Parses Telegram's HTML subset into text and entities.
 *
 * @param input The marked-up text.
 * @returns Text and entities.
 */
export function parseHtml(input: string): Formatted {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: { tag: string; start: number; extra: Record<string, string> }[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === "<") {
      const end = input.indexOf(">", i);
      if (end < 0) throw badRequest(`can't parse entities: Unclosed start tag at byte offset ${i}`);
      const raw = input.slice(i + 1, end).trim();
      i = end + 1;
      if (raw.startsWith("/")) {
        const name = raw.slice(1).trim().toLowerCase();
        const open = stack.pop();
        if (open === undefined || open.tag !== name) {
          throw badRequest(
            `can't parse entities: Unmatched end tag at byte offset ${end}, expected "</${open?.tag ?? ""}>", found "</${name}>"`,
          );
        }
        const type = HTML_TAGS[name];
        if (type !== undefined && text.length > open.start)
          entities.push(entity(type, open.start, text.length - open.start, open.extra));
        continue;
      }
      const m = /^([a-z-]+)(?:\s+([a-z-]+)\s*=\s*"([^"]*)")?/i.exec(raw);
      const name = m?.[1]?.toLowerCase() ?? "";
      if (m === null || (HTML_TAGS[name] === undefined && name !== "span")) {
        throw badRequest(
          `can't parse entities: Unsupported start tag "${name}" at byte offset ${i}`,
        );
      }
      const extra: Record<string, string> = {};
      if (name === "a") {
        if (m[2]?.toLowerCase() !== "href" || m[3] === undefined)
          throw badRequest("can't parse entities: a tag needs href");
        extra.url = m[3].replace(/&amp;/g, "&");
      }
      stack.push({ tag: name, start: text.length, extra });
      continue;
    }
    if (ch === "&") {
      const semi = input.indexOf(";", i);
      const name = semi > i ? input.slice(i + 1, semi) : "";
      const decoded =
        HTML_ESCAPES[name] ??
        (/^#\d+$/.test(name) ? String.fromCodePoint(Number(name.slice(1))) : undefined);
      if (decoded !== undefined) {
        text += decoded;
        i = semi + 1;
        continue;
      }
    }
    text += ch;
    i++;
  }
  if (stack.length > 0)
    throw badRequest(
      `can't parse entities: Can't find end tag corresponding to start tag "${stack[stack.length - 1]?.tag}"`,
    );
  entities.sort((a, b) => a.offset - b.offset);
  return { text, entities };
}

const MDV2_MARKS: [string, MessageEntity["type"]][] = [
  ["||", "spoiler"],
  ["__", "underline"],
  ["*", "bold"],
  ["_", "italic"],
  ["~", "strikethrough"],
];
const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";

/**
 * Parses MarkdownV2 (bold, italic, underline, strikethrough, spoiler, code, pre, links) into text and entities.
 *
 * @param input The marked-up text.
 * @returns Text and entities.
 */
export function parseMarkdownV2(input: string): Formatted {
  let text = "";
  const entities: MessageEntity[] = [];
  const open = new Map<string, number>();
  let i = 0;
  const reserved = (c: string, at: number): never => {
    throw badRequest(
      `can't parse entities: Character '${c}' is reserved and must be escaped with the preceding '\\' at ${at}`,
    );
  };
  outer: while (i < input.length) {
    const ch = input[i] as string;
    if (ch === "\\") {
      const next = input[i + 1];
      if (next === undefined) reserved("\\", i);
      text += next;
      i += 2;
      continue;
    }
    if (ch === "`") {
      const isPre = input.startsWith("```", i);
      const fence = isPre ? "```" : "`";
      const end = input.indexOf(fence, i + fence.length);
      if (end < 0)
        throw badRequest(
          `can't parse entities: Can't find end of ${isPre ? "Pre" : "Code"} entity at byte offset ${i}`,
        );
      let body = input.slice(i + fence.length, end);
      const extra: Record<string, string> = {};
      if (isPre) {
        const nl = body.indexOf("\n");
        if (nl >= 0 && /^[\w+-]+$/.test(body.slice(0, nl))) {
          extra.language = body.slice(0, nl);
          body = body.slice(nl + 1);
        } else if (nl === 0) body = body.slice(1);
      }
      const plain = body.replace(/\\(.)/g, "$1");
      entities.push(entity(isPre ? "pre" : "code", text.length, plain.length, extra));
      text += plain;
      i = end + fence.length;
      continue;
    }
    if (ch === "[") {
      const close = input.indexOf("](", i);
      const end = close < 0 ? -1 : input.indexOf(")", close);
      if (close < 0 || end < 0) reserved("[", i);
      const inner = parseMarkdownV2(input.slice(i + 1, close));
      for (const e of inner.entities) entities.push({ ...e, offset: e.offset + text.length });
      entities.push(
        entity("text_link", text.length, inner.text.length, {
          url: input.slice(close + 2, end).replace(/\\(.)/g, "$1"),
        }),
      );
      text += inner.text;
      i = end + 1;
      continue;
    }
    for (const [mark, type] of MDV2_MARKS) {
      if (input.startsWith(mark, i)) {
        const start = open.get(mark);
        if (start === undefined) open.set(mark, text.length);
        else {
          open.delete(mark);
          if (text.length > start) entities.push(entity(type, start, text.length - start, {}));
        }
        i += mark.length;
        continue outer;
      }
    }
    if (MDV2_RESERVED.includes(ch)) reserved(ch, i);
    text += ch;
    i++;
  }
  if (open.size > 0)
    throw badRequest(
      `can't parse entities: Can't find end of the entity starting at byte offset ${[...open.values()][0]}`,
    );
  entities.sort((a, b) => a.offset - b.offset);
  return { text, entities };
}

/**
 * Applies `parse_mode` or explicit `entities` to a text.
 *
 * @param text The text as sent.
 * @param parseMode `HTML`, `MarkdownV2`, `Markdown` or `undefined`.
 * @param entities Explicit entities (win over `parse_mode`, stored as given).
 * @returns The final text and entities.
 */
export function format(text: string, parseMode: string | undefined, entities: unknown): Formatted {
  if (Array.isArray(entities)) return { text, entities: entities as MessageEntity[] };
  if (parseMode === undefined || parseMode === "") return { text, entities: [] };
  const mode = parseMode.toLowerCase();
  if (mode === "html") return parseHtml(text);
  if (mode === "markdownv2") return parseMarkdownV2(text);
  if (mode === "markdown") return { text, entities: [] };
  throw badRequest(`unsupported parse_mode`);
}

/**
 * Finds `bot_command`, `mention`, `hashtag` and `url` entities in a user's plain text.
 *
 * @param text The text.
 * @returns The entities, by offset.
 */
export function detectEntities(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  const patterns: [RegExp, MessageEntity["type"]][] = [
    [/(?<![\w/])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])/g, "bot_command"],
    [/(?<![\w@])@[A-Za-z0-9_]{4,32}\b/g, "mention"],
    [/(?<![\w#])#[\p{L}\p{N}_]+/gu, "hashtag"],
    [/\bhttps?:\/\/[^\s]+/g, "url"],
  ];
  for (const [re, type] of patterns) {
    for (const m of text.matchAll(re)) {
      out.push({ type, offset: m.index, length: m[0].length } as MessageEntity);
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
