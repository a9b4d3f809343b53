import type { MessageEntity } from "@bot/types";
import { badRequest } from "./errors.js";
import { parseHtml } from "./format-html.js";
import { parseMarkdownV2 } from "./format-markdown.js";
import type { Formatted, MentionResolver } from "./format-shared.js";

export { parseHtml } from "./format-html.js";
export { parseMarkdownV2 } from "./format-markdown.js";
export type { Formatted, MentionResolver } from "./format-shared.js";

/**
 * Applies `parse_mode` or explicit `entities` to a text.
 *
 * @param text The text as sent.
 * @param parseMode `HTML`, `MarkdownV2`, `Markdown` or `undefined`.
 * @param entities Explicit entities (win over `parse_mode`, stored as given).
 * @param resolve Looks up the user of a `tg://user?id=` link.
 * @returns The final text and entities.
 */
export function format(
  text: string,
  parseMode: string | undefined,
  entities: unknown,
  resolve?: MentionResolver,
): Formatted {
  if (Array.isArray(entities)) return { text, entities: entities as MessageEntity[] };
  if (parseMode === undefined || parseMode === "") return { text, entities: [] };
  const mode = parseMode.toLowerCase();
  if (mode === "html") return parseHtml(text, resolve);
  if (mode === "markdownv2") return parseMarkdownV2(text, resolve);
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
