import type { BotCommand, ChatFullInfo, ChatMember, ForumTopic, User } from "@bot/types";
import { badRequest } from "../errors.js";
import { changeMembership, isIn } from "../membership.js";
import { optBool, optString, reqInt } from "../params.js";
import type { ChatRecord, MemberStatus } from "../state.js";
import { targetChat } from "./common.js";
import type { CallContext, MethodHandler } from "./context.js";

const encoder = new TextEncoder();

function getChat(ctx: CallContext): ChatFullInfo {
  const record = targetChat(ctx);
  const info: ChatFullInfo = {
    ...record.chat,
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: {
      unlimited_gifts: false,
      limited_gifts: false,
      unique_gifts: false,
      premium_subscription: false,
      gifts_from_channels: false,
    },
  };
  if (record.description !== undefined) info.description = record.description;
  return info;
}

/**
 * A `ChatMember` object for a status.
 *
 * @param user The member.
 * @param status The status.
 * @returns The object, as `getChatMember` and membership updates give it.
 */
export function member(user: User, status: MemberStatus): ChatMember {
  switch (status) {
    case "creator":
      return { status: "creator", user, is_anonymous: false };
    case "administrator":
      return {
        status: "administrator",
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_send_welcome_messages: false,
      };
    case "member":
      return { status: "member", user };
    case "left":
      return { status: "left", user };
    case "kicked":
      return { status: "kicked", user, until_date: 0 };
  }
}

function statusIn(record: ChatRecord, userId: number): MemberStatus {
  if (record.chat.type === "private") return "member";
  return record.members.get(userId) ?? "left";
}

function getChatMember(ctx: CallContext): ChatMember {
  const record = targetChat(ctx);
  const userId = reqInt(ctx.params, "user_id");
  const user = ctx.world.users.get(userId);
  if (user === undefined) throw badRequest("user not found");
  if (record.chat.type === "private" && userId !== record.chat.id && userId !== ctx.bot.id)
    throw badRequest("user not found");
  return member(user, statusIn(record, userId));
}

function getChatMemberCount(ctx: CallContext): number {
  const record = targetChat(ctx);
  if (record.chat.type === "private") return 2;
  let n = 0;
  for (const s of record.members.values()) if (s !== "left" && s !== "kicked") n++;
  return n;
}

function getChatAdministrators(ctx: CallContext): ChatMember[] {
  const record = targetChat(ctx);
  if (record.chat.type === "private")
    throw badRequest("there are no administrators in the private chat");
  const out: ChatMember[] = [];
  for (const [id, s] of record.members) {
    const user = ctx.world.users.get(id);
    if (user !== undefined && (s === "creator" || s === "administrator")) out.push(member(user, s));
  }
  return out;
}

function leaveChat(ctx: CallContext): true {
  const record = targetChat(ctx);
  if (record.chat.type === "private")
    throw badRequest("chat member status can't be changed in private chats");
  record.members.set(ctx.bot.id, "left");
  return true;
}

/**
 * The group and member a moderation call names, once the bot may moderate there: the bot is
 * its creator or an administrator, and the member is neither the chat's creator nor the bot.
 */
function moderation(ctx: CallContext): { record: ChatRecord; target: User } {
  const record = targetChat(ctx);
  if (record.chat.type === "private")
    throw badRequest("chat member status can't be changed in private chats");
  const rank = record.members.get(ctx.bot.id);
  if (rank !== "creator" && rank !== "administrator")
    throw badRequest("not enough rights to restrict/ban chat member");
  const userId = reqInt(ctx.params, "user_id");
  const target = ctx.world.users.get(userId);
  if (target === undefined) throw badRequest("user not found");
  if (userId === ctx.bot.id) throw badRequest("can't restrict self");
  if (record.members.get(userId) === "creator") throw badRequest("can't remove chat owner");
  return { record, target };
}

function banChatMember(ctx: CallContext): true {
  const { record, target } = moderation(ctx);
  if (record.members.get(target.id) === "administrator")
    throw badRequest("user is an administrator of the chat");
  if (record.members.get(target.id) !== "kicked")
    changeMembership(ctx.world, record, ctx.bot.user, target, "kicked");
  return true;
}

function unbanChatMember(ctx: CallContext): true {
  const { record, target } = moderation(ctx);
  const status = record.members.get(target.id) ?? "left";
  // Lifts a ban; without only_if_banned it also makes sure the user is out of the chat (a
  // member is removed, and may join again).
  if (status === "kicked") changeMembership(ctx.world, record, ctx.bot.user, target, "left");
  else if (isIn(status) && optBool(ctx.params, "only_if_banned") !== true) {
    if (status === "administrator") throw badRequest("user is an administrator of the chat");
    changeMembership(ctx.world, record, ctx.bot.user, target, "left");
  }
  return true;
}

function scopeKey(ctx: CallContext): string {
  const scope = ctx.params.scope;
  const s =
    typeof scope === "object" && scope !== null ? JSON.stringify(scope) : '{"type":"default"}';
  return `${s}|${optString(ctx.params, "language_code") ?? ""}`;
}

function setMyCommands(ctx: CallContext): true {
  const commands = ctx.params.commands;
  if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON object");
  if (commands.length > 100) throw badRequest("too many commands specified");
  const clean: BotCommand[] = commands.map((c) => {
    const cmd = c as Partial<BotCommand> | null;
    const command = typeof cmd?.command === "string" ? cmd.command : "";
    const description = typeof cmd?.description === "string" ? cmd.description : "";
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
    if (description.length === 0 || description.length > 256)
      throw badRequest("command description is empty or too long");
    return { command, description };
  });
  if (clean.length === 0) ctx.bot.commands.delete(scopeKey(ctx));
  else ctx.bot.commands.set(scopeKey(ctx), clean);
  return true;
}

function answerCallbackQuery(ctx: CallContext): true {
  const id = optString(ctx.params, "callback_query_id") ?? "";
  const query = ctx.bot.callbackQueries.get(id);
  if (query === undefined || query.answered)
    throw badRequest("query is too old and response timeout expired or query ID is invalid");
  const text = optString(ctx.params, "text");
  if (text !== undefined && [...text].length > 200) throw badRequest("MESSAGE_TOO_LONG");
  query.answered = true;
  ctx.world.events.emit({
    type: "callback_answer",
    botId: ctx.bot.id,
    queryId: id,
    text,
    showAlert: optBool(ctx.params, "show_alert") ?? false,
    url: optString(ctx.params, "url"),
  });
  return true;
}

function answerInlineQuery(ctx: CallContext): true {
  const id = optString(ctx.params, "inline_query_id") ?? "";
  const query = ctx.bot.inlineQueries.get(id);
  if (query === undefined || query.answered)
    throw badRequest("query is too old and response timeout expired or query ID is invalid");
  const results = ctx.params.results;
  if (!Array.isArray(results)) throw badRequest("can't parse inline query results JSON object");
  if (results.length > 50) throw badRequest("RESULTS_TOO_MUCH");
  const ids = new Set<string>();
  for (const r of results) {
    const rid = typeof r === "object" && r !== null ? (r as { id?: unknown }).id : undefined;
    if (typeof rid !== "string" || rid === "" || encoder.encode(rid).length > 64)
      throw badRequest("RESULT_ID_INVALID");
    if (ids.has(rid)) throw badRequest("RESULT_ID_DUPLICATE");
    ids.add(rid);
  }
  query.answered = true;
  ctx.world.events.emit({
    type: "inline_answer",
    botId: ctx.bot.id,
    queryId: id,
    results,
    params: { ...ctx.params },
  });
  return true;
}

function createForumTopic(ctx: CallContext): ForumTopic {
  const record = targetChat(ctx);
  if (record.chat.type !== "supergroup" || record.chat.is_forum !== true)
    throw badRequest("the chat is not a forum");
  const name = optString(ctx.params, "name") ?? "";
  if (name.length === 0 || name.length > 128) throw badRequest("TOPIC_NAME_INVALID");
  const id = Math.max(1, ...record.topics.keys()) + 1;
  const topic: ForumTopic = { message_thread_id: id, name, icon_color: 7322096 };
  record.topics.set(id, topic);
  return topic;
}

/** Chats, members (banning and unbanning), commands, callback and inline answers, forum topics. */
export const chatMethods: Record<string, MethodHandler> = {
  getChat,
  getChatMember,
  getChatMemberCount,
  getChatAdministrators,
  leaveChat,
  banChatMember,
  unbanChatMember,
  setMyCommands,
  getMyCommands: (ctx) => ctx.bot.commands.get(scopeKey(ctx)) ?? [],
  deleteMyCommands: (ctx) => {
    ctx.bot.commands.delete(scopeKey(ctx));
    return true;
  },
  answerCallbackQuery,
  answerInlineQuery,
  createForumTopic,
};
