/**
 * Formatted values in call parameters: a text field (`text`, `caption`, `message_text`,
 * `question`, ...) may hold text with its formatting instead of a string, and is expanded into
 * the string plus its companion field (`entities`/`caption_entities`/..., or the parse mode)
 * where parameters are serialised.
 *
 * @module
 */

import { type Brand, brand } from "./brand.js";
import { TypesError } from "./errors.js";
import type { MessageEntity, ParseMode } from "./generated/types.js";
import { isInputFile } from "./input-file.js";

/** Text with entities (what `fmt` builds, or a received message's `{ text, entities }`). */
export interface EntityFormatted {
  /** The plain text. */
  readonly text: string;
  /** Its entities, offsets in UTF-16 code units. */
  readonly entities?: readonly MessageEntity[] | undefined;
  /** Absent: entities and a parse mode exclude each other. */
  readonly parse_mode?: undefined;
}

/** Markup with its parse mode (what the `html` and `md` templates build). */
export interface MarkupFormatted {
  /** The markup. */
  readonly text: string;
  /** How Telegram parses `text`. */
  readonly parse_mode: ParseMode;
  /** Absent: entities and a parse mode exclude each other. */
  readonly entities?: undefined;
}

/** Text with its formatting: entities, or markup with a parse mode. */
export type Formatted = EntityFormatted | MarkupFormatted;

/**
 * A text field that holds a string or a {@link Formatted} value. With a formatted value the
 * companion fields (`entities`, `parse_mode`, ...) must be left out: they come from the value.
 */
export type FormattedField<K extends string, E extends string, P extends string> =
  | ({ [k in K]: string } & { [k in E]?: MessageEntity[] } & { [k in P]?: ParseMode })
  | ({ [k in K]: Formatted } & { [k in E]?: never } & { [k in P]?: never });

/** A text field that may be left out, or hold a string or a {@link Formatted} value. */
export type OptionalFormattedField<K extends string, E extends string, P extends string> =
  | ({ [k in K]?: string } & { [k in E]?: MessageEntity[] } & { [k in P]?: ParseMode })
  | ({ [k in K]: Formatted } & { [k in E]?: never } & { [k in P]?: never });

/**
 * Method parameters whose `text` (`sendMessage`, `editMessageText`) or `caption` (`sendPhoto`,
 * `copyMessage`, ...) may be a {@link Formatted} value; with one, the companion fields are not
 * allowed. Nested fields (media captions, inline results) are expanded at run time too.
 */
export type WithFormatted<P> = "text" extends keyof P
  ? "entities" extends keyof P
    ? WithField<P, "text", "entities", "parse_mode">
    : P
  : "caption" extends keyof P
    ? WithField<P, "caption", "caption_entities", "parse_mode">
    : P;

type WithField<P, K extends keyof P & string, E extends string, M extends string> = Omit<
  P,
  K | E | M
> &
  // the original fields (their docs stay on hover), or a formatted value without its companions
  (
    | Pick<P, Extract<K | E | M, keyof P>>
    | ({ [k in K]: Formatted } & { [k in E]?: never } & {
        [k in M]?: never;
      })
  );

/** Text fields and their companions: `[entities field, parse mode field]`. */
const COMPANIONS: Readonly<Record<string, readonly [string, string]>> = {
  caption: ["caption_entities", "parse_mode"],
  message_text: ["entities", "parse_mode"],
  question: ["question_entities", "question_parse_mode"],
  explanation: ["explanation_entities", "explanation_parse_mode"],
  quote: ["quote_entities", "quote_parse_mode"],
  description: ["description_entities", "description_parse_mode"],
};
/** Methods whose top-level `text` pairs with `entities`/`parse_mode` (elsewhere `text_*`). */
const MESSAGE_TEXT_METHODS: ReadonlySet<string> = new Set([
  "sendMessage",
  "editMessageText",
  "sendMessageDraft",
]);
const TEXT_AS_MESSAGE: readonly [string, string] = ["entities", "parse_mode"];
const TEXT_AS_FIELD: readonly [string, string] = ["text_entities", "text_parse_mode"];
const MAX_DEPTH = 6;

/**
 * Thrown when a formatted value is combined with its own entities or parse mode (a
 * `TypesError`, code `BOT_TYPES_FORMATTED_CONFLICT`).
 */
export class FormattedConflictError extends TypesError {
  /** A stable code to match on. */
  declare readonly code: "BOT_TYPES_FORMATTED_CONFLICT";

  /**
   * Creates the error.
   *
   * @param field The text field.
   * @param other The companion field that was also given.
   */
  constructor(field: string, other: string) {
    super(
      "BOT_TYPES_FORMATTED_CONFLICT",
      `@bot/types: \`${field}\` holds formatted text, so \`${other}\` must be left out (it comes from the value)`,
    );
    this.name = "FormattedConflictError";
  }
}
// `instanceof` that survives duplicate installs.
const FORMATTED_CONFLICT_ERROR: Brand<FormattedConflictError> = brand(
  "@bot/types.FormattedConflictError",
);
FORMATTED_CONFLICT_ERROR.brandClass(FormattedConflictError);

/**
 * Tells whether a value is a formatted text value (`{ text: string, entities? }` or
 * `{ text: string, parse_mode }`).
 *
 * @param value Any value.
 * @returns Whether it is {@link Formatted}.
 */
export function isFormatted(value: unknown): value is Formatted {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { text?: unknown }).text === "string" &&
    !Array.isArray(value)
  );
}

/**
 * Expands the formatted values in call parameters into strings plus their companion fields.
 * Objects are copied only where something changes, so parameters without formatted values are
 * returned as they are.
 *
 * @param method The Bot API method.
 * @param params Its parameters.
 * @returns The parameters with every formatted value expanded.
 * @throws {FormattedConflictError} When a formatted value comes with its own entities or parse mode.
 */
export function expandFormatted<T>(method: string, params: T): T {
  if (typeof params !== "object" || params === null) return params;
  return expandObject(params as Record<string, unknown>, MESSAGE_TEXT_METHODS.has(method), 0) as T;
}

function expandObject(
  obj: Record<string, unknown>,
  topMessage: boolean,
  depth: number,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    if (typeof value !== "object" || value === null || key === "reply_markup") continue;
    const companions =
      key === "text" ? (topMessage ? TEXT_AS_MESSAGE : TEXT_AS_FIELD) : COMPANIONS[key];
    if (companions !== undefined && isFormatted(value)) {
      out ??= { ...obj };
      setFormatted(out, key, value, companions);
      continue;
    }
    if (depth >= MAX_DEPTH || isInputFile(value)) continue;
    const expanded = Array.isArray(value)
      ? expandArray(value, depth + 1)
      : expandObject(value as Record<string, unknown>, false, depth + 1);
    if (expanded !== value) {
      out ??= { ...obj };
      out[key] = expanded;
    }
  }
  return out ?? obj;
}

function expandArray(list: readonly unknown[], depth: number): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item !== "object" || item === null || Array.isArray(item) || isInputFile(item))
      continue;
    const expanded = expandObject(item as Record<string, unknown>, false, depth);
    if (expanded !== item) {
      out ??= list.slice();
      out[i] = expanded;
    }
  }
  return out ?? list;
}

function setFormatted(
  out: Record<string, unknown>,
  key: string,
  value: Formatted,
  [entitiesKey, modeKey]: readonly [string, string],
): void {
  if (out[entitiesKey] !== undefined) throw new FormattedConflictError(key, entitiesKey);
  if (out[modeKey] !== undefined) throw new FormattedConflictError(key, modeKey);
  out[key] = value.text;
  if (value.parse_mode !== undefined) {
    out[modeKey] = value.parse_mode;
  } else if (value.entities !== undefined && value.entities.length > 0) {
    out[entitiesKey] = value.entities;
  }
}
