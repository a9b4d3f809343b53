import { createHash, randomBytes } from "node:crypto";
import type {
  BotCommand,
  Chat,
  ChatAdministratorRights,
  ChatType,
  ForumTopic,
  LabeledPrice,
  MenuButton,
  Message,
  User,
} from "@bot/types";
import type { Clock } from "./clock.js";
import { ApiFailure, badRequest } from "./errors.js";
import { EventLog } from "./events.js";
import { UpdateQueue } from "./updates.js";

/** What a bot set about itself: names, descriptions, menu buttons, default admin rights. */
export interface BotProfile {
  /** The name the bot was created with, shown where no other default name was set. */
  readonly firstName: string;
  /** Per language code (`""`: the default), the dedicated names and descriptions. */
  readonly names: Map<string, string>;
  readonly descriptions: Map<string, string>;
  readonly shortDescriptions: Map<string, string>;
  /** Per private chat id (`0`: the bot's default), the menu button. */
  readonly menuButtons: Map<number, MenuButton>;
  /** The default administrator rights for groups, and for channels. */
  readonly rights: { groups?: ChatAdministratorRights; channels?: ChatAdministratorRights };
}

/** A bot known to the emulator. */
export interface BotRecord {
  readonly id: number;
  readonly token: string;
  readonly user: User;
  readonly testEnvironment: boolean;
  readonly updates: UpdateQueue;
  readonly commands: Map<string, BotCommand[]>;
  /** Its name, descriptions, menu buttons and default administrator rights. */
  readonly profile: BotProfile;
  readonly polls: Map<string, PollRecord>;
  readonly callbackQueries: Map<string, { answered: boolean }>;
  readonly inlineQueries: Map<string, { answered: boolean }>;
  /** Invoices the bot sent, by `<chat id>:<message id>`. */
  readonly invoices: Map<string, InvoiceRecord>;
  /** Shipping and pre-checkout queries sent to the bot, by id. */
  readonly paymentQueries: Map<
    string,
    { readonly kind: "shipping" | "pre_checkout"; answered: boolean }
  >;
  /** Successful payments, by `telegram_payment_charge_id` (for refunds of Stars). */
  readonly charges: Map<
    string,
    { readonly userId: number; readonly currency: string; refunded: boolean }
  >;
}

/** What `sendInvoice` was given, kept to play the payment. */
export interface InvoiceRecord {
  readonly payload: string;
  readonly currency: string;
  readonly prices: readonly LabeledPrice[];
  readonly maxTipAmount: number;
  readonly needName: boolean;
  readonly needPhoneNumber: boolean;
  readonly needEmail: boolean;
  readonly needShippingAddress: boolean;
  readonly isFlexible: boolean;
}

/** A poll a bot sent: where its message is, and each voter's chosen options. */
export interface PollRecord {
  readonly chatId: number;
  readonly messageId: number;
  /** Option ids by user id (users who retracted their vote are removed). */
  readonly votes: Map<number, readonly number[]>;
}

/** The membership status of a user in a group or channel. */
export type MemberStatus = "creator" | "administrator" | "member" | "left" | "kicked";

/** A group, supergroup, channel or private chat. */
export interface ChatRecord {
  readonly chat: Chat;
  readonly members: Map<number, MemberStatus>;
  readonly topics: Map<number, ForumTopic>;
  description?: string;
}

/** A stored file. */
export interface FileRecord {
  readonly file_id: string;
  readonly file_unique_id: string;
  readonly file_path: string;
  readonly file_size: number;
  readonly data: Buffer | undefined;
  readonly mimeType: string;
  readonly fileName: string;
}

/** The messages of one chat as one account sees them (ids are per box). */
export interface MessageBox {
  nextId: number;
  readonly messages: Map<number, Message>;
}

function randomId(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

/** All state of one emulator: bots, users, chats, messages and files. */
export class World {
  readonly clock: Clock;
  readonly events: EventLog;
  readonly bots: Map<number, BotRecord> = new Map();
  readonly botsByToken: Map<string, BotRecord> = new Map();
  readonly users: Map<number, User> = new Map();
  readonly chats: Map<number, ChatRecord> = new Map();
  readonly files: Map<string, FileRecord> = new Map();
  readonly filesByPath: Map<string, FileRecord> = new Map();
  readonly #boxes = new Map<string, MessageBox>();
  #nextBotId = 7_000_000_001;
  #nextUserId = 100_000_001;
  #nextGroupId = 4_000_000_001;
  #nextSuperId = 1_000_000_000_001;
  #nextFile = 1;
  #nextQuery = 1;

  /**
   * Creates an empty world.
   *
   * @param clock The time source for dates.
   * @param eventLimit How many events to keep.
   */
  constructor(clock: Clock, eventLimit: number) {
    this.clock = clock;
    this.events = new EventLog(eventLimit);
  }

  /** @returns The current Unix time in seconds, from the clock. */
  date(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** @returns A fresh callback or inline query id. */
  queryId(): string {
    return `${Date.now().toString(36)}${(this.#nextQuery++).toString(36)}`;
  }

  /**
   * Adds a bot.
   *
   * @param info Its username and names.
   * @param testEnvironment Whether it lives in the test environment (`/bot<token>/test/<method>`).
   * @param fixedToken A token to use instead of a random one (its id part becomes the bot id).
   * @returns The record.
   */
  addBot(
    info: {
      username: string;
      first_name: string;
      can_join_groups?: boolean;
      supports_inline_queries?: boolean;
    },
    testEnvironment: boolean,
    fixedToken?: string,
  ): BotRecord {
    const id =
      fixedToken === undefined
        ? this.#nextBotId++
        : Number(fixedToken.slice(0, fixedToken.indexOf(":")));
    const token = fixedToken ?? `${id}:AA${randomId(24)}`;
    const user: User = {
      id,
      is_bot: true,
      first_name: info.first_name,
      username: info.username,
      can_join_groups: info.can_join_groups ?? true,
      can_read_all_group_messages: false,
      supports_inline_queries: info.supports_inline_queries ?? true,
      can_connect_to_business: false,
      has_main_web_app: false,
    };
    const bot: BotRecord = {
      id,
      token,
      user,
      testEnvironment,
      updates: new UpdateQueue(),
      commands: new Map(),
      profile: {
        firstName: user.first_name,
        names: new Map(),
        descriptions: new Map(),
        shortDescriptions: new Map(),
        menuButtons: new Map(),
        rights: {},
      },
      polls: new Map(),
      callbackQueries: new Map(),
      inlineQueries: new Map(),
      invoices: new Map(),
      paymentQueries: new Map(),
      charges: new Map(),
    };
    this.bots.set(id, bot);
    this.botsByToken.set(token, bot);
    this.users.set(id, user);
    return bot;
  }

  /**
   * Adds a human user.
   *
   * @param info The user's fields.
   * @returns The user.
   */
  addUser(info: Omit<User, "id" | "is_bot"> & { id?: number }): User {
    const id = info.id ?? this.#nextUserId++;
    const user: User = { ...info, id, is_bot: false };
    this.users.set(id, user);
    return user;
  }

  /**
   * Adds a group, supergroup or channel.
   *
   * @param type The chat type.
   * @param title The title.
   * @param extra Username and forum flag.
   * @returns The record.
   */
  addChat(
    type: Exclude<ChatType, "private">,
    title: string,
    extra: { username?: string; is_forum?: boolean },
  ): ChatRecord {
    const id = type === "group" ? -this.#nextGroupId++ : -this.#nextSuperId++;
    const chat: Chat = { id, type, title };
    if (extra.username !== undefined) chat.username = extra.username;
    if (extra.is_forum === true) chat.is_forum = true;
    const record: ChatRecord = { chat, members: new Map(), topics: new Map() };
    this.chats.set(id, record);
    return record;
  }

  /**
   * The private chat between a user and a bot (created on first use).
   *
   * @param user The user.
   * @returns The record; its id is the user's id.
   */
  privateChat(user: User): ChatRecord {
    let record = this.chats.get(user.id);
    if (record === undefined) {
      const chat: Chat = { id: user.id, type: "private", first_name: user.first_name };
      if (user.last_name !== undefined) chat.last_name = user.last_name;
      if (user.username !== undefined) chat.username = user.username;
      record = { chat, members: new Map([[user.id, "member"]]), topics: new Map() };
      this.chats.set(user.id, record);
    }
    return record;
  }

  /**
   * Finds the chat a bot addresses with `chat_id` (a number or `@username`).
   *
   * @param bot The calling bot.
   * @param chatId The `chat_id` parameter.
   * @returns The chat record.
   */
  resolveChat(bot: BotRecord, chatId: unknown): ChatRecord {
    let record: ChatRecord | undefined;
    if (typeof chatId === "number") {
      record = this.chats.get(chatId);
    } else if (typeof chatId === "string") {
      if (/^-?\d+$/.test(chatId)) record = this.chats.get(Number(chatId));
      else if (chatId.startsWith("@")) {
        const name = chatId.slice(1).toLowerCase();
        for (const c of this.chats.values()) {
          if (c.chat.type !== "private" && c.chat.username?.toLowerCase() === name) record = c;
        }
      }
    }
    if (record === undefined) {
      const user = typeof chatId === "number" ? this.users.get(chatId) : undefined;
      if (user !== undefined && !user.is_bot)
        throw new ApiFailure(403, "Forbidden: bot can't initiate conversation with a user");
      throw badRequest("chat not found");
    }
    if (record.chat.type === "private") {
      const status = record.members.get(bot.id);
      if (status === "kicked") throw new ApiFailure(403, "Forbidden: bot was blocked by the user");
      if (status === undefined)
        throw new ApiFailure(403, "Forbidden: bot can't initiate conversation with a user");
    } else {
      const status = record.members.get(bot.id);
      if (status === undefined || status === "left") throw badRequest("chat not found");
      if (status === "kicked")
        throw new ApiFailure(403, "Forbidden: bot was kicked from the group chat");
    }
    return record;
  }

  /**
   * The message box of a chat as seen by a bot.
   *
   * @param botId The bot.
   * @param chat The chat.
   * @returns The box.
   */
  box(botId: number, chat: Chat): MessageBox {
    const key =
      chat.type === "private" || chat.type === "group" ? `${botId}:${chat.id}` : String(chat.id);
    let box = this.#boxes.get(key);
    if (box === undefined) {
      box = { nextId: 1, messages: new Map() };
      this.#boxes.set(key, box);
    }
    return box;
  }

  /**
   * Stores a new message in a box, giving it the next id and the clock's date.
   *
   * @param box The box.
   * @param fields The message without `message_id` and `date`.
   * @returns The stored message.
   */
  store(box: MessageBox, fields: Omit<Message, "message_id" | "date">): Message {
    const message = { message_id: box.nextId++, date: this.date(), ...fields } as Message;
    box.messages.set(message.message_id, message);
    return message;
  }

  /**
   * Stores file bytes (or a placeholder for a URL) and gives it ids and a path.
   *
   * @param data The bytes, or `undefined` for a remote URL.
   * @param kind The folder (`photos`, `documents`, ...).
   * @param fileName The original name.
   * @param mimeType The MIME type.
   * @returns The record.
   */
  addFile(data: Buffer | undefined, kind: string, fileName: string, mimeType: string): FileRecord {
    const n = this.#nextFile++;
    const ext = /\.[A-Za-z0-9]{1,8}$/.exec(fileName)?.[0] ?? "";
    const unique = createHash("sha256")
      .update(data ?? fileName)
      .digest("base64url")
      .slice(0, 16);
    const record: FileRecord = {
      file_id: `${kind.slice(0, 2).toUpperCase()}${randomId(30)}`,
      file_unique_id: `AQ${unique}`,
      file_path: `${kind}/file_${n}${ext}`,
      file_size: data?.length ?? 0,
      data,
      mimeType,
      fileName,
    };
    this.files.set(record.file_id, record);
    this.filesByPath.set(record.file_path, record);
    return record;
  }
}
