/** How many characters of a value from the wire a log line shows at most. */
export const LOG_TEXT_MAX = 200;

/**
 * Shortens text that may hold a value from the wire (a valibot message quotes the value it
 * rejected), so one bad request cannot turn into a huge log line.
 *
 * @param text The text to log.
 * @param max How many characters to keep.
 * @returns The text when short enough, else its start and its full length.
 */
export function capLogText(text: string, max: number = LOG_TEXT_MAX): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} chars)`;
}
