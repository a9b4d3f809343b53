/**
 * Splits long formatted text into messages that fit Telegram's length limits, cutting entities
 * at the boundaries instead of breaking them.
 *
 * @module
 */
import type { MessageEntity } from "@bot/types";
import { type FmtValue, FormattedText, toFormatted } from "./entities.js";
import { FormatError } from "./errors.js";

/** The most characters (UTF-16 code units) in a message text. */
export const MESSAGE_TEXT_MAX_LENGTH = 4096;

/** The most characters (UTF-16 code units) in a media caption. */
export const CAPTION_MAX_LENGTH = 1024;

let segmenter: Intl.Segmenter | undefined;

/** The greatest cut in (start, end] that does not break a grapheme, or `end` if there is none. */
function graphemeCut(text: string, start: number, end: number): number {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let cut = start;
  // Segment only a window around `end`: graphemes longer than 64 code units are rare. The
  // window runs past `end` so that the grapheme crossing `end` is seen whole.
  const from = Math.max(start, end - 64);
  for (const { index } of segmenter.segment(text.slice(from, end + 64))) {
    const at = from + index;
    if (at > end) break;
    if (at > start) cut = at;
  }
  if (cut === start) cut = end;
  // A grapheme longer than the window: cut between code points at least.
  const code = text.charCodeAt(cut - 1);
  return code >= 0xd800 && code <= 0xdbff && cut - 1 > start ? cut - 1 : cut;
}

function cutPoint(text: string, start: number, max: number): number {
  const end = start + max;
  if (end >= text.length) return text.length;
  const newline = text.lastIndexOf("\n", end - 1);
  if (newline >= start + max / 2) return newline + 1;
  for (let i = end - 1; i >= start + max / 2; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) return i + 1;
  }
  return graphemeCut(text, start, end);
}

/**
 * Splits formatted text into chunks of at most `maxLength` UTF-16 code units, preferring line
 * breaks, then spaces, and never splitting a grapheme cluster unless one is longer than the
 * limit. An entity that crosses a cut is split into one entity per chunk.
 *
 * @param value The text to split, plain or formatted.
 * @param maxLength The chunk size; {@link MESSAGE_TEXT_MAX_LENGTH} (4096) by default.
 * @returns The chunks, in order; none when the text is empty.
 */
export function splitFormatted(
  value: FmtValue,
  maxLength: number = MESSAGE_TEXT_MAX_LENGTH,
): FormattedText[] {
  if (!Number.isSafeInteger(maxLength) || maxLength < 2) {
    throw new FormatError(
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
      "splitFormatted: maxLength must be >= 2",
    );
  }
  const f = toFormatted(value);
  const text = f.text;
  if (text.length <= maxLength) return text.length === 0 ? [] : [f];
  const entities = f.entities;
  const out: FormattedText[] = [];
  for (let start = 0; start < text.length; ) {
    const end = cutPoint(text, start, maxLength);
    const chunk: MessageEntity[] = [];
    for (const e of entities) {
      const from = Math.max(e.offset, start);
      const to = Math.min(e.offset + e.length, end);
      if (to > from) chunk.push(Object.freeze({ ...e, offset: from - start, length: to - from }));
    }
    out.push(new FormattedText(text.slice(start, end), chunk));
    start = end;
  }
  return out;
}
