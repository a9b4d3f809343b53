/**
 * Telegram's `HTML` parse mode: the tag subset, attribute forms and character references
 * the Bot API documents, turned into plain text and entities.
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

/** Tags that map to one entity type whatever their attributes. */
const SIMPLE_TAGS: Readonly<Record<string, MessageEntity["type"]>> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  code: "code",
  pre: "pre",
};

/** The only named character references Telegram decodes. */
const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"' };

const DATE_TIME_FORMAT = /^(?:r|w?[dD]?[tT]?)$/;

interface OpenTag {
  readonly tag: string;
  readonly start: number;
  /** The entity to emit on close; `undefined` for a `code` merged into its `pre`. */
  entity: Omit<MessageEntity, "offset" | "length"> | undefined;
}

/**
 * Decodes the character references in a piece of text or an attribute value: `&lt;`, `&gt;`,
 * `&amp;`, `&quot;` and numeric references (`&#39;`, `&#x27;`). Anything else stays as written.
 *
 * @param input The raw text.
 * @returns The decoded text.
 */
export function decodeHtmlText(input: string): string {
  if (!input.includes("&")) return input;
  return input.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (all, ref: string) => {
    if (ref.charCodeAt(0) !== 35 /* # */) return NAMED[ref] ?? all;
    const hex = ref[1] === "x" || ref[1] === "X";
    const code = Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code)
      : all;
  });
}

/**
 * Reads a start tag's name and attributes: `name="v"`, `name='v'`, `name=v` and bare `name`.
 *
 * @param raw The text between `<` and `>`.
 * @param at The byte offset of the tag, for errors.
 * @returns The lower-cased tag name and its decoded attributes.
 */
function readStartTag(raw: string, at: number): { name: string; attrs: Map<string, string> } {
  const m = /^([a-zA-Z][a-zA-Z0-9-]*)/.exec(raw);
  if (m === null) throw badRequest(`can't parse entities: Empty tag name at byte offset ${at}`);
  const name = (m[1] as string).toLowerCase();
  const attrs = new Map<string, string>();
  const re = /\s*([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;
  let i = m[0].length;
  while (i < raw.length) {
    if (raw.slice(i).trim() === "" || raw.slice(i).trim() === "/") break;
    re.lastIndex = i;
    const a = re.exec(raw);
    if (a === null || a[0].length === 0)
      throw badRequest(
        `can't parse entities: Expected equal sign in declaration of an attribute of tag "${name}" at byte offset ${at}`,
      );
    const value = a[2] ?? a[3] ?? a[4] ?? "";
    attrs.set((a[1] as string).toLowerCase(), decodeHtmlText(value));
    i = re.lastIndex;
  }
  return { name, attrs };
}

/**
 * Finds the `>` that ends a tag, skipping quoted attribute values.
 *
 * @param input The whole markup.
 * @param from The index just after `<`.
 * @returns The index of `>`, or -1.
 */
function tagEnd(input: string, from: number): number {
  let quote = "";
  for (let i = from; i < input.length; i++) {
    const c = input[i] as string;
    if (quote !== "") {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return i;
  }
  return -1;
}

/**
 * The entity a start tag opens.
 *
 * @param name The tag name.
 * @param attrs Its attributes.
 * @param parent The innermost open tag.
 * @param at The byte offset, for errors.
 * @param resolve Looks up users for `tg://user?id=` links.
 * @returns The entity (without offset and length), `undefined` for a `code` inside `pre`.
 */
function entityFor(
  name: string,
  attrs: Map<string, string>,
  parent: OpenTag | undefined,
  at: number,
  resolve: MentionResolver | undefined,
): OpenTag["entity"] {
  if (name === "code" && parent?.tag === "pre" && parent.entity !== undefined) {
    // <pre><code class="language-x">: one pre entity with a language.
    const cls = attrs.get("class");
    if (cls?.startsWith("language-") === true && cls.length > 9)
      (parent.entity as { language?: string }).language = cls.slice(9);
    return undefined;
  }
  const simple = SIMPLE_TAGS[name];
  if (simple !== undefined) return { type: simple } as MessageEntity;
  switch (name) {
    case "span":
      if (attrs.get("class") === "tg-spoiler") return { type: "spoiler" } as MessageEntity;
      throw badRequest(
        `can't parse entities: Tag "span" must have class "tg-spoiler" at byte offset ${at}`,
      );
    case "blockquote":
      return {
        type: attrs.has("expandable") ? "expandable_blockquote" : "blockquote",
      } as MessageEntity;
    case "a": {
      const href = attrs.get("href");
      if (href === undefined || href === "") return undefined;
      return mentionEntity(href, resolve) ?? ({ type: "text_link", url: href } as MessageEntity);
    }
    case "tg-emoji": {
      const id = attrs.get("emoji-id");
      if (id === undefined || !/^\d+$/.test(id))
        throw badRequest(
          `can't parse entities: Invalid custom emoji identifier specified at byte offset ${at}`,
        );
      return { type: "custom_emoji", custom_emoji_id: id } as MessageEntity;
    }
    case "tg-time": {
      const unix = attrs.get("unix");
      if (unix === undefined || !/^-?\d+$/.test(unix))
        throw badRequest(`can't parse entities: Invalid Unix time specified at byte offset ${at}`);
      const format = attrs.get("format");
      if (format !== undefined && !DATE_TIME_FORMAT.test(format))
        throw badRequest(
          `can't parse entities: Invalid date and time format specified at byte offset ${at}`,
        );
      const e: Record<string, unknown> = { type: "date_time", unix_time: Number(unix) };
      if (format !== undefined && format !== "") e.date_time_format = format;
      return e as unknown as MessageEntity;
    }
    default:
      throw badRequest(
        `can't parse entities: Unsupported start tag "${name}" at byte offset ${at}`,
      );
  }
}

/**
 * Parses Telegram's HTML subset into text and entities: `b`/`strong`, `i`/`em`, `u`/`ins`,
 * `s`/`strike`/`del`, `tg-spoiler` and `span class="tg-spoiler"`, `a href` (a `tg://user?id=`
 * link becomes a `text_mention`), `tg-emoji emoji-id`, `tg-time unix format`, `code`, `pre`
 * with `<pre><code class="language-x">` for a language, and `blockquote [expandable]`.
 *
 * @param input The marked-up text.
 * @param resolve Looks up the user of a `tg://user?id=` link.
 * @returns Text and entities, by offset.
 */
export function parseHtml(input: string, resolve?: MentionResolver): Formatted {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  let i = 0;
  while (i < input.length) {
    const lt = input.indexOf("<", i);
    const chunkEnd = lt < 0 ? input.length : lt;
    if (chunkEnd > i) text += decodeHtmlText(input.slice(i, chunkEnd));
    if (lt < 0) break;
    const end = tagEnd(input, lt + 1);
    if (end < 0) throw badRequest(`can't parse entities: Unclosed start tag at byte offset ${lt}`);
    const raw = input.slice(lt + 1, end).trim();
    i = end + 1;
    if (raw.startsWith("/")) {
      const name = raw.slice(1).trim().toLowerCase();
      const open = stack.pop();
      if (open === undefined || open.tag !== name) {
        throw badRequest(
          `can't parse entities: Unmatched end tag at byte offset ${lt}, expected "</${open?.tag ?? ""}>", found "</${name}>"`,
        );
      }
      if (open.entity !== undefined && text.length > open.start)
        entities.push({
          ...open.entity,
          offset: open.start,
          length: text.length - open.start,
        } as MessageEntity);
      continue;
    }
    const { name, attrs } = readStartTag(raw, lt);
    const entity = entityFor(name, attrs, stack.at(-1), lt, resolve);
    stack.push({ tag: name, start: text.length, entity });
  }
  const open = stack.at(-1);
  if (open !== undefined)
    throw badRequest(
      `can't parse entities: Can't find end tag corresponding to start tag "${open.tag}"`,
    );
  return { text, entities: sortEntities(entities) };
}
