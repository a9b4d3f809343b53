import { RuntimeError } from "./errors.js";

const SPECIAL = /[%:{}]/g;
const KIND = /^[a-z][a-z0-9-]*$/;

function escapeChar(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * Escapes one segment of a storage key so it contains no `:` (the separator), no `{` or `}`
 * (Redis Cluster hash tags) and no bare `%`. The encoding is injective: two different strings
 * never escape to the same text, and a string without those four characters is unchanged.
 *
 * @param part The segment (a user-chosen session key, a chat id, ...).
 * @returns The escaped segment.
 */
export function escapeKeyPart(part: string): string {
  return part.replace(SPECIAL, escapeChar);
}

/**
 * Builds the storage key of a piece of state, scoped by bot: `<botId>:<kind>:<part>:<part>...`,
 * every segment escaped with {@link escapeKeyPart}. Distinct `(botId, kind, ...parts)` tuples
 * never give the same key, so two bots on one storage, or a user-chosen key such as
 * `"admin:42"`, can never reach another key. Sessions use kinds `data` and `session`; dedup uses
 * `dedup`. A networked storage may add its own prefix in front (e.g. `bot:`).
 *
 * @example `storageKey(123, "data", "chat", -42)` is `"123:data:chat:-42"`.
 * @param botId The bot's id: the part of its token before the colon (known without `getMe`).
 * @param kind What the key holds: lowercase letters, digits and `-`, starting with a letter.
 * @param parts The rest of the key; each is converted with `String` and escaped.
 * @returns The key.
 * @throws {RuntimeError} `BOT_DISPATCHER_STORAGE_INVALID_KEY` for a bad bot id or kind.
 */
export function storageKey(
  botId: number | string,
  kind: string,
  ...parts: ReadonlyArray<string | number>
): string {
  const id = String(botId);
  if (id.length === 0 || (typeof botId === "number" && !Number.isSafeInteger(botId))) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      "@bot/dispatcher: a storage key needs the bot id (an integer)",
    );
  }
  if (!KIND.test(kind)) {
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      "@bot/dispatcher: a storage key kind is lowercase letters, digits and '-'",
    );
  }
  let key = `${escapeKeyPart(id)}:${kind}`;
  for (const part of parts) {
    key += `:${typeof part === "number" ? String(part) : escapeKeyPart(part)}`;
  }
  return key;
}
