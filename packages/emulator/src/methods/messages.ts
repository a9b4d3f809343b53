import { randomBytes } from "node:crypto";
import type {
  Contact,
  Message,
  MessageOrigin,
  Poll,
  ReactionType,
  ReactionTypeEmoji,
  Venue,
} from "@bot/types";
import { badRequest } from "../errors.js";
import { optBool, optInt, optString, reqInt } from "../params.js";
import {
  assertModified,
  checkReplyMarkup,
  commitEdit,
  editTarget,
  findMessage,
  formattedText,
  sendAsBot,
  targetChat,
} from "./common.js";
import type { CallContext, MethodHandler } from "./context.js";

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

function sendMessage(ctx: CallContext): Message {
  const record = targetChat(ctx);
  const f = formattedText(ctx.params, "text", 4096, ctx.world.users);
  const content: Partial<Message> = { text: f?.text ?? "" };
  if (f !== undefined && f.entities.length > 0) content.entities = f.entities;
  return sendAsBot(ctx, record, content);
}

function editMessageText(ctx: CallContext): Message {
  const { message, box } = editTarget(ctx);
  if (message.text === undefined) throw badRequest("there is no text in the message to edit");
  const f = formattedText(ctx.params, "text", 4096, ctx.world.users);
  const markup = checkReplyMarkup(ctx.params.reply_markup);
  const updated: Message = { ...message, text: f?.text ?? "" };
  if (f !== undefined && f.entities.length > 0) updated.entities = f.entities;
  else delete updated.entities;
  if (markup !== undefined) updated.reply_markup = markup;
  else delete updated.reply_markup;
  assertModified(
    updated.text === message.text &&
      JSON.stringify(updated.entities) === JSON.stringify(message.entities) &&
      JSON.stringify(updated.reply_markup) === JSON.stringify(message.reply_markup),
  );
  return commitEdit(ctx, box, updated);
}

function editMessageCaption(ctx: CallContext): Message {
  const { message, box } = editTarget(ctx);
  const f = formattedText(ctx.params, "caption", 1024, ctx.world.users);
  const markup = checkReplyMarkup(ctx.params.reply_markup);
  const updated: Message = { ...message };
  if (f !== undefined && f.text !== "") updated.caption = f.text;
  else delete updated.caption;
  if (f !== undefined && f.entities.length > 0) updated.caption_entities = f.entities;
  else delete updated.caption_entities;
  if (markup !== undefined) updated.reply_markup = markup;
  else delete updated.reply_markup;
  assertModified(
    updated.caption === message.caption &&
      JSON.stringify(updated.reply_markup) === JSON.stringify(message.reply_markup),
  );
  return commitEdit(ctx, box, updated);
}

function editMessageReplyMarkup(ctx: CallContext): Message {
  const { message, box } = editTarget(ctx);
  const markup = checkReplyMarkup(ctx.params.reply_markup);
  const updated: Message = { ...message };
  if (markup !== undefined) updated.reply_markup = markup;
  else delete updated.reply_markup;
  assertModified(JSON.stringify(updated.reply_markup) === JSON.stringify(message.reply_markup));
  return commitEdit(ctx, box, updated);
}

function deleteOne(ctx: CallContext, chatId: number, id: number): boolean {
  const record = ctx.world.chats.get(chatId);
  if (record === undefined) return false;
  const box = ctx.world.box(ctx.bot.id, record.chat);
  const message = box.messages.get(id);
  if (message === undefined) return false;
  box.messages.delete(id);
  ctx.world.events.emit({ type: "delete", botId: ctx.bot.id, chatId, messageId: id, message });
  return true;
}

function deleteMessage(ctx: CallContext): true {
  const record = targetChat(ctx);
  const id = reqInt(ctx.params, "message_id");
  if (!deleteOne(ctx, record.chat.id, id)) throw badRequest("message to delete not found");
  return true;
}

function messageIds(ctx: CallContext): number[] {
  const ids = ctx.params.message_ids;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > 100 ||
    ids.some((i) => !Number.isInteger(i))
  ) {
    throw badRequest("message_ids must be a non-empty list of at most 100 integers");
  }
  return ids as number[];
}

function deleteMessages(ctx: CallContext): true {
  const record = targetChat(ctx);
  for (const id of messageIds(ctx)) deleteOne(ctx, record.chat.id, id);
  return true;
}

function origin(message: Message, date: number): MessageOrigin {
  if (message.forward_origin !== undefined) return message.forward_origin;
  if (message.chat.type === "channel") {
    return { type: "channel", date, chat: message.chat, message_id: message.message_id };
  }
  if (message.from !== undefined)
    return { type: "user", date: message.date, sender_user: message.from };
  return { type: "hidden_user", date: message.date, sender_user_name: "Unknown" };
}

const COPY_DROP = [
  "message_id",
  "date",
  "chat",
  "from",
  "sender_chat",
  "reply_to_message",
  "edit_date",
  "forward_origin",
  "reply_markup",
  "message_thread_id",
  "is_topic_message",
] as const;

function content(message: Message): Partial<Message> {
  const copy: Partial<Message> = { ...message };
  for (const k of COPY_DROP) delete copy[k];
  return copy;
}

function forwardMessage(ctx: CallContext): Message {
  const to = targetChat(ctx);
  const from = targetChat(ctx, "from_chat_id");
  const { message } = findMessage(
    ctx.world,
    ctx.bot,
    from.chat,
    reqInt(ctx.params, "message_id"),
    "message to forward not found",
  );
  const forwarded = { ...content(message), forward_origin: origin(message, message.date) };
  const clean = { ...ctx, params: { ...ctx.params, reply_markup: undefined } };
  return sendAsBot(clean, to, forwarded);
}

function copyMessage(ctx: CallContext): { message_id: number } {
  const to = targetChat(ctx);
  const from = targetChat(ctx, "from_chat_id");
  const { message } = findMessage(
    ctx.world,
    ctx.bot,
    from.chat,
    reqInt(ctx.params, "message_id"),
    "message to copy not found",
  );
  if (message.poll !== undefined && message.poll.type === "quiz")
    throw badRequest("message can't be copied");
  const copied = content(message);
  if (
    ctx.params.caption !== undefined &&
    (message.caption !== undefined || message.photo !== undefined || message.document !== undefined)
  ) {
    const f = formattedText(ctx.params, "caption", 1024, ctx.world.users);
    if (f !== undefined) {
      copied.caption = f.text;
      if (f.entities.length > 0) copied.caption_entities = f.entities;
      else delete copied.caption_entities;
    }
  }
  return { message_id: sendAsBot(ctx, to, copied).message_id };
}

/** Forwards or copies many messages in the given order, skipping those not found (or not copyable). */
function many(ctx: CallContext, copy: boolean): { message_id: number }[] {
  const to = targetChat(ctx);
  const from = targetChat(ctx, "from_chat_id");
  const ids = messageIds(ctx);
  for (let i = 1; i < ids.length; i++)
    if ((ids[i] as number) <= (ids[i - 1] as number))
      throw badRequest("message identifiers must be in a strictly increasing order");
  const box = ctx.world.box(ctx.bot.id, from.chat);
  const clean = { ...ctx, params: { ...ctx.params, reply_markup: undefined } };
  const removeCaption = optBool(ctx.params, "remove_caption") === true;
  const out: { message_id: number }[] = [];
  for (const id of ids) {
    const message = box.messages.get(id);
    if (message === undefined) continue;
    if (copy && message.poll?.type === "quiz") continue;
    const body = copy
      ? content(message)
      : { ...content(message), forward_origin: origin(message, message.date) };
    if (copy && removeCaption) {
      delete body.caption;
      delete body.caption_entities;
    }
    out.push({ message_id: sendAsBot(clean, to, body).message_id });
  }
  return out;
}

function sendContact(ctx: CallContext): Message {
  const record = targetChat(ctx);
  const phone = optString(ctx.params, "phone_number") ?? "";
  const first = optString(ctx.params, "first_name") ?? "";
  if (phone === "") throw badRequest("phone number is empty");
  if (first === "") throw badRequest("first name is empty");
  const contact: Contact = { phone_number: phone, first_name: first };
  const last = optString(ctx.params, "last_name");
  const vcard = optString(ctx.params, "vcard");
  if (last !== undefined) contact.last_name = last;
  if (vcard !== undefined) {
    if (Buffer.byteLength(vcard) > 2048) throw badRequest("vcard is too long");
    contact.vcard = vcard;
  }
  return sendAsBot(ctx, record, { contact });
}

function coordinates(ctx: CallContext): { latitude: number; longitude: number } {
  const latitude = Number(ctx.params.latitude);
  const longitude = Number(ctx.params.longitude);
  if (
    !Number.isFinite(latitude) ||
    Math.abs(latitude) > 90 ||
    !Number.isFinite(longitude) ||
    Math.abs(longitude) > 180
  ) {
    throw badRequest("wrong latitude or longitude specified");
  }
  return { latitude, longitude };
}

function sendVenue(ctx: CallContext): Message {
  const record = targetChat(ctx);
  const location = coordinates(ctx);
  const title = optString(ctx.params, "title") ?? "";
  const address = optString(ctx.params, "address") ?? "";
  if (title === "") throw badRequest("venue title is empty");
  const venue: Venue = { location, title, address };
  for (const k of [
    "foursquare_id",
    "foursquare_type",
    "google_place_id",
    "google_place_type",
  ] as const) {
    const v = optString(ctx.params, k);
    if (v !== undefined) venue[k] = v;
  }
  // a venue message carries its location too, as Telegram sends it
  return sendAsBot(ctx, record, { venue, location });
}

/** The emoji a bot may react with (the list of `ReactionTypeEmoji.emoji`). */
const REACTION_EMOJI = new Set(
  "❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡".split(
    " ",
  ),
);

function setMessageReaction(ctx: CallContext): true {
  const record = targetChat(ctx);
  const id = reqInt(ctx.params, "message_id");
  findMessage(ctx.world, ctx.bot, record.chat, id, "message to react not found");
  const raw = ctx.params.reaction ?? [];
  if (!Array.isArray(raw)) throw badRequest("can't parse reaction types JSON object");
  // bots react as non-premium users: one reaction at most, and never a paid one
  if (raw.length > 1) throw badRequest("REACTIONS_TOO_MANY");
  const reaction: ReactionType[] = raw.map((r) => {
    const t = r as { type?: unknown; emoji?: unknown; custom_emoji_id?: unknown } | null;
    if (t?.type === "emoji" && typeof t.emoji === "string" && REACTION_EMOJI.has(t.emoji))
      return { type: "emoji", emoji: t.emoji as ReactionTypeEmoji["emoji"] };
    if (
      t?.type === "custom_emoji" &&
      typeof t.custom_emoji_id === "string" &&
      t.custom_emoji_id !== ""
    )
      return { type: "custom_emoji", custom_emoji_id: t.custom_emoji_id };
    throw badRequest("REACTION_INVALID");
  });
  ctx.world.events.emit({
    type: "reaction",
    botId: ctx.bot.id,
    chatId: record.chat.id,
    messageId: id,
    reaction,
    isBig: optBool(ctx.params, "is_big") === true,
  });
  return true;
}

function sendChatAction(ctx: CallContext): true {
  const record = targetChat(ctx);
  const action = optString(ctx.params, "action") ?? "";
  if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
  ctx.world.events.emit({ type: "chat_action", botId: ctx.bot.id, chatId: record.chat.id, action });
  return true;
}

function intList(value: unknown, what: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v)))
    throw badRequest(`can't parse ${what} JSON array`);
  return value as number[];
}

function sendPoll(ctx: CallContext): Message {
  const record = targetChat(ctx);
  const question = optString(ctx.params, "question") ?? "";
  if (question.length === 0 || question.length > 300)
    throw badRequest("poll question length must be between 1 and 300 characters");
  const options = ctx.params.options;
  if (!Array.isArray(options) || options.length < 1 || options.length > 12)
    throw badRequest("poll must have between 1 and 12 options");
  const type = optString(ctx.params, "type") ?? "regular";
  if (type !== "regular" && type !== "quiz") throw badRequest("wrong poll type specified");
  const anonymous = optBool(ctx.params, "is_anonymous") ?? true;
  if (!anonymous && record.chat.type === "channel")
    throw badRequest("non-anonymous polls can't be sent to channel chats");
  const correct = intList(ctx.params.correct_option_ids, "correct_option_ids");
  if (type === "quiz") {
    if (correct === undefined || correct.length === 0)
      throw badRequest("correct_option_ids must be specified for quizzes");
    if (
      correct.some(
        (id, i) => id < 0 || id >= options.length || (i > 0 && id <= (correct[i - 1] as number)),
      )
    )
      throw badRequest("wrong correct option ids specified");
  } else if (correct !== undefined)
    throw badRequest("correct_option_ids can be specified only for quizzes");
  const explanation = optString(ctx.params, "explanation");
  if (explanation !== undefined && [...explanation].length > 200)
    throw badRequest("explanation is too long");
  const openPeriod = optInt(ctx.params, "open_period");
  const closeDate = optInt(ctx.params, "close_date");
  if (openPeriod !== undefined && closeDate !== undefined)
    throw badRequest("open_period and close_date can't be used together");
  if (openPeriod !== undefined && (openPeriod < 5 || openPeriod > 2_628_000))
    throw badRequest("wrong open period specified");
  const poll: Poll = {
    id: randomBytes(8).readBigUInt64BE().toString(),
    question,
    options: options.map((o, i) => {
      const text =
        typeof o === "string"
          ? o
          : typeof o === "object" && o !== null
            ? String((o as { text?: unknown }).text ?? "")
            : "";
      if (text.length === 0 || text.length > 100)
        throw badRequest("poll options length must not exceed 100");
      return { persistent_id: String(i), text, voter_count: 0 };
    }),
    total_voter_count: 0,
    is_closed: optBool(ctx.params, "is_closed") ?? false,
    is_anonymous: anonymous,
    type,
    allows_multiple_answers: optBool(ctx.params, "allows_multiple_answers") ?? false,
    allows_revoting: optBool(ctx.params, "allows_revoting") ?? type === "regular",
    members_only: optBool(ctx.params, "members_only") ?? false,
  };
  if (correct !== undefined) poll.correct_option_ids = correct;
  if (explanation !== undefined && explanation !== "") poll.explanation = explanation;
  if (openPeriod !== undefined) {
    poll.open_period = openPeriod;
    poll.close_date = ctx.world.date() + openPeriod;
  }
  if (closeDate !== undefined) poll.close_date = closeDate;
  const message = sendAsBot(ctx, record, { poll });
  ctx.bot.polls.set(poll.id, {
    chatId: record.chat.id,
    messageId: message.message_id,
    votes: new Map(),
  });
  return message;
}

function stopPoll(ctx: CallContext): Poll {
  const record = targetChat(ctx);
  const { message, box } = findMessage(
    ctx.world,
    ctx.bot,
    record.chat,
    reqInt(ctx.params, "message_id"),
    "message with poll to stop not found",
  );
  if (message.poll === undefined) throw badRequest("message with poll to stop not found");
  if (message.poll.is_closed) throw badRequest("poll has already been closed");
  const poll: Poll = { ...message.poll, is_closed: true };
  const updated: Message = { ...message, poll };
  const markup = checkReplyMarkup(ctx.params.reply_markup);
  if (markup !== undefined) updated.reply_markup = markup;
  commitEdit(ctx, box, updated);
  // The bot that sent the poll learns its new state, as it does after every vote.
  ctx.bot.updates.push({ poll });
  return poll;
}

function sendDice(ctx: CallContext): Message {
  const record = targetChat(ctx);
  const emoji = optString(ctx.params, "emoji") ?? "🎲";
  const max = emoji === "🎰" ? 64 : emoji === "🎯" || emoji === "🎲" || emoji === "🎳" ? 6 : 5;
  return sendAsBot(ctx, record, { dice: { emoji, value: 1 + Math.floor(Math.random() * max) } });
}

function sendLocation(ctx: CallContext): Message {
  const record = targetChat(ctx);
  return sendAsBot(ctx, record, { location: coordinates(ctx) });
}

function pin(ctx: CallContext, pinned: boolean): true {
  const record = targetChat(ctx);
  const id = optInt(ctx.params, "message_id");
  if (pinned) {
    if (id === undefined) throw badRequest("message identifier is not specified");
    findMessage(ctx.world, ctx.bot, record.chat, id, "message to pin not found");
  }
  return true;
}

/** Sending, editing, deleting, forwarding and copying messages; polls, dice, locations, venues, contacts, reactions and chat actions. */
export const messageMethods: Record<string, MethodHandler> = {
  sendMessage,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  forwardMessage,
  forwardMessages: (ctx) => many(ctx, false),
  copyMessage,
  copyMessages: (ctx) => many(ctx, true),
  sendContact,
  sendVenue,
  setMessageReaction,
  sendChatAction,
  sendPoll,
  stopPoll,
  sendDice,
  sendLocation,
  pinChatMessage: (ctx) => pin(ctx, true),
  unpinChatMessage: (ctx) => pin(ctx, false),
  unpinAllChatMessages: (ctx) => pin(ctx, false),
};
