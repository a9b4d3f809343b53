/**
 * Turns the Markdown of `@gramio/types`' JSDoc back into the plain text the `api.json` format
 * holds (the text of the official page, as its scraper writes it).
 */

const DOCS_ROOT = "https://core.telegram.org";

const PUNCTUATION: ReadonlyArray<readonly [RegExp, string]> = [
  [/[\u201c\u201d]/g, '"'],
  [/[\u2018\u2019]/g, "'"],
  [/\u2026/g, "..."],
  [/[\u2013\u2014]/g, "-"],
  [/\u00a0/g, " "],
];

function absolute(url: string): string {
  if (/^[a-z]+:/i.test(url)) return url;
  if (url.startsWith("#")) return `${DOCS_ROOT}/bots/api${url}`;
  return url.startsWith("/") ? `${DOCS_ROOT}${url}` : `${DOCS_ROOT}/${url}`;
}

/**
 * Converts one line of Markdown to plain text: links become their text (`More about X »`
 * links become `More about X: <url>`), images their alt text, and emphasis, code spans and
 * escapes are removed.
 *
 * @param line One line of Markdown.
 * @returns The plain text.
 */
export function plainLine(line: string): string {
  let text = line.replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1");
  text = text.replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (_, label: string, url: string) =>
    label.trimEnd().endsWith("»") ? `${label.replace(/\s*»\s*$/, "")}: ${absolute(url)}` : label,
  );
  // Code spans and escaped characters are literal: set them aside before removing emphasis.
  const kept: string[] = [];
  const keep = (literal: string) => `\ue000${kept.push(literal) - 1}\ue001`;
  text = text.replace(/`([^`]*)`/g, (_, code: string) => keep(code));
  text = text.replace(/\\([\\`*_{}[\]()#+\-.!|<>~=])/g, (_, ch: string) => keep(ch));
  text = text.replace(/\*\*([^*]+)\*\*/g, "$1").replace(/\*([^*\s](?:[^*]*[^*\s])?)\*/g, "$1");
  text = text.replace(/(^|[^\w])_([^_]+)_(?!\w)/g, "$1$2");
  text = text.replace(/\ue000(\d+)\ue001/g, (_, i: string) => kept[Number(i)] as string);
  for (const [re, to] of PUNCTUATION) text = text.replace(re, to);
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Splits a JSDoc body into the entries of an `api.json` description: one entry per line,
 * `- X` for list items; blockquotes, stand-alone images and the `[Documentation](…)` line
 * are dropped.
 *
 * @param body The JSDoc text, one line per element, without the comment markers.
 * @returns The description entries (empty when the doc has no text).
 */
export function descriptionEntries(body: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of body) {
    const line = raw.trim();
    if (line === "" || line.startsWith(">") || line.startsWith("@")) continue;
    if (/^\[Documentation\]\(/.test(line)) continue;
    if (/^\[?!\[[^\]]*\]\([^)]*\)\]?(\([^)]*\))?$/.test(line)) continue;
    const item = /^[*-]\s+(.*)$/.exec(line);
    const text = plainLine(item ? item[1]! : line);
    if (text === "") continue;
    out.push(item ? `- ${text}` : text);
  }
  return out;
}

/**
 * The description of a field or parameter: its lines joined with spaces.
 *
 * @param body The JSDoc text lines.
 * @returns The text, or `undefined` when there is none.
 */
export function fieldDescription(body: readonly string[]): string | undefined {
  const text = descriptionEntries(body)
    .map((e) => (e.startsWith("- ") ? e.slice(2) : e))
    .join(" ");
  return text === "" ? undefined : text;
}
