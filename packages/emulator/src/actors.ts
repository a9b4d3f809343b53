import type {
  CallbackQuery,
  Contact,
  InlineKeyboardButton,
  InlineQuery,
  Location,
  Message,
  OrderInfo,
  Poll,
  ShippingAddress,
  SuccessfulPayment,
  User,
} from "@bot/types";
import { EmulatorError } from "./errors.js";
import type { EmulatorEvent } from "./events.js";
import { detectEntities } from "./formatting.js";
import { changeMembership } from "./membership.js";
import { member } from "./methods/chats.js";
import { photoSizes } from "./methods/media.js";
import type { BotRecord, ChatRecord, MemberStatus, World } from "./state.js";
import type { UpdatePayload } from "./updates.js";

/** A bot as actors name it: the handle from `emu.createBot()` or its token. */
export type BotTarget = { readonly token: string } | string;

/** A chat as actors name it: a handle from `emu.group()` / `emu.channel()` or its id. */
export type ChatTarget = { readonly id: number } | number;

/** The fields of a new user (`emu.user(...)`). */
export interface UserInit {
  readonly first_name: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly language_code?: string;
  readonly is_premium?: boolean;
  /** The bot this user talks to by default (else the emulator's default bot). */
  readonly bot?: BotTarget;
}

/** Where an actor's message goes. */
export interface SendOptions {
  /** The bot (for private chats); default: the actor's or the emulator's default bot. */
  readonly bot?: BotTarget;
  /** A group, supergroup or channel; default: the private chat with the bot. */
  readonly chat?: ChatTarget;
  /** Reply to this message (or message id). */
  readonly replyTo?: Message | number;
  /** A forum topic's `message_thread_id`. */
  readonly thread?: number;
}

/** An uploaded file an actor sends. */
export interface ActorFile {
  readonly data: Uint8Array;
  readonly filename?: string;
  readonly mimeType?: string;
}

/** Options of {@link UserActor.nextMessage}. */
export interface NextMessageOptions {
  /** Reject with `BOT_EMULATOR_TIMEOUT` after this long (default 5000). */
  readonly timeoutMs?: number;
  /** Only messages in this chat (default: the private chat with this user). */
  readonly chat?: ChatTarget;
}

/** Options of {@link UserActor.pay}. */
export interface PayOptions {
  /** A tip in the smallest units of the currency (at most the invoice's `max_tip_amount`). */
  readonly tip?: number;
  /** The address entered (default: a sample address), for invoices that need one. */
  readonly shippingAddress?: ShippingAddress;
  /** The id of the shipping option picked (default: the first the bot offered). */
  readonly shippingOption?: string;
  /** Name, phone and email entered (defaults from the user), for invoices that ask for them. */
  readonly orderInfo?: Omit<OrderInfo, "shipping_address">;
  /** How long to wait for each of the bot's answers (default 10000, Telegram's limit). */
  readonly timeoutMs?: number;
}

/** How a payment attempt ended. */
export type PaymentOutcome =
  | {
      readonly status: "paid";
      /** The `successful_payment` service message the bot got. */
      readonly message: Message;
      readonly payment: SuccessfulPayment;
    }
  /** The bot answered the shipping query with `ok: false`. */
  | { readonly status: "shipping_failed"; readonly errorMessage: string }
  /** The bot answered the pre-checkout query with `ok: false`. */
  | { readonly status: "declined"; readonly errorMessage: string }
  /** The bot did not answer in time: Telegram cancels the payment. */
  | { readonly status: "timeout"; readonly stage: "shipping" | "pre_checkout" };

const SAMPLE_ADDRESS: ShippingAddress = {
  country_code: "US",
  state: "CA",
  city: "San Francisco",
  street_line1: "1 Market St",
  street_line2: "",
  post_code: "94105",
};

/** A query that was not answered in time can no longer be answered. */
const expire = (bot: BotRecord, queryId: string): void => {
  const q = bot.paymentQueries.get(queryId);
  if (q !== undefined) q.answered = true;
};

interface ActorHost {
  botFor(bot: BotTarget | undefined): BotRecord;
}

const chatIdOf = (c: ChatTarget): number => (typeof c === "number" ? c : c.id);

/** A human user that sends messages, presses buttons and asks inline queries. */
export class UserActor {
  /** The user as bots see it. */
  readonly user: User;
  readonly #world: World;
  readonly #host: ActorHost;
  readonly #inbox: Message[] = [];
  readonly #edits: Message[] = [];
  readonly #waiters = new Set<() => void>();

  /** @internal Use `emu.user(...)`. */
  constructor(world: World, user: User, host: ActorHost) {
    this.#world = world;
    this.user = user;
    this.#host = host;
    world.events.on((e) => this.#observe(e));
  }

  /** The user's id (also the id of its private chats). */
  get id(): number {
    return this.user.id;
  }

  #observe(e: EmulatorEvent): void {
    if (e.type !== "message" && e.type !== "edit") return;
    if (e.chatId !== this.user.id) {
      const record = this.#world.chats.get(e.chatId);
      const status = record?.members.get(this.user.id);
      if (status === undefined || status === "left" || status === "kicked") return;
    }
    (e.type === "message" ? this.#inbox : this.#edits).push(e.message);
    for (const w of [...this.#waiters]) w();
  }

  /**
   * Sends a text message; commands, mentions, hashtags and URLs get entities.
   *
   * @param text The text.
   * @param options The bot or group, a reply target, a topic.
   * @returns The message as the (first) receiving bot sees it.
   */
  send(text: string, options: SendOptions = {}): Message {
    if (typeof text !== "string" || text.length === 0)
      throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "send needs a non-empty text");
    const content: Partial<Message> = { text };
    const entities = detectEntities(text);
    if (entities.length > 0) content.entities = entities;
    return this.#deliver(content, options);
  }

  /**
   * Sends a photo (a tiny PNG unless data is given).
   *
   * @param file The image bytes.
   * @param options Caption, bot or chat.
   * @returns The message.
   */
  sendPhoto(
    file?: ActorFile | Uint8Array,
    options: SendOptions & { caption?: string } = {},
  ): Message {
    const f = file instanceof Uint8Array ? { data: file } : file;
    const data = Buffer.from(f?.data ?? TINY_PNG);
    const record = this.#world.addFile(
      data,
      "photos",
      f?.filename ?? "photo.png",
      f?.mimeType ?? "image/png",
    );
    const content: Partial<Message> = { photo: photoSizes(record) };
    if (options.caption !== undefined) content.caption = options.caption;
    return this.#deliver(content, options);
  }

  /**
   * Sends a document.
   *
   * @param file The bytes, file name and MIME type.
   * @param options Caption, bot or chat.
   * @returns The message.
   */
  sendDocument(file: ActorFile, options: SendOptions & { caption?: string } = {}): Message {
    const name = file.filename ?? "file.bin";
    const mime = file.mimeType ?? "application/octet-stream";
    const record = this.#world.addFile(Buffer.from(file.data), "documents", name, mime);
    const content: Partial<Message> = {
      document: {
        file_id: record.file_id,
        file_unique_id: record.file_unique_id,
        file_size: record.file_size,
        file_name: name,
        mime_type: mime,
      },
    };
    if (options.caption !== undefined) content.caption = options.caption;
    return this.#deliver(content, options);
  }

  /**
   * Shares a location, as the attachment menu does.
   *
   * @param latitude Latitude in degrees (-90 to 90).
   * @param longitude Longitude in degrees (-180 to 180).
   * @param options Accuracy in meters, bot or chat.
   * @returns The message.
   */
  sendLocation(
    latitude: number,
    longitude: number,
    options: SendOptions & { horizontalAccuracy?: number } = {},
  ): Message {
    if (!(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180))
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "sendLocation needs a valid latitude and longitude",
      );
    const location: Location = { latitude, longitude };
    if (options.horizontalAccuracy !== undefined)
      location.horizontal_accuracy = options.horizontalAccuracy;
    return this.#deliver({ location }, options);
  }

  /**
   * Shares a contact; without one, the user's own (with `user_id`, as "Share my phone number" sends it).
   *
   * @param contact The contact (default: this user, with a made-up phone number).
   * @param options The bot or chat.
   * @returns The message.
   */
  sendContact(contact?: Contact, options: SendOptions = {}): Message {
    const own: Contact = {
      phone_number: `+1555${String(this.user.id).padStart(7, "0").slice(-7)}`,
      first_name: this.user.first_name,
      user_id: this.user.id,
    };
    if (this.user.last_name !== undefined) own.last_name = this.user.last_name;
    const c = contact ?? own;
    if (
      typeof c.phone_number !== "string" ||
      c.phone_number === "" ||
      typeof c.first_name !== "string"
    )
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "sendContact needs phone_number and first_name",
      );
    return this.#deliver({ contact: { ...c } }, options);
  }

  #deliver(content: Partial<Message>, options: SendOptions): Message {
    const world = this.#world;
    if (options.chat === undefined) {
      const bot = this.#host.botFor(options.bot);
      const record = world.privateChat(this.user);
      if (record.members.get(bot.id) === "kicked")
        throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "this user blocked the bot");
      record.members.set(bot.id, "member");
      return this.#storeAndPush(bot, record, content, options);
    }
    const record = world.chats.get(chatIdOf(options.chat));
    if (record === undefined) throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "unknown chat");
    const status = record.members.get(this.user.id);
    if (status === undefined || status === "left" || status === "kicked") {
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "the user is not a member of this chat",
      );
    }
    const bots = this.#botsIn(record, options.bot);
    if (bots.length === 0)
      throw new EmulatorError("BOT_EMULATOR_NO_BOT", "no bot is a member of this chat");
    let first: Message | undefined;
    // In supergroups and channels every bot sees the same message (one id sequence per chat).
    const shared = record.chat.type === "supergroup" || record.chat.type === "channel";
    for (const bot of bots) {
      const m = this.#storeAndPush(bot, record, content, options, shared ? first : undefined);
      first ??= m;
    }
    return first as Message;
  }

  /** Whether this user is in the chat: its own private chat, or a current member of a group. */
  #isIn(record: ChatRecord): boolean {
    if (record.chat.type === "private") return record.chat.id === this.user.id;
    const status = record.members.get(this.user.id);
    return status !== undefined && status !== "left" && status !== "kicked";
  }

  #botsIn(record: ChatRecord, only: BotTarget | undefined): BotRecord[] {
    const onlyId = only === undefined ? undefined : this.#host.botFor(only).id;
    const out: BotRecord[] = [];
    for (const [id, status] of record.members) {
      const bot = this.#world.bots.get(id);
      if (
        bot !== undefined &&
        status !== "left" &&
        status !== "kicked" &&
        (onlyId === undefined || onlyId === id)
      )
        out.push(bot);
    }
    return out;
  }

  #storeAndPush(
    bot: BotRecord,
    record: ChatRecord,
    content: Partial<Message>,
    options: SendOptions,
    reuse?: Message,
  ): Message {
    const world = this.#world;
    const chat = record.chat;
    const box = world.box(bot.id, chat);
    let message: Message;
    if (reuse !== undefined) {
      message = reuse;
    } else {
      const fields: Partial<Message> = { chat, ...content };
      if (chat.type === "channel") fields.sender_chat = chat;
      else fields.from = this.user;
      if (options.thread !== undefined) {
        fields.message_thread_id = options.thread;
        fields.is_topic_message = true;
      }
      if (options.replyTo !== undefined) {
        const id =
          typeof options.replyTo === "number" ? options.replyTo : options.replyTo.message_id;
        const target = box.messages.get(id);
        if (target !== undefined) fields.reply_to_message = target;
      }
      message = world.store(box, fields as Omit<Message, "message_id" | "date">);
    }
    const payload: UpdatePayload =
      chat.type === "channel" ? { channel_post: message } : { message };
    bot.updates.push(payload);
    world.events.emit({ type: "user_message", botId: bot.id, chatId: chat.id, message });
    return message;
  }

  /**
   * Presses an inline button (by its text or `callback_data`) and sends the bot a `callback_query`.
   *
   * @param button The button's text or callback data.
   * @param options The message (default: the bot's newest message with an inline keyboard in the chat), bot or chat.
   * @returns The callback query.
   */
  click(
    button: string,
    options: { message?: Message; bot?: BotTarget; chat?: ChatTarget } = {},
  ): CallbackQuery {
    const bot = this.#host.botFor(options.bot);
    const chatId =
      options.message?.chat.id ??
      (options.chat === undefined ? this.user.id : chatIdOf(options.chat));
    const record = this.#world.chats.get(chatId);
    if (record === undefined) throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "unknown chat");
    const box = this.#world.box(bot.id, record.chat);
    let message: Message | undefined;
    if (options.message !== undefined) message = box.messages.get(options.message.message_id);
    else {
      const ids = [...box.messages.keys()].sort((a, b) => b - a);
      for (const id of ids) {
        const m = box.messages.get(id) as Message;
        if (m.from?.id === bot.id && m.reply_markup !== undefined) {
          message = m;
          break;
        }
      }
    }
    if (message === undefined)
      throw new EmulatorError(
        "BOT_EMULATOR_NO_BUTTON",
        "no message with an inline keyboard from the bot",
      );
    const rows: InlineKeyboardButton[][] = message.reply_markup?.inline_keyboard ?? [];
    const found = rows.flat().find((b) => b.text === button || b.callback_data === button);
    if (found?.callback_data === undefined)
      throw new EmulatorError(
        "BOT_EMULATOR_NO_BUTTON",
        `no callback button "${button}" on message ${message.message_id}`,
      );
    const query: CallbackQuery = {
      id: this.#world.queryId(),
      from: this.user,
      message,
      chat_instance: String(Math.abs((record.chat.id * 31 + bot.id) % 1_000_000_007)),
      data: found.callback_data,
    };
    bot.callbackQueries.set(query.id, { answered: false });
    bot.updates.push({ callback_query: query });
    return query;
  }

  /**
   * Votes in a poll a bot sent (to this user or to a group the user is in), as tapping options
   * does. The bot gets a `poll_answer` update (non-anonymous polls only) and then a `poll` update
   * with the new counts. An empty list retracts the vote (where the poll allows revoting).
   *
   * @param poll The poll's message (from `nextMessage`) or the poll id.
   * @param options The 0-based option ids (one, unless the poll allows multiple answers).
   * @returns The poll with the new counts.
   */
  vote(poll: Message | string, options: number | readonly number[]): Poll {
    const pollId = typeof poll === "string" ? poll : poll.poll?.id;
    if (pollId === undefined)
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "vote needs a poll message or poll id",
      );
    let bot: BotRecord | undefined;
    for (const b of this.#world.bots.values()) if (b.polls.has(pollId)) bot = b;
    const rec = bot?.polls.get(pollId);
    const record = rec === undefined ? undefined : this.#world.chats.get(rec.chatId);
    if (bot === undefined || rec === undefined || record === undefined)
      throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "unknown poll");
    if (!this.#isIn(record))
      throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "the user is not in the poll's chat");
    const box = this.#world.box(bot.id, record.chat);
    const message = box.messages.get(rec.messageId);
    const current = message?.poll;
    if (message === undefined || current === undefined)
      throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "the poll's message was deleted");
    const closed =
      current.is_closed ||
      (current.close_date !== undefined && this.#world.date() >= current.close_date);
    if (closed) throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "the poll is closed");
    const ids = typeof options === "number" ? [options] : [...options];
    if (
      ids.some((id) => !Number.isInteger(id) || id < 0 || id >= current.options.length) ||
      new Set(ids).size !== ids.length
    )
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "vote needs distinct option ids of the poll",
      );
    ids.sort((a, b) => a - b);
    if (ids.length > 1 && !current.allows_multiple_answers)
      throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "the poll allows one answer");
    const previous = rec.votes.get(this.user.id);
    if (previous !== undefined && !current.allows_revoting)
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "the poll does not allow changing a vote",
      );
    if (ids.length === 0 && previous === undefined)
      throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "there is no vote to retract");
    if (ids.length === 0) rec.votes.delete(this.user.id);
    else rec.votes.set(this.user.id, ids);
    const counts = current.options.map(() => 0);
    for (const chosen of rec.votes.values())
      for (const id of chosen) counts[id] = (counts[id] ?? 0) + 1;
    const updated: Poll = {
      ...current,
      options: current.options.map((o, i) => ({ ...o, voter_count: counts[i] ?? 0 })),
      total_voter_count: rec.votes.size,
    };
    box.messages.set(message.message_id, { ...message, poll: updated });
    this.#world.events.emit({
      type: "user_vote",
      botId: bot.id,
      chatId: record.chat.id,
      pollId,
      userId: this.user.id,
      optionIds: ids,
    });
    if (!current.is_anonymous)
      bot.updates.push({
        poll_answer: {
          poll_id: pollId,
          user: this.user,
          option_ids: ids,
          option_persistent_ids: ids.map((id) => current.options[id]?.persistent_id ?? String(id)),
        },
      });
    bot.updates.push({ poll: updated });
    return updated;
  }

  /**
   * Pays an invoice the bot sent, as the payment form does: for a flexible invoice the bot
   * gets a `shipping_query` and must answer it (`answerShippingQuery`), then a
   * `pre_checkout_query` it must answer (`answerPreCheckoutQuery`) within `timeoutMs`; when it
   * accepts, a `successful_payment` message from the user arrives in the chat.
   *
   * @param invoice The invoice message (from `nextMessage`).
   * @param options Tip, shipping address and option, order info, timeout.
   * @returns How it ended.
   */
  async pay(invoice: Message, options: PayOptions = {}): Promise<PaymentOutcome> {
    const bot = invoice.from === undefined ? undefined : this.#world.bots.get(invoice.from.id);
    const rec = bot?.invoices.get(`${invoice.chat.id}:${invoice.message_id}`);
    const record = this.#world.chats.get(invoice.chat.id);
    if (bot === undefined || rec === undefined || record === undefined)
      throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "not an invoice a bot sent");
    if (!this.#isIn(record))
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "the user is not in the invoice's chat",
      );
    const tip = options.tip ?? 0;
    if (!Number.isInteger(tip) || tip < 0 || tip > rec.maxTipAmount)
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "the tip must be 0 to max_tip_amount",
      );
    const timeoutMs = options.timeoutMs ?? 10_000;
    const order: OrderInfo = {};
    const name = [this.user.first_name, this.user.last_name].filter(Boolean).join(" ");
    if (rec.needName) order.name = options.orderInfo?.name ?? name;
    if (rec.needPhoneNumber)
      order.phone_number =
        options.orderInfo?.phone_number ??
        `+1555${String(this.user.id).padStart(7, "0").slice(-7)}`;
    if (rec.needEmail)
      order.email =
        options.orderInfo?.email ?? `${this.user.username ?? `user${this.user.id}`}@example.com`;
    if (rec.needShippingAddress) order.shipping_address = options.shippingAddress ?? SAMPLE_ADDRESS;
    const hasOrder = Object.keys(order).length > 0;

    let shippingOptionId: string | undefined;
    let shippingCost = 0;
    if (rec.isFlexible) {
      const id = this.#world.queryId();
      bot.paymentQueries.set(id, { kind: "shipping", answered: false });
      bot.updates.push({
        shipping_query: {
          id,
          from: this.user,
          invoice_payload: rec.payload,
          shipping_address: order.shipping_address ?? SAMPLE_ADDRESS,
        },
      });
      const answer = await this.#answerOf(id, "shipping_answer", timeoutMs);
      if (answer === undefined) {
        expire(bot, id);
        return { status: "timeout", stage: "shipping" };
      }
      if (answer.type !== "shipping_answer") throw new Error("unreachable");
      if (!answer.ok) return { status: "shipping_failed", errorMessage: answer.errorMessage ?? "" };
      const offered = answer.shippingOptions ?? [];
      const picked =
        options.shippingOption === undefined
          ? offered[0]
          : offered.find((o) => o.id === options.shippingOption);
      if (picked === undefined)
        throw new EmulatorError(
          "BOT_EMULATOR_INVALID_OPTIONS",
          `the bot offered no shipping option "${options.shippingOption}"`,
        );
      shippingOptionId = picked.id;
      shippingCost = picked.prices.reduce((n, p) => n + p.amount, 0);
    }
    const totalAmount = rec.prices.reduce((n, p) => n + p.amount, 0) + shippingCost + tip;
    const id = this.#world.queryId();
    bot.paymentQueries.set(id, { kind: "pre_checkout", answered: false });
    bot.updates.push({
      pre_checkout_query: {
        id,
        from: this.user,
        currency: rec.currency,
        total_amount: totalAmount,
        invoice_payload: rec.payload,
        ...(shippingOptionId === undefined ? {} : { shipping_option_id: shippingOptionId }),
        ...(hasOrder ? { order_info: order } : {}),
      },
    });
    const answer = await this.#answerOf(id, "pre_checkout_answer", timeoutMs);
    if (answer === undefined) {
      expire(bot, id);
      return { status: "timeout", stage: "pre_checkout" };
    }
    if (answer.type !== "pre_checkout_answer") throw new Error("unreachable");
    if (!answer.ok) return { status: "declined", errorMessage: answer.errorMessage ?? "" };
    const charge = `${rec.currency === "XTR" ? "stxn" : "tg"}_${this.#world.queryId()}`;
    const payment: SuccessfulPayment = {
      currency: rec.currency,
      total_amount: totalAmount,
      invoice_payload: rec.payload,
      ...(shippingOptionId === undefined ? {} : { shipping_option_id: shippingOptionId }),
      ...(hasOrder ? { order_info: order } : {}),
      telegram_payment_charge_id: charge,
      provider_payment_charge_id: rec.currency === "XTR" ? "" : `provider_${charge}`,
    };
    bot.charges.set(charge, { userId: this.user.id, currency: rec.currency, refunded: false });
    const message = this.#storeAndPush(bot, record, { successful_payment: payment }, {});
    return { status: "paid", message, payment };
  }

  #answerOf(
    queryId: string,
    type: "shipping_answer" | "pre_checkout_answer",
    timeoutMs: number,
  ): Promise<EmulatorEvent | undefined> {
    return new Promise((resolve) => {
      const off = this.#world.events.on((e) => {
        if (e.type === type && e.queryId === queryId) {
          off();
          clearTimeout(timer);
          resolve(e);
        }
      });
      const timer = setTimeout(() => {
        off();
        resolve(undefined);
      }, timeoutMs);
    });
  }

  /**
   * Types an inline query to a bot.
   *
   * @param query The query text.
   * @param options The bot and paging offset.
   * @returns The inline query.
   */
  inline(query: string, options: { bot?: BotTarget; offset?: string } = {}): InlineQuery {
    const bot = this.#host.botFor(options.bot);
    const q: InlineQuery = {
      id: this.#world.queryId(),
      from: this.user,
      query,
      offset: options.offset ?? "",
      chat_type: "sender",
    };
    bot.inlineQueries.set(q.id, { answered: false });
    bot.updates.push({ inline_query: q });
    return q;
  }

  /**
   * Joins a group, supergroup or channel: bots there get a `new_chat_members` message (not in
   * channels), and administrator bots a `chat_member` update (if they asked for it).
   *
   * @param chat The chat.
   * @returns The service message as the first bot sees it, or `undefined` when no bot is there.
   */
  join(chat: ChatTarget): Message | undefined {
    return this.#membership(chat, this.user, "member");
  }

  /**
   * Leaves a group, supergroup or channel: bots there get a `left_chat_member` message (not in
   * channels), and administrator bots a `chat_member` update (if they asked for it).
   *
   * @param chat The chat.
   * @returns The service message, or `undefined` when no bot is there.
   */
  leave(chat: ChatTarget): Message | undefined {
    return this.#membership(chat, this.user, "left");
  }

  /**
   * Adds a user or a bot to a group this user is in. An added bot gets a `my_chat_member`
   * update (left → member) and the `new_chat_members` message; the other bots get the message,
   * and administrator bots a `chat_member` update, both `from` this user.
   *
   * @param chat The group, supergroup or channel.
   * @param member The user actor or bot (`emu.createBot()`'s handle) to add.
   * @returns The service message as the first bot sees it, or `undefined` when no bot saw it.
   */
  add(chat: ChatTarget, member: { readonly user: User }): Message | undefined {
    return this.#membership(chat, member.user, "member");
  }

  /**
   * Removes (bans) a user or a bot from a chat; this user must be its creator or an
   * administrator. A removed bot gets `my_chat_member` (→ `kicked`) and no longer sees the chat;
   * the others get `left_chat_member` and administrator bots `chat_member`.
   *
   * @param chat The group, supergroup or channel.
   * @param member The user actor or bot to remove.
   * @returns The service message as the first remaining bot sees it, or `undefined`.
   */
  remove(chat: ChatTarget, member: { readonly user: User }): Message | undefined {
    return this.#membership(chat, member.user, "kicked");
  }

  #membership(
    chat: ChatTarget,
    target: User,
    status: "member" | "left" | "kicked",
  ): Message | undefined {
    const record = this.#world.chats.get(chatIdOf(chat));
    if (record === undefined || record.chat.type === "private")
      throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "unknown group");
    const isIn = (s: MemberStatus | undefined) => s !== undefined && s !== "left" && s !== "kicked";
    const old = record.members.get(target.id) ?? "left";
    const self = target.id === this.user.id;
    if (!self) {
      const mine = record.members.get(this.user.id);
      if (!isIn(mine))
        throw new EmulatorError(
          "BOT_EMULATOR_INVALID_OPTIONS",
          "the user is not a member of this chat",
        );
      if (status === "kicked" && mine !== "creator" && mine !== "administrator")
        throw new EmulatorError(
          "BOT_EMULATOR_INVALID_OPTIONS",
          "only the creator or an administrator can remove members",
        );
    }
    if (status === "member" && isIn(old))
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        `${target.first_name} is already a member`,
      );
    if (status !== "member" && !isIn(old))
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        `${target.first_name} is not a member`,
      );
    if (old === "creator" && status !== "member")
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "the creator cannot leave or be removed",
      );
    return changeMembership(this.#world, record, this.user, target, status);
  }

  /**
   * Blocks a bot: its messages to this user fail with 403, and it gets a `my_chat_member`
   * update (member → kicked).
   *
   * @param bot The bot (default: the default bot).
   */
  block(bot?: BotTarget): void {
    this.#privateStatus(bot, "kicked");
  }

  /**
   * Unblocks a bot: it may write again, and gets a `my_chat_member` update (kicked → member).
   *
   * @param bot The bot (default: the default bot).
   */
  unblock(bot?: BotTarget): void {
    this.#privateStatus(bot, "member");
  }

  #privateStatus(target: BotTarget | undefined, status: "member" | "kicked"): void {
    const bot = this.#host.botFor(target);
    const record = this.#world.privateChat(this.user);
    const old = record.members.get(bot.id);
    if (old === status) return;
    record.members.set(bot.id, status);
    if (old === undefined && status === "kicked") return; // never started: nothing to tell
    bot.updates.push({
      my_chat_member: {
        chat: record.chat,
        from: this.user,
        date: this.#world.date(),
        old_chat_member: member(bot.user, old ?? "left"),
        new_chat_member: member(bot.user, status),
      },
    });
  }

  /**
   * Takes the next message a bot sent to this user (or to a chat the user is in) that was not taken yet.
   *
   * @param options The chat (default: the private chat) and a timeout.
   * @returns The message.
   */
  nextMessage(options: NextMessageOptions = {}): Promise<Message> {
    return this.#next(this.#inbox, "message", options);
  }

  /**
   * Takes the next edit a bot made to a message in this user's chat (or a chat the user is in):
   * `editMessageText`, `editMessageCaption`, `editMessageReplyMarkup` and the like.
   *
   * @param options The chat (default: the private chat) and a timeout.
   * @returns The message as it is after the edit.
   */
  nextEdit(options: NextMessageOptions = {}): Promise<Message> {
    return this.#next(this.#edits, "edit", options);
  }

  #next(inbox: Message[], what: string, options: NextMessageOptions): Promise<Message> {
    const chatId = options.chat === undefined ? this.user.id : chatIdOf(options.chat);
    const take = (): Message | undefined => {
      const i = inbox.findIndex((m) => m.chat.id === chatId);
      return i < 0 ? undefined : inbox.splice(i, 1)[0];
    };
    const now = take();
    if (now !== undefined) return Promise.resolve(now);
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise<Message>((resolve, reject) => {
      const waiter = (): void => {
        const m = take();
        if (m === undefined) return;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new EmulatorError(
            "BOT_EMULATOR_TIMEOUT",
            `no ${what} for ${this.user.first_name} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /**
   * The messages bots sent to this user (or a chat) that `nextMessage` has not taken yet.
   *
   * @returns A copy of the inbox.
   */
  unread(): Message[] {
    return [...this.#inbox];
  }
}

/** A 1x1 PNG. */
const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
