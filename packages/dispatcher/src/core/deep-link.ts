import { DispatcherError } from "./errors.js";

const PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

/** A bot, or anything that knows the bot's username (`bot`, `ctx.me`, `"my_bot"`). */
export type BotLike =
  | string
  | { readonly username: string }
  | { readonly botInfo: { readonly username: string } };

/** Options of {@link deepLink}. */
export interface DeepLinkOptions {
  /** Opens the "add to group" dialog (`?startgroup=`) instead of a private chat (`?start=`). */
  readonly group?: boolean | undefined;
}

function usernameOf(bot: BotLike): string {
  const name =
    typeof bot === "string"
      ? bot.replace(/^@/, "")
      : "botInfo" in bot
        ? bot.botInfo.username
        : bot.username;
  if (typeof name !== "string" || !USERNAME.test(name)) {
    throw new DispatcherError(
      "BOT_DISPATCHER_INVALID_DEEP_LINK",
      "deepLink needs the bot's username (a bot after init(), ctx.me, or a string)",
    );
  }
  return name;
}

/**
 * Builds a deep link that starts the bot with a payload: `https://t.me/<bot>?start=<payload>`.
 * The user's `/start` arrives as `bot.command("start", ...)` with the payload in `ctx.match`.
 *
 * @example deepLink(bot, "ref_42") // "https://t.me/my_bot?start=ref_42"
 * @param bot The bot (initialised, or with `botInfo`), `ctx.me`, or the username.
 * @param payload 1-64 characters of `A-Z`, `a-z`, `0-9`, `_` and `-` (Telegram's rule).
 * @param options `group: true` for a link that adds the bot to a group (`?startgroup=`).
 * @returns The link.
 * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_DEEP_LINK` for a payload Telegram would refuse
 *   or an unknown username.
 */
export function deepLink(bot: BotLike, payload: string, options: DeepLinkOptions = {}): string {
  if (typeof payload !== "string" || !PAYLOAD.test(payload)) {
    throw new DispatcherError(
      "BOT_DISPATCHER_INVALID_DEEP_LINK",
      "a deep-link payload is 1-64 characters of A-Z, a-z, 0-9, _ and - (encode other data, e.g. base64url)",
    );
  }
  const param = options.group === true ? "startgroup" : "start";
  return `https://t.me/${usernameOf(bot)}?${param}=${payload}`;
}

/**
 * Builds a link that adds the bot to a group and starts it there with a payload
 * (`https://t.me/<bot>?startgroup=<payload>`).
 *
 * @param bot The bot (initialised, or with `botInfo`), `ctx.me`, or the username.
 * @param payload 1-64 characters of `A-Z`, `a-z`, `0-9`, `_` and `-`.
 * @returns The link.
 * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_DEEP_LINK` for a payload Telegram would refuse
 *   or an unknown username.
 */
export function startGroupLink(bot: BotLike, payload: string): string {
  return deepLink(bot, payload, { group: true });
}
