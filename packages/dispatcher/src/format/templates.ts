/**
 * The `html` and `md` templates: every interpolated value is escaped, so user input cannot
 * inject markup.
 *
 * @module
 */
import { FormattedText } from "./entities.js";
import { FormatError } from "./errors.js";
import {
  escapeHtmlAttribute,
  escapeMarkdownV2,
  type MarkupParseMode,
  MarkupText,
} from "./escape.js";
import { toHtml } from "./render.js";

/** A value the `html` and `md` templates accept. */
export type MarkupValue = MarkupText | string | number | bigint | boolean;

/** A value the `html` template accepts: also `FormattedText`, rendered to HTML tags. */
export type HtmlValue = MarkupValue | FormattedText;

function template<M extends MarkupParseMode>(
  mode: M,
  escapeValue: (text: string) => string,
  strings: TemplateStringsArray,
  values: readonly HtmlValue[],
): MarkupText<M> {
  const parts = new Array<string>(strings.length + values.length);
  let n = 0;
  for (let i = 0; i < strings.length; i++) {
    parts[n++] = strings[i] ?? (strings.raw[i] as string);
    if (i >= values.length) continue;
    const v = values[i];
    if (v instanceof FormattedText) {
      if (mode !== "HTML") {
        throw new FormatError(
          "BOT_DISPATCHER_FORMAT_PARSE_MODE_MISMATCH",
          `cannot put FormattedText into a ${mode} template`,
        );
      }
      parts[n++] = toHtml(v).text;
    } else if (v instanceof MarkupText) {
      if (v.parse_mode !== mode) {
        throw new FormatError(
          "BOT_DISPATCHER_FORMAT_PARSE_MODE_MISMATCH",
          `cannot put ${v.parse_mode} markup into a ${mode} template`,
        );
      }
      parts[n++] = v.text;
    } else {
      parts[n++] = escapeValue(String(v));
    }
  }
  return new MarkupText(parts.join(""), mode);
}

/**
 * Builds `HTML` markup. Every interpolated value is escaped (including `"`, so values are
 * safe inside attributes too), except `MarkupText` built for HTML, which is inserted as is,
 * and `FormattedText`, which is rendered with {@link toHtml}.
 *
 * @example html`<b>${user.first_name}</b> <a href="${url}">open</a>`
 * @param strings The literal markup.
 * @param values The interpolated values.
 * @returns The markup with `parse_mode: "HTML"`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): MarkupText<"HTML"> {
  return template("HTML", escapeHtmlAttribute, strings, values);
}

/**
 * Builds `MarkdownV2` markup. Every interpolated value is escaped with all 18 special
 * characters and `\`, which is valid in text, code and link URLs alike, except `MarkupText`
 * built for MarkdownV2.
 *
 * @example md`*${user.first_name}* [open](${url})`
 * @param strings The literal markup.
 * @param values The interpolated values.
 * @returns The markup with `parse_mode: "MarkdownV2"`.
 */
export function md(
  strings: TemplateStringsArray,
  ...values: MarkupValue[]
): MarkupText<"MarkdownV2"> {
  return template("MarkdownV2", escapeMarkdownV2, strings, values);
}
