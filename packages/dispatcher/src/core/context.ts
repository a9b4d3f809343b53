import type { CallOptions, Client } from "@bot/client";
import {
  type Chat,
  type InlineQueryResult,
  type InputFile,
  isInputFile,
  type Message,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type ReactionType,
  type Update,
  type User,
} from "@bot/types";
import { updateChat, updateUser } from "../runtime/update-keys.js";
import type { BotInfo } from "./api.js";
import { DispatcherError } from "./errors.js";
import { updateKindOf } from "./filter.js";

/**
 * Lets one API call ride in the HTTP response of a webhook request (Telegram runs it and the
 * bot never learns the result). Implemented by webhook adapters.
 */
export interface WebhookReplySink {
  /**
   * Offers a call to be sent in the webhook response.
   *
   * @param method The Bot API method.
   * @param params Its parameters (never containing an `InputFile`).
   * @returns Whether the sink took the call; when `false` the caller makes a normal API call.
   */
  offer(method: string, params: Record<string, unknown>): boolean;
}

/** Options for one `bot.handleUpdate` call, also visible to the context. */
export interface HandleUpdateOptions {
  /** Aborted when the update's handling should give up (shutdown, webhook deadline). */
  signal?: AbortSignal;
  /** Where `ctx.webhookReply` may put one call. */
  webhookReply?: WebhookReplySink;
}

/** Constructs a context; a custom class passed as `contextConstructor` must take these arguments. */
export type ContextConstructor<C extends Context> = new (
  update: Update,
  api: Client,
  me: BotInfo,
  options?: HandleUpdateOptions,
) => C;

type Rest<M extends MethodName, K extends string> = Omit<MethodParams<M>, "chat_id" | K>;

const MESSAGE_FIELDS = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
  "guest_message",
] as const;

/**
 * The context of one update: the update, the shared API client, the bot's own user, shortcut
 * getters and reply helpers that pre-fill the chat, topic and business connection.
 * Cheap to build: three fields and no closures; the client is shared, never built per update.
 */
export class Context {
  /** The update being handled. */
  readonly update: Update;
  /** The API client (shared by every update). */
  readonly api: Client;
  /** The bot's own user. */
  readonly me: BotInfo;
  /**
   * What the last matching `command` (its arguments: a string), `hears`, `callbackQuery` or
   * `inlineQuery` trigger (the string, or the RegExp match) matched. Those verbs narrow its type.
   */
  match: unknown = undefined;
  #options: HandleUpdateOptions | undefined;
  #replied = false;

  /**
   * Creates a context (the bot does this for every update).
   *
   * @param update The update.
   * @param api The API client.
   * @param me The bot's own user.
   * @param options The options of this `handleUpdate` call.
   */
  constructor(update: Update, api: Client, me: BotInfo, options?: HandleUpdateOptions) {
    this.update = update;
    this.api = api;
    this.me = me;
    this.#options = options;
  }

  /** The kind of this update (`"message"`, `"callback_query"`, ...). */
  get updateKind(): string | undefined {
    return updateKindOf(this.update);
  }
  /** Aborted when handling should give up (shutdown, webhook deadline), if the source gave one. */
  get signal(): AbortSignal | undefined {
    return this.#options?.signal;
  }

  // -- one getter per update kind --
  /** `update.message`. */
  get message() {
    return this.update.message;
  }
  /** `update.edited_message`. */
  get editedMessage() {
    return this.update.edited_message;
  }
  /** `update.channel_post`. */
  get channelPost() {
    return this.update.channel_post;
  }
  /** `update.edited_channel_post`. */
  get editedChannelPost() {
    return this.update.edited_channel_post;
  }
  /** `update.business_connection`. */
  get businessConnection() {
    return this.update.business_connection;
  }
  /** `update.business_message`. */
  get businessMessage() {
    return this.update.business_message;
  }
  /** `update.edited_business_message`. */
  get editedBusinessMessage() {
    return this.update.edited_business_message;
  }
  /** `update.deleted_business_messages`. */
  get deletedBusinessMessages() {
    return this.update.deleted_business_messages;
  }
  /** `update.guest_message`. */
  get guestMessage() {
    return this.update.guest_message;
  }
  /** `update.message_reaction`. */
  get messageReaction() {
    return this.update.message_reaction;
  }
  /** `update.message_reaction_count`. */
  get messageReactionCount() {
    return this.update.message_reaction_count;
  }
  /** `update.inline_query`. */
  get inlineQuery() {
    return this.update.inline_query;
  }
  /** `update.chosen_inline_result`. */
  get chosenInlineResult() {
    return this.update.chosen_inline_result;
  }
  /** `update.callback_query`. */
  get callbackQuery() {
    return this.update.callback_query;
  }
  /** `update.shipping_query`. */
  get shippingQuery() {
    return this.update.shipping_query;
  }
  /** `update.pre_checkout_query`. */
  get preCheckoutQuery() {
    return this.update.pre_checkout_query;
  }
  /** `update.purchased_paid_media`. */
  get purchasedPaidMedia() {
    return this.update.purchased_paid_media;
  }
  /** `update.poll`. */
  get poll() {
    return this.update.poll;
  }
  /** `update.poll_answer`. */
  get pollAnswer() {
    return this.update.poll_answer;
  }
  /** `update.my_chat_member`. */
  get myChatMember() {
    return this.update.my_chat_member;
  }
  /** `update.chat_member`. */
  get chatMember() {
    return this.update.chat_member;
  }
  /** `update.chat_join_request`. */
  get chatJoinRequest() {
    return this.update.chat_join_request;
  }
  /** `update.chat_boost`. */
  get chatBoost() {
    return this.update.chat_boost;
  }
  /** `update.removed_chat_boost`. */
  get removedChatBoost() {
    return this.update.removed_chat_boost;
  }
  /** `update.managed_bot`. */
  get managedBot() {
    return this.update.managed_bot;
  }
  /** `update.subscription`. */
  get subscription() {
    return this.update.subscription;
  }
  /** `update.stopped_message_generation`. */
  get stoppedMessageGeneration() {
    return this.update.stopped_message_generation;
  }

  // -- shortcuts --
  /** The message of any message-like update, or the (accessible) message of a callback query. */
  get msg(): Message | undefined {
    const u = this.update as unknown as Record<string, Message | undefined>;
    for (const f of MESSAGE_FIELDS) {
      const m = u[f];
      if (m !== undefined) return m;
    }
    const m = this.update.callback_query?.message;
    return m !== undefined && m.date !== 0 ? (m as Message) : undefined;
  }
  /** The chat the update happened in, if it has one. */
  get chat(): Chat | undefined {
    return updateChat(this.update);
  }
  /** The id of {@link Context.chat}. */
  get chatId(): number | undefined {
    return this.chat?.id;
  }
  /** The user the update came from, if any. */
  get from(): User | undefined {
    return updateUser(this.update);
  }
  /** The chat a message was sent on behalf of (channels, anonymous admins). */
  get senderChat(): Chat | undefined {
    return this.msg?.sender_chat;
  }
  /** The inline message of a callback query or chosen inline result. */
  get inlineMessageId(): string | undefined {
    return (
      this.update.callback_query?.inline_message_id ??
      this.update.chosen_inline_result?.inline_message_id
    );
  }
  /** The business connection of the update, if any. */
  get businessConnectionId(): string | undefined {
    return this.msg?.business_connection_id ?? this.update.business_connection?.id;
  }

  #target(what: string): Record<string, unknown> {
    const chat = this.chat;
    if (chat === undefined) {
      throw new DispatcherError(
        "NO_CHAT",
        `${what} needs a chat, and this ${this.updateKind ?? "update"} has none`,
      );
    }
    const out: Record<string, unknown> = { chat_id: chat.id };
    const m = this.msg;
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

  #send<M extends MethodName>(
    method: M,
    fields: Record<string, unknown>,
    other: object | undefined,
    options: CallOptions | undefined,
  ): Promise<MethodResult<M>> {
    const params = { ...this.#target(method), ...fields, ...other } as unknown as MethodParams<M>;
    return this.#call(method, params, options) as Promise<MethodResult<M>>;
  }

  #call(method: string, params: object, options: CallOptions | undefined): Promise<unknown> {
    const api = this.api as unknown as {
      call(m: string, p: object, o?: CallOptions): Promise<unknown>;
    };
    return api.call(method, params, this.#callOptions(options));
  }

  #callOptions(options: CallOptions | undefined): CallOptions | undefined {
    const signal = this.#options?.signal;
    if (signal === undefined || options?.signal !== undefined) return options;
    return { ...options, signal };
  }

  /**
   * Sends a text message to the update's chat (and topic, and business connection).
   *
   * @param text The text.
   * @param other Other `sendMessage` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  reply(
    text: string,
    other?: Rest<"sendMessage", "text">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendMessage", { text }, other, options);
  }
  /**
   * Sends a photo to the update's chat.
   *
   * @param photo A file id, URL or `InputFile`.
   * @param other Other `sendPhoto` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithPhoto(
    photo: InputFile | string,
    other?: Rest<"sendPhoto", "photo">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendPhoto", { photo }, other, options);
  }
  /**
   * Sends a document to the update's chat.
   *
   * @param document A file id, URL or `InputFile`.
   * @param other Other `sendDocument` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithDocument(
    document: InputFile | string,
    other?: Rest<"sendDocument", "document">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendDocument", { document }, other, options);
  }
  /**
   * Sends a video to the update's chat.
   *
   * @param video A file id, URL or `InputFile`.
   * @param other Other `sendVideo` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithVideo(
    video: InputFile | string,
    other?: Rest<"sendVideo", "video">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendVideo", { video }, other, options);
  }
  /**
   * Sends an audio file to the update's chat.
   *
   * @param audio A file id, URL or `InputFile`.
   * @param other Other `sendAudio` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithAudio(
    audio: InputFile | string,
    other?: Rest<"sendAudio", "audio">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendAudio", { audio }, other, options);
  }
  /**
   * Sends a voice note to the update's chat.
   *
   * @param voice A file id, URL or `InputFile`.
   * @param other Other `sendVoice` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithVoice(
    voice: InputFile | string,
    other?: Rest<"sendVoice", "voice">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendVoice", { voice }, other, options);
  }
  /**
   * Sends an animation to the update's chat.
   *
   * @param animation A file id, URL or `InputFile`.
   * @param other Other `sendAnimation` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithAnimation(
    animation: InputFile | string,
    other?: Rest<"sendAnimation", "animation">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendAnimation", { animation }, other, options);
  }
  /**
   * Sends a sticker to the update's chat.
   *
   * @param sticker A file id, URL or `InputFile`.
   * @param other Other `sendSticker` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithSticker(
    sticker: InputFile | string,
    other?: Rest<"sendSticker", "sticker">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendSticker", { sticker }, other, options);
  }
  /**
   * Sends a location to the update's chat.
   *
   * @param latitude The latitude.
   * @param longitude The longitude.
   * @param other Other `sendLocation` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithLocation(
    latitude: number,
    longitude: number,
    other?: Rest<"sendLocation", "latitude" | "longitude">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendLocation", { latitude, longitude }, other, options);
  }
  /**
   * Sends a dice to the update's chat.
   *
   * @param emoji The dice emoji.
   * @param other Other `sendDice` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithDice(
    emoji?: string,
    other?: Rest<"sendDice", "emoji">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendDice", emoji === undefined ? {} : { emoji }, other, options);
  }
  /**
   * Sends a round video note to the update's chat.
   *
   * @param videoNote A file id or `InputFile`.
   * @param other Other `sendVideoNote` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithVideoNote(
    videoNote: InputFile | string,
    other?: Rest<"sendVideoNote", "video_note">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendVideoNote", { video_note: videoNote }, other, options);
  }
  /**
   * Sends an album to the update's chat.
   *
   * @param media 2-10 photos, videos, documents or audios.
   * @param other Other `sendMediaGroup` parameters.
   * @param options Per-call options.
   * @returns The sent messages.
   */
  replyWithMediaGroup(
    media: MethodParams<"sendMediaGroup">["media"],
    other?: Rest<"sendMediaGroup", "media">,
    options?: CallOptions,
  ): Promise<Message[]> {
    return this.#send("sendMediaGroup", { media }, other, options);
  }
  /**
   * Sends a poll to the update's chat.
   *
   * @param question The question.
   * @param pollOptions The answer options.
   * @param other Other `sendPoll` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithPoll(
    question: string,
    pollOptions: MethodParams<"sendPoll">["options"],
    other?: Rest<"sendPoll", "question" | "options">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendPoll", { question, options: pollOptions }, other, options);
  }
  /**
   * Sends a contact to the update's chat.
   *
   * @param phoneNumber The phone number.
   * @param firstName The first name.
   * @param other Other `sendContact` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithContact(
    phoneNumber: string,
    firstName: string,
    other?: Rest<"sendContact", "phone_number" | "first_name">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send(
      "sendContact",
      { phone_number: phoneNumber, first_name: firstName },
      other,
      options,
    );
  }
  /**
   * Sends a venue to the update's chat.
   *
   * @param latitude The latitude.
   * @param longitude The longitude.
   * @param title The venue's name.
   * @param address The venue's address.
   * @param other Other `sendVenue` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithVenue(
    latitude: number,
    longitude: number,
    title: string,
    address: string,
    other?: Rest<"sendVenue", "latitude" | "longitude" | "title" | "address">,
    options?: CallOptions,
  ): Promise<Message> {
    return this.#send("sendVenue", { latitude, longitude, title, address }, other, options);
  }
  /**
   * Shows a chat action ("typing", "upload_photo", ...) in the update's chat.
   *
   * @param action The action.
   * @param other Other `sendChatAction` parameters.
   * @param options Per-call options.
   * @returns `true`.
   */
  replyWithChatAction(
    action: MethodParams<"sendChatAction">["action"],
    other?: Rest<"sendChatAction", "action">,
    options?: CallOptions,
  ): Promise<true> {
    return this.#send("sendChatAction", { action }, other, options);
  }

  /**
   * Answers the update's callback query.
   *
   * @param other `answerCallbackQuery` parameters (text, alert, url).
   * @param options Per-call options.
   * @returns `true`.
   */
  answerCallbackQuery(
    other?: Omit<MethodParams<"answerCallbackQuery">, "callback_query_id">,
    options?: CallOptions,
  ): Promise<true> {
    const q = this.update.callback_query;
    if (q === undefined)
      throw new DispatcherError("NO_TARGET", "answerCallbackQuery needs a callback_query update");
    return this.#call(
      "answerCallbackQuery",
      { ...other, callback_query_id: q.id },
      options,
    ) as Promise<MethodResult<"answerCallbackQuery">>;
  }
  /**
   * Answers the update's inline query.
   *
   * @param results The results.
   * @param other Other `answerInlineQuery` parameters.
   * @param options Per-call options.
   * @returns `true`.
   */
  answerInlineQuery(
    results: InlineQueryResult[],
    other?: Omit<MethodParams<"answerInlineQuery">, "inline_query_id" | "results">,
    options?: CallOptions,
  ): Promise<true> {
    const q = this.update.inline_query;
    if (q === undefined)
      throw new DispatcherError("NO_TARGET", "answerInlineQuery needs an inline_query update");
    return this.#call(
      "answerInlineQuery",
      { ...other, inline_query_id: q.id, results },
      options,
    ) as Promise<MethodResult<"answerInlineQuery">>;
  }

  #messageTarget(what: string): Record<string, unknown> {
    const inline = this.inlineMessageId;
    if (inline !== undefined) return { inline_message_id: inline };
    const m = this.msg ?? this.update.callback_query?.message;
    if (m === undefined)
      throw new DispatcherError("NO_TARGET", `${what} needs a message or an inline message`);
    const out: Record<string, unknown> = { chat_id: m.chat.id, message_id: m.message_id };
    const bc = (m as Message).business_connection_id;
    if (bc !== undefined) out.business_connection_id = bc;
    return out;
  }
  /**
   * Edits the text of the update's message (the callback query's message, or its inline message).
   *
   * @param text The new text.
   * @param other Other `editMessageText` parameters.
   * @param options Per-call options.
   * @returns The edited message, or `true` for inline messages.
   */
  editMessageText(
    text: string,
    other?: Omit<
      MethodParams<"editMessageText">,
      "chat_id" | "message_id" | "inline_message_id" | "text"
    >,
    options?: CallOptions,
  ): Promise<Message | true> {
    const params = { ...this.#messageTarget("editMessageText"), text, ...other };
    return this.#call("editMessageText", params, options) as Promise<
      MethodResult<"editMessageText">
    >;
  }
  /**
   * Edits the caption of the update's message.
   *
   * @param caption The new caption.
   * @param other Other `editMessageCaption` parameters.
   * @param options Per-call options.
   * @returns The edited message, or `true` for inline messages.
   */
  editMessageCaption(
    caption: string,
    other?: Omit<
      MethodParams<"editMessageCaption">,
      "chat_id" | "message_id" | "inline_message_id" | "caption"
    >,
    options?: CallOptions,
  ): Promise<MethodResult<"editMessageCaption">> {
    const params = { ...this.#messageTarget("editMessageCaption"), caption, ...other };
    return this.#call("editMessageCaption", params, options) as Promise<
      MethodResult<"editMessageCaption">
    >;
  }
  /**
   * Replaces the inline keyboard of the update's message.
   *
   * @param replyMarkup The new keyboard (omit to remove it).
   * @param options Per-call options.
   * @returns The edited message, or `true` for inline messages.
   */
  editMessageReplyMarkup(
    replyMarkup?: MethodParams<"editMessageReplyMarkup">["reply_markup"],
    options?: CallOptions,
  ): Promise<MethodResult<"editMessageReplyMarkup">> {
    const params = {
      ...this.#messageTarget("editMessageReplyMarkup"),
      ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
    };
    return this.#call("editMessageReplyMarkup", params, options) as Promise<
      MethodResult<"editMessageReplyMarkup">
    >;
  }
  /**
   * Deletes the update's message.
   *
   * @param options Per-call options.
   * @returns `true`.
   */
  deleteMessage(options?: CallOptions): Promise<true> {
    const t = this.#messageTarget("deleteMessage");
    if (t.chat_id === undefined)
      throw new DispatcherError("NO_TARGET", "deleteMessage cannot delete an inline message");
    return this.#call(
      "deleteMessage",
      { chat_id: t.chat_id as number, message_id: t.message_id as number },
      options,
    ) as Promise<MethodResult<"deleteMessage">>;
  }
  /**
   * Sets the bot's reaction on the update's message.
   *
   * @param reaction An emoji, a list of reactions, or `[]` to remove.
   * @param other Other `setMessageReaction` parameters.
   * @param options Per-call options.
   * @returns `true`.
   */
  react(
    reaction: string | ReactionType[],
    other?: Omit<MethodParams<"setMessageReaction">, "chat_id" | "message_id" | "reaction">,
    options?: CallOptions,
  ): Promise<true> {
    const m = this.msg ?? this.update.message_reaction;
    if (m === undefined) throw new DispatcherError("NO_TARGET", "react needs a message");
    const list =
      typeof reaction === "string"
        ? ([{ type: "emoji", emoji: reaction }] as ReactionType[])
        : reaction;
    return this.#call(
      "setMessageReaction",
      { ...other, chat_id: m.chat.id, message_id: m.message_id, reaction: list },
      options,
    ) as Promise<MethodResult<"setMessageReaction">>;
  }

  /**
   * Makes one call through the webhook response when the update came by webhook and the sink
   * accepts it (at most once per update, never with a file inside); otherwise calls the API.
   *
   * @param method The method.
   * @param params Its parameters.
   * @param options Per-call options for the fallback API call.
   * @returns `undefined` when the call went into the webhook response (its result is never known), else the result.
   */
  async webhookReply<M extends MethodName>(
    method: M,
    params: MethodParams<M>,
    options?: CallOptions,
  ): Promise<MethodResult<M> | undefined> {
    const sink = this.#options?.webhookReply;
    if (sink !== undefined && !this.#replied && !containsFile(params)) {
      if (sink.offer(method, params as unknown as Record<string, unknown>)) {
        this.#replied = true;
        return undefined;
      }
    }
    return this.#call(method, params, options) as Promise<MethodResult<M>>;
  }
}

function containsFile(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || depth > 8) return false;
  if (isInputFile(value)) return true;
  if (Array.isArray(value)) return value.some((v) => containsFile(v, depth + 1));
  for (const k in value)
    if (containsFile((value as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}
