/**
 * Entity-based formatting: text plus explicit `MessageEntity` offsets in UTF-16 code
 * units. Interpolated strings are never parsed, so user input cannot create markup.
 *
 * @module
 */
import type { MessageEntity, MessageEntityType, User } from "@bot/types";
import { FormatError } from "./errors.js";

/** Something with text and entities, such as a received `Message` with text. */
export interface TextWithEntities {
  /** The plain text. */
  readonly text: string;
  /** The entities of `text`, offsets in UTF-16 code units. */
  readonly entities?: readonly MessageEntity[] | undefined;
  /** Absent: markup with a parse mode (`html`, `md`) is not text with entities. */
  readonly parse_mode?: undefined;
}

/** A value that `fmt` and the entity helpers accept. */
export type FmtValue =
  | FormattedText
  | TextWithEntities
  | string
  | number
  | bigint
  | boolean
  | readonly FmtValue[];

/** The caption form of a {@link FormattedText}, spreadable into `send*` params. */
export interface FormattedCaption {
  /** The caption text. */
  caption: string;
  /** The caption entities. */
  caption_entities: MessageEntity[];
}

/** Options of {@link FormattedText.asInputText}: the `InputTextMessageContent` shape. */
export interface FormattedInputText {
  /** The message text. */
  message_text: string;
  /** The message entities. */
  entities: MessageEntity[];
}

/**
 * Text with entities. Its own properties are exactly `text` and `entities`, so it can be
 * spread into `sendMessage` params (`{ chat_id, ...formatted }`) or serialised as is.
 */
export class FormattedText implements TextWithEntities {
  /** The plain text. */
  readonly text: string;
  /**
   * The entities, outer before inner, offsets and lengths in UTF-16 code units. The entity
   * objects are frozen because several texts may share them: copy one before changing it.
   */
  readonly entities: MessageEntity[];

  /**
   * Wraps text and entities. The entities are trusted as given; prefer `fmt` and the helpers.
   *
   * @param text The plain text.
   * @param entities The entities of `text`.
   */
  constructor(text: string, entities: MessageEntity[] = []) {
    this.text = text;
    this.entities = entities;
  }

  /**
   * Returns the length of the text in UTF-16 code units (what Telegram's limits count).
   *
   * @returns The length.
   */
  get length(): number {
    return this.text.length;
  }

  /**
   * Returns the caption form, spreadable into `sendPhoto` and friends.
   *
   * @returns `{ caption, caption_entities }`.
   */
  asCaption(): FormattedCaption {
    return { caption: this.text, caption_entities: this.entities.slice() };
  }

  /**
   * Returns the `InputTextMessageContent` form, for inline query results.
   *
   * @returns `{ message_text, entities }`.
   */
  asInputText(): FormattedInputText {
    return { message_text: this.text, entities: this.entities.slice() };
  }

  /**
   * Appends values after this text.
   *
   * @param values The values to append.
   * @returns A new formatted text.
   */
  concat(...values: FmtValue[]): FormattedText {
    const b = new Builder();
    b.append(this);
    for (const v of values) b.append(v);
    return b.done();
  }

  /**
   * Returns the plain text.
   *
   * @returns The text without entities.
   */
  toString(): string {
    return this.text;
  }
}

/** Accumulates parts in an array and entities with shifted offsets: linear, not quadratic. */
class Builder {
  readonly #parts: string[] = [];
  readonly #entities: MessageEntity[] = [];
  #offset = 0;

  append(value: FmtValue): void {
    if (typeof value === "string") {
      this.#text(value);
    } else if (typeof value === "object" && value !== null) {
      if (Array.isArray(value)) {
        for (const v of value as readonly FmtValue[]) this.append(v);
      } else {
        this.#rich(value as TextWithEntities);
      }
    } else {
      this.#text(String(value));
    }
  }

  #text(text: string): void {
    if (text.length === 0) return;
    this.#parts.push(text);
    this.#offset += text.length;
  }

  #rich(value: TextWithEntities): void {
    const text = value.text;
    if (value.parse_mode !== undefined) {
      throw new FormatError(
        "BOT_DISPATCHER_FORMAT_PARSE_MODE_MISMATCH",
        `fmt: cannot put ${String(value.parse_mode)} markup into entity-formatted text`,
      );
    }
    if (typeof text !== "string") {
      throw new FormatError(
        "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
        "fmt: an interpolated object must have a string `text`",
      );
    }
    const shift = this.#offset;
    const entities = value.entities;
    if (entities !== undefined) {
      if (!Array.isArray(entities)) {
        throw new FormatError(
          "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
          "fmt: `entities` must be an array",
        );
      }
      for (const e of entities) this.#entities.push(shift === 0 ? e : shifted(e, shift));
    }
    this.#text(text);
  }

  done(): FormattedText {
    const parts = this.#parts;
    const text = parts.length === 1 ? (parts[0] as string) : parts.join("");
    return new FormattedText(text, this.#entities);
  }
}

function shifted(e: MessageEntity, by: number): MessageEntity {
  return Object.freeze({ ...e, offset: e.offset + by });
}

/**
 * Normalises any {@link FmtValue} to a {@link FormattedText}.
 *
 * @param value The value.
 * @returns The formatted text; a `FormattedText` is returned as is.
 */
export function toFormatted(value: FmtValue): FormattedText {
  if (value instanceof FormattedText) return value;
  const b = new Builder();
  b.append(value);
  return b.done();
}

/**
 * Builds formatted text from a template. Strings are inserted verbatim: they never create
 * entities, whatever characters they contain. Formatted values keep their entities.
 *
 * @example fmt`Hello ${bold(user.first_name)}!`
 * @param strings The literal parts.
 * @param values The interpolated values.
 * @returns The formatted text.
 */
export function fmt(strings: TemplateStringsArray, ...values: FmtValue[]): FormattedText {
  const b = new Builder();
  const raw = strings.raw;
  for (let i = 0; i < strings.length; i++) {
    b.append(strings[i] ?? (raw[i] as string));
    if (i < values.length) b.append(values[i] as FmtValue);
  }
  return b.done();
}

/**
 * Joins values with a separator, like `Array.prototype.join` but keeping entities.
 *
 * @param values The values to join.
 * @param separator The separator, plain or formatted; `""` by default.
 * @returns The formatted text.
 */
export function join(values: readonly FmtValue[], separator: FmtValue = ""): FormattedText {
  const b = new Builder();
  for (let i = 0; i < values.length; i++) {
    if (i > 0) b.append(separator);
    b.append(values[i] as FmtValue);
  }
  return b.done();
}

const STYLES: ReadonlySet<MessageEntityType> = new Set([
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
]);
const QUOTES: ReadonlySet<MessageEntityType> = new Set(["blockquote", "expandable_blockquote"]);
const CODES: ReadonlySet<MessageEntityType> = new Set(["pre", "code"]);

/**
 * Tells whether an entity of type `outer` may contain one of type `inner`, following the
 * Bot API nesting rules as TDLib (Telegram's own implementation) states them: pre and code
 * contain nothing; blockquotes do not nest; the five styles may contain anything (including
 * code) and be inside anything but pre and code; other entities contain only styles.
 *
 * @param outer The containing entity type.
 * @param inner The contained entity type.
 * @returns Whether Telegram accepts the nesting.
 */
export function canContain(outer: MessageEntityType, inner: MessageEntityType): boolean {
  if (CODES.has(outer)) return false;
  if (QUOTES.has(outer)) return !QUOTES.has(inner);
  if (STYLES.has(outer)) return true;
  return STYLES.has(inner);
}

type EntityExtra = Omit<MessageEntity, "type" | "offset" | "length">;

function wrap(type: MessageEntityType, value: FmtValue, extra?: EntityExtra): FormattedText {
  const inner = toFormatted(value);
  const length = inner.text.length;
  if (length === 0) return inner;
  for (const e of inner.entities) {
    if (!canContain(type, e.type)) {
      throw new FormatError(
        "BOT_DISPATCHER_FORMAT_INVALID_NESTING",
        `a "${type}" entity cannot contain a "${e.type}" entity`,
      );
    }
  }
  const entity: MessageEntity = Object.freeze({ type, offset: 0, length, ...extra });
  const entities = new Array<MessageEntity>(inner.entities.length + 1);
  entities[0] = entity;
  for (let i = 0; i < inner.entities.length; i++) entities[i + 1] = inner.entities[i]!;
  return new FormattedText(inner.text, entities);
}

function nonEmpty(what: string, value: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new FormatError(
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
      `${what} must be a non-empty string`,
    );
  }
  return value;
}

/**
 * Makes text bold.
 *
 * @param value The text, plain or formatted.
 * @returns The formatted text.
 */
export function bold(value: FmtValue): FormattedText {
  return wrap("bold", value);
}

/**
 * Makes text italic.
 *
 * @param value The text, plain or formatted.
 * @returns The formatted text.
 */
export function italic(value: FmtValue): FormattedText {
  return wrap("italic", value);
}

/**
 * Underlines text.
 *
 * @param value The text, plain or formatted.
 * @returns The formatted text.
 */
export function underline(value: FmtValue): FormattedText {
  return wrap("underline", value);
}

/**
 * Strikes text through.
 *
 * @param value The text, plain or formatted.
 * @returns The formatted text.
 */
export function strikethrough(value: FmtValue): FormattedText {
  return wrap("strikethrough", value);
}

/**
 * Hides text behind a spoiler.
 *
 * @param value The text, plain or formatted.
 * @returns The formatted text.
 */
export function spoiler(value: FmtValue): FormattedText {
  return wrap("spoiler", value);
}

/**
 * Formats inline monospace code. It cannot contain other entities.
 *
 * @param value The code.
 * @returns The formatted text.
 */
export function code(value: FmtValue): FormattedText {
  return wrap("code", value);
}

/**
 * Formats a monospace block, with an optional language for highlighting. It cannot contain
 * other entities.
 *
 * @param value The code.
 * @param language The programming language, such as `"ts"`.
 * @returns The formatted text.
 */
export function pre(value: FmtValue, language?: string): FormattedText {
  return language === undefined || language === ""
    ? wrap("pre", value)
    : wrap("pre", value, { language });
}

/**
 * Makes text a link (`text_link`).
 *
 * @param value The visible text.
 * @param url The target URL (`https://`, `tg://`...).
 * @returns The formatted text.
 */
export function link(value: FmtValue, url: string): FormattedText {
  return wrap("text_link", value, { url: nonEmpty("link url", url) });
}

/**
 * Mentions a user. Given a `User`, it makes a `text_mention`; given only an id, it makes a
 * `tg://user?id=` link, which Telegram resolves the same way.
 *
 * @param value The visible text, usually the user's name.
 * @param user The user, or the user's id.
 * @returns The formatted text.
 */
export function mention(value: FmtValue, user: User | number): FormattedText {
  if (typeof user === "number") {
    if (!Number.isSafeInteger(user)) {
      throw new FormatError(
        "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
        "mention: user id must be an integer",
      );
    }
    return wrap("text_link", value, { url: `tg://user?id=${user}` });
  }
  return wrap("text_mention", value, { user });
}

/**
 * Shows a custom emoji in place of a fallback emoji.
 *
 * @param fallback The fallback emoji shown where custom emoji are unsupported.
 * @param customEmojiId The custom emoji id.
 * @returns The formatted text.
 */
export function customEmoji(fallback: string, customEmojiId: string): FormattedText {
  nonEmpty("customEmoji fallback", fallback);
  return wrap("custom_emoji", fallback, {
    custom_emoji_id: nonEmpty("customEmoji id", customEmojiId),
  });
}

/**
 * Quotes text as a block. Blockquotes cannot be nested.
 *
 * @param value The quoted text, plain or formatted.
 * @returns The formatted text.
 */
export function blockquote(value: FmtValue): FormattedText {
  return wrap("blockquote", value);
}

/**
 * Quotes text as a block that is collapsed until tapped. Blockquotes cannot be nested.
 *
 * @param value The quoted text, plain or formatted.
 * @returns The formatted text.
 */
export function expandableBlockquote(value: FmtValue): FormattedText {
  return wrap("expandable_blockquote", value);
}

const DATE_TIME_FORMAT = /^(?:r|w?[dD]?[tT]?)$/;

/**
 * Shows a point in time in each reader's time zone (`date_time`).
 *
 * @param value The fallback text.
 * @param time The time, as a `Date` or Unix seconds.
 * @param format The format: `r` (relative) or `w?[dD]?[tT]?`; omitted for the default.
 * @returns The formatted text.
 */
export function dateTime(value: FmtValue, time: Date | number, format?: string): FormattedText {
  const unix = typeof time === "number" ? time : Math.floor(time.getTime() / 1000);
  if (!Number.isSafeInteger(unix)) {
    throw new FormatError(
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
      "dateTime: time must be a valid date",
    );
  }
  if (format === undefined || format === "") return wrap("date_time", value, { unix_time: unix });
  if (!DATE_TIME_FORMAT.test(format)) {
    throw new FormatError(
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
      `dateTime: format must match r|w?[dD]?[tT]? (got ${JSON.stringify(format)})`,
    );
  }
  return wrap("date_time", value, { unix_time: unix, date_time_format: format });
}
