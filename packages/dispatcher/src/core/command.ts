import type { MessageEntity } from "@bot/types";
import { DispatcherError } from "./errors.js";

/** A command found at the start of a message. */
export interface ParsedCommand {
  /** The command name, lower-cased, without `/` and `@username`. */
  readonly name: string;
  /** The `@username` the command was addressed to, if any (as written). */
  readonly username: string | undefined;
  /** Everything after the command, with leading whitespace removed (a `/start` deep-link payload). */
  readonly args: string;
}

const NAME = /^[a-z0-9_]{1,32}$/;

/**
 * Normalises command names given to `bot.command`: strips a leading `/`, lower-cases, and
 * checks Telegram's rule (1-32 of `a-z`, `0-9`, `_`).
 *
 * @param names One name or several.
 * @returns The normalised names.
 * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_TRIGGER` for a name Telegram would never send.
 */
export function normaliseCommands(names: string | readonly string[]): string[] {
  const list = typeof names === "string" ? [names] : [...names];
  if (list.length === 0)
    throw new DispatcherError(
      "BOT_DISPATCHER_INVALID_TRIGGER",
      "command() needs at least one command name",
    );
  return list.map((raw) => {
    const name =
      typeof raw === "string" ? (raw.startsWith("/") ? raw.slice(1) : raw).toLowerCase() : "";
    if (!NAME.test(name)) {
      throw new DispatcherError(
        "BOT_DISPATCHER_INVALID_TRIGGER",
        `invalid command name ${JSON.stringify(raw)}: use 1-32 characters of a-z, 0-9 and _`,
      );
    }
    return name;
  });
}

/**
 * Parses the command a message starts with. Only a `bot_command` entity at offset 0 counts, as
 * Telegram clients send it. Names compare case-insensitively, like Telegram's own matching.
 *
 * @param text The message text.
 * @param entities The message entities.
 * @returns The command, or `undefined` when the message does not start with one.
 */
export function parseCommand(
  text: string | undefined,
  entities: readonly MessageEntity[] | undefined,
): ParsedCommand | undefined {
  if (text === undefined || entities === undefined) return undefined;
  const e = entities[0];
  if (e === undefined || e.offset !== 0 || e.type !== "bot_command") return undefined;
  const raw = text.slice(1, e.length);
  const at = raw.indexOf("@");
  const name = (at < 0 ? raw : raw.slice(0, at)).toLowerCase();
  const username = at < 0 ? undefined : raw.slice(at + 1);
  let i = e.length;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return { name, username, args: text.slice(i) };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 160;
}
