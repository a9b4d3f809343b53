import type { Chat, InlineKeyboardMarkup, Message, MessageEntity, User } from "@bot/types";
import { ApiFailure, badRequest } from "../errors.js";
import { format } from "../formatting.js";
import { optBool, optInt, optString } from "../params.js";
import type { BotRecord, ChatRecord, MessageBox, World } from "../state.js";
import type { CallContext } from "./context.js";

const encoder = new TextEncoder();

/**
 * Checks a `reply_markup` like Telegram (button texts, `callback_data` of 1-64 bytes).
 *
 * @param markup The parsed markup.
 * @returns The markup to store, or `undefined`.
 */
export function checkReplyMarkup(markup: unknown): Message["reply_markup"] | undefined {
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== "object" || Array.isArray(markup))
    throw badRequest("can't parse reply keyboard markup JSON object");
  const m = markup as Record<string, unknown>;
  if ("inline_keyboard" in m) {
    const rows = m.inline_keyboard;
    if (!Array.isArray(rows))
      throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
    for (const row of rows) {
      if (!Array.isArray(row))
        throw badRequest(
          'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
        );
      for (const button of row) {
        if (typeof button !== "object" || button === null)
          throw badRequest("InlineKeyboardButton must be an Object");
        const b = button as Record<string, unknown>;
        if (typeof b.text !== "string" || b.text === "")
          throw badRequest("text buttons are unallowed in the inline keyboard");
        if (b.callback_data !== undefined) {
          if (typeof b.callback_data !== "string")
            throw badRequest(
              'can\'t parse inline keyboard button: Field "callback_data" must be of type String',
            );
          const size = encoder.encode(b.callback_data).length;
          if (size === 0 || size > 64) throw badRequest("BUTTON_DATA_INVALID");
        } else if (
          b.url === undefined &&
          b.switch_inline_query === undefined &&
          b.switch_inline_query_current_chat === undefined &&
          b.web_app === undefined &&
          b.login_url === undefined &&
          b.pay === undefined &&
          b.copy_text === undefined &&
          b.callback_game === undefined &&
          b.switch_inline_query_chosen_chat === undefined
        ) {
          throw badRequest(
            "can't parse inline keyboard button: InlineKeyboardButton must have exactly one optional field",
          );
        }
      }
    }
    return m as unknown as InlineKeyboardMarkup;
  }
  // Reply keyboards, removals and force replies are accepted but never shown on messages.
  return undefined;
}

/**
 * Validates a message text (1-4096 characters after entity parsing) and formats it.
 *
 * @param params The call parameters.
 * @param field `text` or `caption`.
 * @param max The character limit.
 * @param users The users `tg://user?id=` links may mention.
 * @returns The text and entities, or `undefined` for an absent caption.
 */
export function formattedText(
  params: Record<string, unknown>,
  field: "text" | "caption",
  max: number,
  users?: ReadonlyMap<number, User>,
): { text: string; entities: MessageEntity[] } | undefined {
  const raw = optString(params, field);
  if (raw === undefined) {
    if (field === "text") throw badRequest("message text is empty");
    return undefined;
  }
  const f = format(
    raw,
    optString(params, "parse_mode"),
    params[field === "text" ? "entities" : "caption_entities"],
    users === undefined ? undefined : (id) => users.get(id),
  );
  if (field === "text" && f.text.trim().length === 0) throw badRequest("message text is empty");
  if ([...f.text].length > max)
    throw badRequest(field === "text" ? "message is too long" : "message caption is too long");
  return f;
}

/**
 * Resolves `chat_id` and checks that the bot may write there.
 *
 * @param ctx The call.
 * @param name The parameter name (`chat_id` or `from_chat_id`).
 * @returns The chat.
 */
export function targetChat(ctx: CallContext, name = "chat_id"): ChatRecord {
  const id = ctx.params[name];
  if (id === undefined || id === "") throw badRequest("chat_id is empty");
  return ctx.world.resolveChat(ctx.bot, id);
}

/**
 * Finds a message in a chat as the bot sees it.
 *
 * @param world The world.
 * @param bot The bot.
 * @param chat The chat.
 * @param id The message id.
 * @param notFound The text of the 400 when it is missing.
 * @returns The message and its box.
 */
export function findMessage(
  world: World,
  bot: BotRecord,
  chat: Chat,
  id: number,
  notFound = "message to edit not found",
): { message: Message; box: MessageBox } {
  const box = world.box(bot.id, chat);
  const message = box.messages.get(id);
  if (message === undefined) throw badRequest(notFound);
  return { message, box };
}

/**
 * Stores a message the bot sends, with reply, thread and markup, and emits a `message` event.
 *
 * @param ctx The call.
 * @param record The chat.
 * @param content The content fields (text, photo, ...).
 * @returns The stored message.
 */
export function sendAsBot(
  ctx: CallContext,
  record: ChatRecord,
  content: Partial<Message>,
): Message {
  const { world, bot, params } = ctx;
  const chat = record.chat;
  const box = world.box(bot.id, chat);
  const fields: Partial<Message> = { chat };
  if (chat.type === "channel") fields.sender_chat = chat;
  else fields.from = bot.user;
  const thread = optInt(params, "message_thread_id");
  if (thread !== undefined) {
    if (chat.type !== "supergroup" || !record.topics.has(thread))
      throw badRequest("message thread not found");
    fields.message_thread_id = thread;
    fields.is_topic_message = true;
  }
  const replyTo = replyTarget(params);
  if (replyTo !== undefined) {
    const target = box.messages.get(replyTo.id);
    if (target !== undefined) fields.reply_to_message = target;
    else if (!replyTo.allowMissing) throw badRequest("message to be replied not found");
  }
  Object.assign(fields, content);
  const markup = checkReplyMarkup(params.reply_markup);
  if (markup !== undefined) fields.reply_markup = markup;
  if (optBool(params, "protect_content") === true) fields.has_protected_content = true;
  const message = world.store(box, fields as Omit<Message, "message_id" | "date">);
  world.events.emit({ type: "message", botId: bot.id, chatId: chat.id, message });
  return message;
}

function replyTarget(
  params: Record<string, unknown>,
): { id: number; allowMissing: boolean } | undefined {
  const rp = params.reply_parameters;
  if (typeof rp === "object" && rp !== null) {
    const p = rp as Record<string, unknown>;
    if (typeof p.message_id !== "number")
      throw badRequest('can\'t parse reply parameters: field "message_id" must be a number');
    return { id: p.message_id, allowMissing: p.allow_sending_without_reply === true };
  }
  const legacy = optInt(params, "reply_to_message_id");
  if (legacy !== undefined)
    return { id: legacy, allowMissing: optBool(params, "allow_sending_without_reply") === true };
  return undefined;
}

/**
 * Throws Telegram's error when an edit changes nothing.
 *
 * @param same Whether content and markup are unchanged.
 */
export function assertModified(same: boolean): void {
  if (same) {
    throw badRequest(
      "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    );
  }
}

/**
 * The message an edit method targets (`chat_id` + `message_id`; inline messages are not supported).
 *
 * @param ctx The call.
 * @returns The message, its chat and box.
 */
export function editTarget(ctx: CallContext): {
  message: Message;
  box: MessageBox;
  record: ChatRecord;
} {
  if (ctx.params.inline_message_id !== undefined)
    throw new ApiFailure(501, "Not Implemented: inline messages are not supported by the emulator");
  const record = targetChat(ctx);
  const id = optInt(ctx.params, "message_id");
  if (id === undefined) throw badRequest("message identifier is not specified");
  const { message, box } = findMessage(ctx.world, ctx.bot, record.chat, id);
  if (message.from?.id !== ctx.bot.id && message.sender_chat?.id !== record.chat.id)
    throw badRequest("message can't be edited");
  return { message, box, record };
}

/**
 * Replaces a stored message after an edit and emits an `edit` event.
 *
 * @param ctx The call.
 * @param box The box.
 * @param updated The new message.
 * @returns The new message.
 */
export function commitEdit(ctx: CallContext, box: MessageBox, updated: Message): Message {
  updated.edit_date = ctx.world.date();
  box.messages.set(updated.message_id, updated);
  ctx.world.events.emit({
    type: "edit",
    botId: ctx.bot.id,
    chatId: updated.chat.id,
    message: updated,
  });
  return updated;
}
