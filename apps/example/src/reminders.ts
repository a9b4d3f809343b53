/** Units `/remind` understands, in milliseconds. */
const UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The longest reminder: 30 days. */
export const MAX_REMINDER_MS = 30 * 86_400_000;

/** A parsed `/remind` argument. */
export interface ReminderRequest {
  /** The delay in milliseconds. */
  readonly delayMs: number;
  /** The text to send back. */
  readonly text: string;
}

/**
 * Parses `/remind` arguments: a duration like `10m`, `90s`, `2h`, `1d` or `1h30m`, then the text.
 *
 * @param input What follows `/remind`.
 * @returns The request, or `undefined` when it is malformed, empty, zero or over 30 days.
 */
export function parseReminder(input: string): ReminderRequest | undefined {
  const m = /^\s*((?:\d{1,6}[smhd]){1,4})\s+([\s\S]*\S)\s*$/.exec(input);
  if (m === null) return undefined;
  let delayMs = 0;
  for (const [, n, unit] of (m[1] as string).matchAll(/(\d+)([smhd])/g))
    delayMs += Number(n) * (UNITS[unit as string] as number);
  if (delayMs <= 0 || delayMs > MAX_REMINDER_MS) return undefined;
  return { delayMs, text: (m[2] as string).slice(0, 1000) };
}

/**
 * A duration for people: `10 minutes`, `1 hour 30 minutes`.
 *
 * @param ms Milliseconds.
 * @returns The words.
 */
export function describeDelay(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [name, size] of [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
    ["second", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
  }
  return parts.join(" ");
}
