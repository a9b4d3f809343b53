import type { ChatMemberUpdated, Message, User } from "@bot/types";
import { member } from "./methods/chats.js";
import type { BotRecord, ChatRecord, MemberStatus, World } from "./state.js";

/** Whether a status means "in the chat". */
export function isIn(status: MemberStatus | undefined): boolean {
  return status !== undefined && status !== "left" && status !== "kicked";
}

/** The bots that are in a chat now. */
function botsIn(world: World, record: ChatRecord): BotRecord[] {
  const out: BotRecord[] = [];
  for (const [id, status] of record.members) {
    const bot = world.bots.get(id);
    if (bot !== undefined && isIn(status)) out.push(bot);
  }
  return out;
}

/**
 * Changes a member's status and tells the bots, as Telegram does: when the member comes in or
 * goes out, the bots in the chat get the `new_chat_members` or `left_chat_member` service
 * message (not in channels; in a supergroup one message for all), administrator bots a
 * `chat_member` update, and a bot whose own status changed `my_chat_member`. The caller checks
 * that the change is allowed.
 *
 * @param world The world.
 * @param record The group, supergroup or channel.
 * @param from Who made the change (a user, or a bot for the moderation methods).
 * @param target Whose status changes.
 * @param status The new status.
 * @returns The service message as the first bot sees it, or `undefined` when there is none.
 */
export function changeMembership(
  world: World,
  record: ChatRecord,
  from: User,
  target: User,
  status: "member" | "left" | "kicked",
): Message | undefined {
  const old = record.members.get(target.id) ?? "left";
  record.members.set(target.id, status);
  const change: ChatMemberUpdated = {
    chat: record.chat,
    from,
    date: world.date(),
    old_chat_member: member(target, old),
    new_chat_member: member(target, status),
  };
  const targetBot = world.bots.get(target.id);
  // a service message only when the member comes in or goes out (not for a ban of someone
  // who already left, nor for lifting a ban)
  const moved = isIn(old) !== isIn(status);
  const content: Partial<Message> =
    status === "member" ? { new_chat_members: [target] } : { left_chat_member: target };
  let first: Message | undefined;
  // Bots in the chat after the change (a removed bot no longer sees it; an added one does).
  for (const bot of botsIn(world, record)) {
    if (moved && record.chat.type !== "channel") {
      const shared = record.chat.type === "supergroup" ? first : undefined;
      const message =
        shared ??
        world.store(world.box(bot.id, record.chat), {
          chat: record.chat,
          ...content,
          from,
        } as Omit<Message, "message_id" | "date">);
      bot.updates.push({ message });
      world.events.emit({ type: "user_message", botId: bot.id, chatId: record.chat.id, message });
      first ??= message;
    }
    const rank = record.members.get(bot.id);
    if (bot !== targetBot && (rank === "administrator" || rank === "creator"))
      bot.updates.push({ chat_member: change });
  }
  targetBot?.updates.push({ my_chat_member: change });
  return first;
}
