/**
 * Escaping for the `HTML` and `MarkdownV2` parse modes, and `MarkupText`, markup tagged with
 * its parse mode.
 *
 * @module
 */
const HTML_TEXT = /[&<>]/g;
const HTML_ATTRIBUTE = /[&<>"']/g;
const HTML_REPLACEMENTS: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const htmlReplace = (c: string): string => HTML_REPLACEMENTS[c] as string;

/**
 * Escapes text for the `HTML` parse mode: `&`, `<` and `>` only.
 *
 * @param text The plain text.
 * @returns The escaped text.
 */
export function escapeHtml(text: string): string {
  return text.replace(HTML_TEXT, htmlReplace);
}

/**
 * Escapes a value for an HTML attribute (such as `href`): `&`, `<`, `>`, `"` and `'`, so it is
 * safe in double- or single-quoted attributes.
 *
 * @param text The attribute value.
 * @returns The escaped value.
 */
export function escapeHtmlAttribute(text: string): string {
  return text.replace(HTML_ATTRIBUTE, htmlReplace);
}

const MD_TEXT = /[_*[\]()~`>#+\-=|{}.!\\]/g;
const MD_CODE = /[`\\]/g;
const MD_URL = /[)\\]/g;

/**
 * Escapes text for `MarkdownV2` outside code and link URLs: the 18 special characters
 * `_*[]()~\`>#+-=|{}.!` and the backslash. The result is also safe inside code and URLs.
 *
 * @param text The plain text.
 * @returns The escaped text.
 */
export function escapeMarkdownV2(text: string): string {
  return text.replace(MD_TEXT, "\\$&");
}

/**
 * Escapes text for `MarkdownV2` inside `pre` and `code`: only `` ` `` and `\`.
 *
 * @param text The code.
 * @returns The escaped code.
 */
export function escapeMarkdownV2Code(text: string): string {
  return text.replace(MD_CODE, "\\$&");
}

/**
 * Escapes a URL for `MarkdownV2` inside the `(...)` part of a link: only `)` and `\`.
 *
 * @param url The URL.
 * @returns The escaped URL.
 */
export function escapeMarkdownV2Url(url: string): string {
  return url.replace(MD_URL, "\\$&");
}

/** The parse modes the markup templates produce. */
export type MarkupParseMode = "HTML" | "MarkdownV2";

/** The caption form of {@link MarkupText}, spreadable into `send*` params. */
export interface MarkupCaption<M extends MarkupParseMode> {
  /** The caption markup. */
  caption: string;
  /** The parse mode of `caption`. */
  parse_mode: M;
}

/**
 * Markup text with its parse mode. Its own properties are exactly `text` and `parse_mode`,
 * so it can be spread into `sendMessage` params. Interpolating it into a template of the same
 * mode inserts it unescaped.
 */
export class MarkupText<M extends MarkupParseMode = MarkupParseMode> {
  /** The markup. */
  readonly text: string;
  /** The parse mode of `text`. */
  readonly parse_mode: M;

  /**
   * Marks a string as trusted markup. Use the `html` and `md` templates for user input.
   *
   * @param text The markup.
   * @param parseMode Its parse mode.
   */
  constructor(text: string, parseMode: M) {
    this.text = text;
    this.parse_mode = parseMode;
  }

  /**
   * Returns the caption form.
   *
   * @returns `{ caption, parse_mode }`.
   */
  asCaption(): MarkupCaption<M> {
    return { caption: this.text, parse_mode: this.parse_mode };
  }

  /**
   * Returns the markup.
   *
   * @returns The markup string.
   */
  toString(): string {
    return this.text;
  }
}
