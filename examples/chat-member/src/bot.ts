import {
  Bot,
  type BotOptions,
  type Context,
  type DataFlavor,
  dataSessions,
  fmt,
  mention,
} from "@bot/dispatcher";
import type { ChatMember, ChatMemberUpdated, User } from "@bot/types";

/** `botData`: the chats the bot is in, by kind. */
export interface ChatsData {
  users: number[];
  groups: number[];
  channels: number[];
}

/** The bot's context: the dispatcher's plus PTB-style data (`botData`). */
export type MemberContext = Context & DataFlavor<object, object, ChatsData>;

const present = (m: ChatMember): boolean =>
  m.status === "member" ||
  m.status === "administrator" ||
  m.status === "creator" ||
  (m.status === "restricted" && m.is_member);

/**
 * Whether a membership change is a join or a leave (or neither, e.g. a promotion).
 *
 * @param change The `chat_member` or `my_chat_member` payload.
 * @returns `"joined"`, `"left"` or `undefined`.
 */
export function membershipChange(change: ChatMemberUpdated): "joined" | "left" | undefined {
  const was = present(change.old_chat_member);
  const is = present(change.new_chat_member);
  return was === is ? undefined : is ? "joined" : "left";
}

const name = (u: User) => mention(u.first_name, u);

/**
 * The chat member bot: it keeps the chats it is in up to date from `my_chat_member` updates
 * (added to or removed from a group or channel, blocked or unblocked in private), shows them
 * with `/show_chats`, and greets members who join or leave a group it administers, from
 * `chat_member` updates. Long polling asks for both kinds, since handlers for them exist.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: BotOptions<MemberContext> = {},
): Bot<MemberContext> {
  const bot = new Bot<MemberContext>(token, options);
  bot.use(
    dataSessions<object, object, ChatsData>({
      initial: { bot: () => ({ users: [], groups: [], channels: [] }) },
    }),
  );

  const track = (ctx: MemberContext, kind: keyof ChatsData, id: number, present: boolean) =>
    ctx.updateBotData((d) => {
      const list = d[kind].filter((x) => x !== id);
      d[kind] = present ? [...list, id] : list;
    });

  // The bot itself was added, removed, blocked or unblocked.
  bot.on("my_chat_member", async (ctx) => {
    const change = ctx.update.my_chat_member;
    const what = membershipChange(change);
    if (what === undefined) return;
    const chat = change.chat;
    const kind =
      chat.type === "private" ? "users" : chat.type === "channel" ? "channels" : "groups";
    await track(ctx, kind, chat.id, what === "joined");
  });

  // Someone else joined or left a group where the bot is an administrator.
  bot.on("chat_member", async (ctx) => {
    const change = ctx.update.chat_member;
    const what = membershipChange(change);
    if (what === undefined) return;
    const member = change.new_chat_member.user;
    const self = change.from.id === member.id;
    const text =
      what === "joined"
        ? self
          ? fmt`${name(member)} joined. Welcome!`
          : fmt`${name(member)} was added by ${name(change.from)}. Welcome!`
        : self
          ? fmt`${name(member)} is no longer with us.`
          : fmt`${name(member)} is no longer with us. Removed by ${name(change.from)}.`;
    await ctx.reply(text);
  });

  bot.command("show_chats", async (ctx) => {
    const { users, groups, channels } = await ctx.botData;
    const ids = (list: readonly number[]) => (list.length === 0 ? "(none)" : list.join(", "));
    await ctx.reply(
      `@${ctx.me.username} is currently in a conversation with the user IDs ${ids(users)}. ` +
        `Moreover it is a member of the groups with IDs ${ids(groups)} ` +
        `and administrator in the channels with IDs ${ids(channels)}.`,
    );
  });

  // A private chat the bot did not know yet (no my_chat_member arrives for a first /start).
  bot.chatType("private").on("message", async (ctx, next) => {
    const from = ctx.from;
    if (from === undefined || (await ctx.botData).users.includes(ctx.chat.id)) return next();
    await track(ctx, "users", ctx.chat.id, true);
    await ctx.reply(fmt`Welcome ${name(from)}. Use /show_chats to see what chats I'm in.`);
  });
  return bot;
}
