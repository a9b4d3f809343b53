import { DispatcherError } from "./errors.js";

/** A trigger for `hears`, `callbackQuery` and `inlineQuery`: an exact string or a RegExp. */
export type Trigger = string | RegExp;

/** What `ctx.match` holds after a trigger matched: the string, or the RegExp match. */
export type TriggerMatch<T> = T extends RegExp
  ? RegExpMatchArray
  : T extends string
    ? string
    : never;

/**
 * Compiles triggers into one matcher. Strings match exactly; a RegExp is tested from its start
 * each time (a `g` or `y` flag carries no state between updates).
 *
 * @param trigger One trigger or several (or).
 * @returns A function returning the match, or `undefined`.
 * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_TRIGGER` for something that is neither a string
 *   nor a RegExp.
 */
export function compileTriggers(
  trigger: Trigger | readonly Trigger[],
): (value: string | undefined) => string | RegExpMatchArray | undefined {
  const list: readonly Trigger[] =
    typeof trigger === "string" || trigger instanceof RegExp ? [trigger] : trigger;
  if (!Array.isArray(list) || list.length === 0) {
    throw new DispatcherError(
      "BOT_DISPATCHER_INVALID_TRIGGER",
      "a trigger must be a string, a RegExp, or a non-empty array of them",
    );
  }
  const strings = new Set<string>();
  const regexps: RegExp[] = [];
  for (const t of list) {
    if (typeof t === "string") strings.add(t);
    else if (t instanceof RegExp) regexps.push(t);
    else
      throw new DispatcherError(
        "BOT_DISPATCHER_INVALID_TRIGGER",
        "a trigger must be a string or a RegExp",
      );
  }
  return (value) => {
    if (value === undefined) return undefined;
    if (strings.has(value)) return value;
    for (const re of regexps) {
      re.lastIndex = 0;
      const m = re.exec(value);
      if (m !== null) return m;
    }
    return undefined;
  };
}
