import type { CallOptions, Client } from "@bot/client";
import type { Chat, Message, ReactionType, Update } from "@bot/types";
import { DispatcherError } from "./errors.js";
import type { ContextShortcuts } from "./shortcut-types.js";

/** What a context shortcut acts on; each target adds its ids to the call's parameters. */
type Target =
  /** The update's chat (and topic, direct-messages topic, business connection). */
  | "chat"
  /** The update's message: `chat_id` and `message_id`. */
  | "message"
  /** The update's message as a source: `from_chat_id` and `message_id`. */
  | "source"
  /** The message to edit: the inline message, or `chat_id` and `message_id`. */
  | "editable"
  | "callback_query"
  | "inline_query"
  | "shipping_query"
  | "pre_checkout_query"
  /** The join request's chat and user. */
  | "join_request";

/** One row of the shortcut table. */
interface Shortcut {
  /** The Bot API method. */
  readonly method: string;
  /** What the shortcut acts on. */
  readonly target: Target;
  /** The names of the positional parameters, in order (before `other` and `options`). */
  readonly args: readonly string[];
  /** `false` when the shortcut takes no `other` parameters (then `options` follows the args). */
  readonly other?: false;
  /** Converts a positional value (by parameter name). */
  readonly convert?: Readonly<Record<string, (value: unknown) => unknown>>;
}

const emojiReaction = (r: unknown): unknown =>
  typeof r === "string" ? [{ type: "emoji", emoji: r } as ReactionType] : r;

/**
 * The context shortcuts: a method of `Context` per row, which fills in the ids of what the
 * update is about and passes the rest through. Their types and documentation are in
 * `ContextShortcuts` (shortcut-types.ts).
 */
export const SHORTCUTS: { readonly [Name in keyof ContextShortcuts]: Shortcut } = {
  reply: { method: "sendMessage", target: "chat", args: ["text"] },
  replyWithPhoto: { method: "sendPhoto", target: "chat", args: ["photo"] },
  replyWithDocument: { method: "sendDocument", target: "chat", args: ["document"] },
  replyWithVideo: { method: "sendVideo", target: "chat", args: ["video"] },
  replyWithAudio: { method: "sendAudio", target: "chat", args: ["audio"] },
  replyWithVoice: { method: "sendVoice", target: "chat", args: ["voice"] },
  replyWithAnimation: { method: "sendAnimation", target: "chat", args: ["animation"] },
  replyWithSticker: { method: "sendSticker", target: "chat", args: ["sticker"] },
  replyWithVideoNote: { method: "sendVideoNote", target: "chat", args: ["video_note"] },
  replyWithMediaGroup: { method: "sendMediaGroup", target: "chat", args: ["media"] },
  replyWithLocation: { method: "sendLocation", target: "chat", args: ["latitude", "longitude"] },
  replyWithVenue: {
    method: "sendVenue",
    target: "chat",
    args: ["latitude", "longitude", "title", "address"],
  },
  replyWithContact: {
    method: "sendContact",
    target: "chat",
    args: ["phone_number", "first_name"],
  },
  replyWithPoll: { method: "sendPoll", target: "chat", args: ["question", "options"] },
  replyWithDice: { method: "sendDice", target: "chat", args: ["emoji"] },
  replyWithChatAction: { method: "sendChatAction", target: "chat", args: ["action"] },
  forwardMessage: { method: "forwardMessage", target: "source", args: ["chat_id"] },
  copyMessage: { method: "copyMessage", target: "source", args: ["chat_id"] },
  react: {
    method: "setMessageReaction",
    target: "message",
    args: ["reaction"],
    convert: { reaction: emojiReaction },
  },
  pinChatMessage: { method: "pinChatMessage", target: "message", args: [] },
  unpinChatMessage: { method: "unpinChatMessage", target: "message", args: [] },
  deleteMessage: { method: "deleteMessage", target: "message", args: [], other: false },
  editMessageText: { method: "editMessageText", target: "editable", args: ["text"] },
  editMessageCaption: { method: "editMessageCaption", target: "editable", args: ["caption"] },
  editMessageMedia: { method: "editMessageMedia", target: "editable", args: ["media"] },
  editMessageReplyMarkup: {
    method: "editMessageReplyMarkup",
    target: "editable",
    args: ["reply_markup"],
    other: false,
  },
  answerCallbackQuery: { method: "answerCallbackQuery", target: "callback_query", args: [] },
  answerInlineQuery: { method: "answerInlineQuery", target: "inline_query", args: ["results"] },
  answerShippingQuery: { method: "answerShippingQuery", target: "shipping_query", args: ["ok"] },
  answerPreCheckoutQuery: {
    method: "answerPreCheckoutQuery",
    target: "pre_checkout_query",
    args: ["ok"],
  },
  approveChatJoinRequest: {
    method: "approveChatJoinRequest",
    target: "join_request",
    args: [],
    other: false,
  },
  declineChatJoinRequest: {
    method: "declineChatJoinRequest",
    target: "join_request",
    args: [],
    other: false,
  },
} as const satisfies Record<string, Shortcut>;

/**
 * The base class of `Context`: one method per row of {@link SHORTCUTS}, defined when the class
 * is built (nothing is patched onto an existing class).
 */
export const ShortcutMethods: new () => ContextShortcuts = /* @__PURE__ */ defineShortcuts();

function defineShortcuts(): new () => ContextShortcuts {
  class Shortcuts {}
  for (const name of Object.keys(SHORTCUTS) as (keyof typeof SHORTCUTS)[]) {
    const method = function (this: ShortcutHost, ...args: unknown[]): Promise<unknown> {
      return runShortcut(this, name, args);
    };
    Object.defineProperty(method, "name", { value: name });
    Object.defineProperty(Shortcuts.prototype, name, {
      value: method,
      writable: true,
      configurable: true,
    });
  }
  return Shortcuts as unknown as new () => ContextShortcuts;
}

/** The parts of a context the shortcuts read. */
export interface ShortcutHost {
  readonly update: Update;
  readonly api: Client;
  readonly msg: Message | undefined;
  readonly chat: Chat | undefined;
  readonly inlineMessageId: string | undefined;
  readonly updateKind: string | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs one shortcut: builds the parameters from the target and the arguments, and calls the API
 * with the context's abort signal.
 *
 * @param ctx The context.
 * @param name The shortcut's name (a key of {@link SHORTCUTS}).
 * @param args The arguments the shortcut was called with.
 * @returns The API call's result.
 */
export function runShortcut(
  ctx: ShortcutHost,
  name: keyof typeof SHORTCUTS,
  args: readonly unknown[],
): Promise<unknown> {
  const s: Shortcut = SHORTCUTS[name];
  const target = targetOf(ctx, s.target, name);
  const params: Record<string, unknown> = { ...target };
  for (let i = 0; i < s.args.length; i++) {
    const key = s.args[i] as string;
    const value = args[i];
    if (value === undefined) continue;
    const convert = s.convert?.[key];
    params[key] = convert === undefined ? value : convert(value);
  }
  const n = s.args.length;
  const other = s.other === false ? undefined : (args[n] as object | undefined);
  const options = args[s.other === false ? n : n + 1] as CallOptions | undefined;
  const call = other === undefined ? params : { ...target, ...other, ...params };
  return (ctx.api as unknown as Caller).call(s.method, call, withSignal(ctx.signal, options));
}

interface Caller {
  call(method: string, params: object, options?: CallOptions): Promise<unknown>;
}

/**
 * Adds the context's abort signal to call options that have none.
 *
 * @param signal The context's signal.
 * @param options The call's options.
 * @returns The options to use.
 */
export function withSignal(
  signal: AbortSignal | undefined,
  options: CallOptions | undefined,
): CallOptions | undefined {
  if (signal === undefined || options?.signal !== undefined) return options;
  return { ...options, signal };
}

function targetOf(ctx: ShortcutHost, target: Target, what: string): Record<string, unknown> {
  const u = ctx.update;
  switch (target) {
    case "chat":
      return chatTarget(ctx, what);
    case "message": {
      const m = ctx.msg ?? u.message_reaction;
      if (m === undefined) throw noTarget(what, "a message");
      const out: Record<string, unknown> = { chat_id: m.chat.id, message_id: m.message_id };
      const bc = (m as Message).business_connection_id;
      if (bc !== undefined && what !== "react") out.business_connection_id = bc;
      return out;
    }
    case "source": {
      const m = ctx.msg;
      if (m === undefined) throw noTarget(what, "a message");
      return { from_chat_id: m.chat.id, message_id: m.message_id };
    }
    case "editable": {
      const inline = ctx.inlineMessageId;
      if (inline !== undefined) return { inline_message_id: inline };
      const m = ctx.msg ?? u.callback_query?.message;
      if (m === undefined) throw noTarget(what, "a message or an inline message");
      const out: Record<string, unknown> = { chat_id: m.chat.id, message_id: m.message_id };
      const bc = (m as Message).business_connection_id;
      if (bc !== undefined) out.business_connection_id = bc;
      return out;
    }
    case "callback_query":
      return { callback_query_id: need(u.callback_query, what, "a callback_query update").id };
    case "inline_query":
      return { inline_query_id: need(u.inline_query, what, "an inline_query update").id };
    case "shipping_query":
      return { shipping_query_id: need(u.shipping_query, what, "a shipping_query update").id };
    case "pre_checkout_query":
      return {
        pre_checkout_query_id: need(u.pre_checkout_query, what, "a pre_checkout_query update").id,
      };
    case "join_request": {
      const r = need(u.chat_join_request, what, "a chat_join_request update");
      return { chat_id: r.chat.id, user_id: r.from.id };
    }
  }
}

function chatTarget(ctx: ShortcutHost, what: string): Record<string, unknown> {
  const chat = ctx.chat;
  if (chat === undefined) {
    throw new DispatcherError(
      "BOT_DISPATCHER_NO_CHAT",
      `${what} needs a chat, and this ${ctx.updateKind ?? "update"} has none`,
    );
  }
  const out: Record<string, unknown> = { chat_id: chat.id };
  const m = ctx.msg;
  if (m !== undefined) {
    if (m.is_topic_message === true && m.message_thread_id !== undefined)
      out.message_thread_id = m.message_thread_id;
    if (m.direct_messages_topic !== undefined)
      out.direct_messages_topic_id = m.direct_messages_topic.topic_id;
    if (m.business_connection_id !== undefined)
      out.business_connection_id = m.business_connection_id;
  }
  return out;
}

function need<T>(value: T | undefined, what: string, needs: string): T {
  if (value === undefined) throw noTarget(what, needs);
  return value;
}

function noTarget(what: string, needs: string): DispatcherError {
  return new DispatcherError("BOT_DISPATCHER_NO_TARGET", `${what} needs ${needs}`);
}
