import type { CallOptions } from "@bot/client";
import type {
  Formatted,
  InlineQueryResult,
  InputFile,
  Message,
  MessageEntity,
  MethodName,
  MethodParams,
  MethodResult,
  ParseMode,
  ReactionType,
} from "@bot/types";

/** A message text: a string, or text with its formatting (`fmt`, `html`, `md`, a received message). */
export type MessageText = string | Formatted;

type Rest<M extends MethodName, K extends string> = Omit<MethodParams<M>, "chat_id" | K>;

/** With a formatted value, its formatting must not be given again. */
interface NoTextFormatting {
  /** Comes from the formatted value. */
  entities?: never;
  /** Comes from the formatted value. */
  parse_mode?: never;
}

/**
 * The other parameters of a method whose text is `T`: with a formatted `T`, `entities` and
 * `parse_mode` are not allowed (they come from the value).
 */
export type TextOther<P, T> = T extends string
  ? P
  : Omit<P, "entities" | "parse_mode"> & NoTextFormatting;

/** A caption: a string with optional entities or parse mode, or a formatted value alone. */
export type CaptionFields =
  | { caption?: string; caption_entities?: MessageEntity[]; parse_mode?: ParseMode }
  | { caption: Formatted; caption_entities?: never; parse_mode?: never };

/** The other parameters of a method with a caption, which may be a formatted value. */
export type CaptionOther<P> = Omit<P, "caption" | "caption_entities" | "parse_mode"> &
  CaptionFields;

/** An `InputTextMessageContent` whose text is a formatted value. */
export interface FormattedMessageContent {
  /** The text with its formatting. */
  message_text: Formatted;
  /** Comes from the formatted value. */
  entities?: never;
  /** Comes from the formatted value. */
  parse_mode?: never;
  /** Link preview options. */
  link_preview_options?: MethodParams<"sendMessage">["link_preview_options"];
}

/** An inline query result whose message content (or caption) may be a formatted value. */
export type InlineResult = InlineQueryResult extends infer R
  ? R extends unknown
    ? {
        [K in keyof R]: K extends "input_message_content"
          ? R[K] | FormattedMessageContent
          : K extends "caption"
            ? R[K] | Formatted
            : R[K];
      }
    : never
  : never;

type EditTarget = "chat_id" | "message_id" | "inline_message_id";
/**
 * The context shortcuts: each fills in what the update is about (its chat, topic and business
 * connection; its message; its query) and passes the rest to the Bot API method it names.
 * Every one takes per-call `options` last; the context's abort signal applies when they give none.
 */
export interface ContextShortcuts {
  /**
   * Sends a message to the update's chat (and topic, and business connection).
   *
   * @param text A string, or formatted text (`fmt`, `html`, `md`) with its entities or parse mode.
   * @param other Other `sendMessage` parameters (no `entities`/`parse_mode` with formatted text).
   * @param options Per-call options.
   * @returns The sent message.
   */
  reply<T extends MessageText>(
    text: T,
    other?: TextOther<Rest<"sendMessage", "text">, T>,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Sends a photo to the update's chat.
   *
   * @param photo A file id, URL or `InputFile`.
   * @param other Other `sendPhoto` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithPhoto(
    photo: InputFile | string,
    other?: CaptionOther<Rest<"sendPhoto", "photo">>,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Sends a document to the update's chat.
   *
   * @param document A file id, URL or `InputFile`.
   * @param other Other `sendDocument` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithDocument(
    document: InputFile | string,
    other?: CaptionOther<Rest<"sendDocument", "document">>,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Sends a video to the update's chat.
   *
   * @param video A file id, URL or `InputFile`.
   * @param other Other `sendVideo` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithVideo(
    video: InputFile | string,
    other?: CaptionOther<Rest<"sendVideo", "video">>,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Sends an audio file to the update's chat.
   *
   * @param audio A file id, URL or `InputFile`.
   * @param other Other `sendAudio` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithAudio(
    audio: InputFile | string,
    other?: CaptionOther<Rest<"sendAudio", "audio">>,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Sends a voice note to the update's chat.
   *
   * @param voice A file id, URL or `InputFile`.
   * @param other Other `sendVoice` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithVoice(
    voice: InputFile | string,
    other?: CaptionOther<Rest<"sendVoice", "voice">>,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Sends an animation to the update's chat.
   *
   * @param animation A file id, URL or `InputFile`.
   * @param other Other `sendAnimation` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithAnimation(
    animation: InputFile | string,
    other?: CaptionOther<Rest<"sendAnimation", "animation">>,
    options?: CallOptions,
  ): Promise<Message>;
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
  ): Promise<Message>;
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
  ): Promise<Message>;
  /**
   * Sends an album to the update's chat.
   *
   * @param media 2-10 photos, videos, documents or audios (captions may be formatted text).
   * @param other Other `sendMediaGroup` parameters.
   * @param options Per-call options.
   * @returns The sent messages.
   */
  replyWithMediaGroup(
    media: readonly (Omit<MethodParams<"sendMediaGroup">["media"][number], "caption"> & {
      caption?: string | Formatted;
    })[],
    other?: Rest<"sendMediaGroup", "media">,
    options?: CallOptions,
  ): Promise<Message[]>;
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
  ): Promise<Message>;
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
  ): Promise<Message>;
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
  ): Promise<Message>;
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
  ): Promise<Message>;
  /**
   * Sends a dice to the update's chat.
   *
   * @param emoji The dice emoji (default 🎲).
   * @param other Other `sendDice` parameters.
   * @param options Per-call options.
   * @returns The sent message.
   */
  replyWithDice(
    emoji?: string,
    other?: Rest<"sendDice", "emoji">,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Shows a chat action ("typing", "upload_photo", ...) in the update's chat for about 5 s.
   * For longer work use {@link Context.withChatAction}.
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
  ): Promise<true>;
  /**
   * Forwards the update's message to another chat.
   *
   * @param chatId The chat to forward to.
   * @param other Other `forwardMessage` parameters.
   * @param options Per-call options.
   * @returns The forwarded message.
   */
  forwardMessage(
    chatId: number | string,
    other?: Omit<MethodParams<"forwardMessage">, "chat_id" | "from_chat_id" | "message_id">,
    options?: CallOptions,
  ): Promise<Message>;
  /**
   * Copies the update's message to another chat (no link to the original).
   *
   * @param chatId The chat to copy to.
   * @param other Other `copyMessage` parameters; `caption` may be formatted text.
   * @param options Per-call options.
   * @returns The id of the copy.
   */
  copyMessage(
    chatId: number | string,
    other?: CaptionOther<
      Omit<MethodParams<"copyMessage">, "chat_id" | "from_chat_id" | "message_id">
    >,
    options?: CallOptions,
  ): Promise<MethodResult<"copyMessage">>;
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
  ): Promise<true>;
  /**
   * Pins the update's message in its chat.
   *
   * @param other Other `pinChatMessage` parameters (`disable_notification`).
   * @param options Per-call options.
   * @returns `true`.
   */
  pinChatMessage(
    other?: Omit<MethodParams<"pinChatMessage">, "chat_id" | "message_id">,
    options?: CallOptions,
  ): Promise<true>;
  /**
   * Unpins the update's message.
   *
   * @param other Other `unpinChatMessage` parameters.
   * @param options Per-call options.
   * @returns `true`.
   */
  unpinChatMessage(
    other?: Omit<MethodParams<"unpinChatMessage">, "chat_id" | "message_id">,
    options?: CallOptions,
  ): Promise<true>;
  /**
   * Deletes the update's message.
   *
   * @param options Per-call options.
   * @returns `true`.
   */
  deleteMessage(options?: CallOptions): Promise<true>;
  /**
   * Edits the text of the update's message (the callback query's message, or its inline message).
   *
   * @param text The new text: a string or formatted text.
   * @param other Other `editMessageText` parameters (no `entities`/`parse_mode` with formatted text).
   * @param options Per-call options.
   * @returns The edited message, or `true` for inline messages.
   */
  editMessageText<T extends MessageText>(
    text: T,
    other?: TextOther<Omit<MethodParams<"editMessageText">, EditTarget | "text">, T>,
    options?: CallOptions,
  ): Promise<Message | true>;
  /**
   * Edits the caption of the update's message.
   *
   * @param caption The new caption: a string or formatted text.
   * @param other Other `editMessageCaption` parameters (no `caption_entities`/`parse_mode` with formatted text).
   * @param options Per-call options.
   * @returns The edited message, or `true` for inline messages.
   */
  editMessageCaption<T extends MessageText>(
    caption: T,
    other?: T extends string
      ? Omit<MethodParams<"editMessageCaption">, EditTarget | "caption">
      : Omit<
          MethodParams<"editMessageCaption">,
          EditTarget | "caption" | "caption_entities" | "parse_mode"
        > & { caption_entities?: never; parse_mode?: never },
    options?: CallOptions,
  ): Promise<MethodResult<"editMessageCaption">>;
  /**
   * Replaces the media of the update's message.
   *
   * @param media The new media.
   * @param other Other `editMessageMedia` parameters.
   * @param options Per-call options.
   * @returns The edited message, or `true` for inline messages.
   */
  editMessageMedia(
    media: MethodParams<"editMessageMedia">["media"],
    other?: Omit<MethodParams<"editMessageMedia">, EditTarget | "media">,
    options?: CallOptions,
  ): Promise<MethodResult<"editMessageMedia">>;
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
  ): Promise<MethodResult<"editMessageReplyMarkup">>;
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
  ): Promise<true>;
  /**
   * Answers the update's inline query.
   *
   * @param results The results; article contents and captions may be formatted text.
   * @param other Other `answerInlineQuery` parameters.
   * @param options Per-call options.
   * @returns `true`.
   */
  answerInlineQuery(
    results: readonly InlineResult[],
    other?: Omit<MethodParams<"answerInlineQuery">, "inline_query_id" | "results">,
    options?: CallOptions,
  ): Promise<true>;
  /**
   * Answers the update's shipping query.
   *
   * @param ok Whether delivery to the address is possible.
   * @param other `shipping_options` when `ok`, `error_message` otherwise.
   * @param options Per-call options.
   * @returns `true`.
   */
  answerShippingQuery(
    ok: boolean,
    other?: Omit<MethodParams<"answerShippingQuery">, "shipping_query_id" | "ok">,
    options?: CallOptions,
  ): Promise<true>;
  /**
   * Answers the update's pre-checkout query (within 10 s of receiving it).
   *
   * @param ok Whether the order can proceed.
   * @param other `error_message` when not `ok`.
   * @param options Per-call options.
   * @returns `true`.
   */
  answerPreCheckoutQuery(
    ok: boolean,
    other?: Omit<MethodParams<"answerPreCheckoutQuery">, "pre_checkout_query_id" | "ok">,
    options?: CallOptions,
  ): Promise<true>;
  /**
   * Approves the update's chat join request.
   *
   * @param options Per-call options.
   * @returns `true`.
   */
  approveChatJoinRequest(options?: CallOptions): Promise<true>;
  /**
   * Declines the update's chat join request.
   *
   * @param options Per-call options.
   * @returns `true`.
   */
  declineChatJoinRequest(options?: CallOptions): Promise<true>;
}
