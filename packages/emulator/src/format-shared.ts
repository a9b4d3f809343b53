/**
 * What the parse modes share: the result shape, entity order and `tg://user?id=` mentions.
 *
 * @module
 */
import type { MessageEntity, User } from "@bot/types";

/** Plain text with its entities (offsets in UTF-16 code units). */
export interface Formatted {
  readonly text: string;
  readonly entities: MessageEntity[];
}

/**
 * Looks up a user by id, for `tg://user?id=` links.
 *
 * @param id The user id from the link.
 * @returns The user, or `undefined` when the emulator does not know it.
 */
export type MentionResolver = (id: number) => User | undefined;

const USER_LINK = /^tg:\/\/user\?id=(\d{1,16})$/;

/**
 * Turns a `tg://user?id=<id>` link into a `text_mention` entity, as Telegram does.
 *
 * @param url The link target.
 * @param resolve Looks up the user.
 * @returns The entity without offset and length, or `undefined` when `url` is another link.
 */
export function mentionEntity(
  url: string,
  resolve: MentionResolver | undefined,
): Omit<MessageEntity, "offset" | "length"> | undefined {
  const m = USER_LINK.exec(url);
  if (m === null) return undefined;
  const id = Number(m[1]);
  const user = resolve?.(id) ?? { id, is_bot: false, first_name: "" };
  return { type: "text_mention", user } as MessageEntity;
}

/**
 * Sorts entities as Telegram returns them: by offset, the longer (outer) one first. The parsers
 * push an entity when it closes, so of two with the same range the later one is the outer one.
 *
 * @param entities The entities in the order they closed.
 * @returns A sorted copy.
 */
export function sortEntities(entities: readonly MessageEntity[]): MessageEntity[] {
  return entities
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.offset - b.e.offset || b.e.length - a.e.length || b.i - a.i)
    .map((x) => x.e);
}
