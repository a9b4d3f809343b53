import type { Chat, Update, User } from "@bot/types";

/**
 * "The chat of an update" and "the user of an update", defined once. The context's `chat`,
 * `chatId` and `from`, the session keys, the polling scheduler's ordering key and the webhook
 * runner's lines all use these functions, so they can never disagree.
 *
 * The rule is generic over update kinds: the payload is the update's one field besides
 * `update_id`; its chat is `payload.chat`, else `payload.message.chat` (callback queries,
 * whose message may be inaccessible); its user is `payload.from`, else `payload.user`
 * (poll answers, reactions, business connections, managed bots). A kind added to the Bot API
 * later is covered when it follows these field names.
 */

type Payload = {
  readonly chat?: unknown;
  readonly message?: { readonly chat?: unknown } | undefined;
  readonly from?: unknown;
  readonly user?: unknown;
};

/** The payload of an update: its first field other than `update_id`, if it is an object. */
function payloadOf(update: Update): Payload | undefined {
  const record = update as unknown as Record<string, unknown>;
  for (const kind in record) {
    if (kind === "update_id") continue;
    const value = record[kind];
    return typeof value === "object" && value !== null ? (value as Payload) : undefined;
  }
  return undefined;
}

function hasId(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "number"
  );
}

/**
 * The chat an update happened in.
 *
 * @param update The update.
 * @returns The chat (of the message, the callback query's message, the member change, the
 *   reaction, the boost, ...), or `undefined` when the update has none (inline queries, polls).
 */
export function updateChat(update: Update): Chat | undefined {
  const payload = payloadOf(update);
  if (payload === undefined) return undefined;
  if (hasId(payload.chat)) return payload.chat as Chat;
  const chat = payload.message?.chat;
  return hasId(chat) ? (chat as Chat) : undefined;
}

/**
 * The user an update came from.
 *
 * @param update The update.
 * @returns The sender (`from`, or `user` for poll answers, reactions, business connections),
 *   or `undefined` (channel posts, polls, anonymous reactions).
 */
export function updateUser(update: Update): User | undefined {
  const payload = payloadOf(update);
  if (payload === undefined) return undefined;
  if (hasId(payload.from)) return payload.from as User;
  return hasId(payload.user) ? (payload.user as User) : undefined;
}

/**
 * The id of {@link updateChat}.
 *
 * @param update The update.
 * @returns The chat id, or `undefined`.
 */
export function updateChatId(update: Update): number | undefined {
  return updateChat(update)?.id;
}

/**
 * The id of {@link updateUser}.
 *
 * @param update The update.
 * @returns The user id, or `undefined`.
 */
export function updateUserId(update: Update): number | undefined {
  return updateUser(update)?.id;
}

/**
 * The default ordering key of an update: its chat id, else its user id, else `undefined`
 * (no order: runs in parallel with everything). A private chat's id equals its user's id, so a
 * user's messages, callback queries and inline queries share one key.
 *
 * @param update The update.
 * @returns The key, or `undefined` when the update has neither chat nor user.
 */
export function updateKey(update: Update): number | undefined {
  const payload = payloadOf(update);
  if (payload === undefined) return undefined;
  const chat = hasId(payload.chat) ? payload.chat : payload.message?.chat;
  if (hasId(chat)) return (chat as Chat).id;
  const user = hasId(payload.from) ? payload.from : payload.user;
  return hasId(user) ? (user as User).id : undefined;
}
