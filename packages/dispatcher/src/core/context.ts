import type { CallOptions, Client } from "@bot/client";
import {
  type BotSubscriptionUpdated,
  type BusinessConnection,
  type BusinessMessagesDeleted,
  type CallbackQuery,
  type Chat,
  type ChatBoostRemoved,
  type ChatBoostUpdated,
  type ChatJoinRequest,
  type ChatMemberUpdated,
  type ChosenInlineResult,
  expandFormatted,
  type InlineQuery,
  isInputFile,
  type ManagedBotUpdated,
  type Message,
  type MessageGenerationStopped,
  type MessageReactionCountUpdated,
  type MessageReactionUpdated,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type PaidMediaPurchased,
  type Poll,
  type PollAnswer,
  type PreCheckoutQuery,
  type ShippingQuery,
  type Update,
  type User,
} from "@bot/types";
import { updateChat, updateUser } from "../runtime/update-keys.js";
import type { BotInfo } from "./api.js";
import { updateKindOf } from "./filter.js";
import type { ContextShortcuts } from "./shortcut-types.js";
import { ShortcutMethods, withSignal } from "./shortcuts.js";

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
  signal?: AbortSignal | undefined;
  /** Where `ctx.webhookReply` may put one call. */
  webhookReply?: WebhookReplySink | undefined;
}

/** Constructs a context of type `C` (what the bot calls for every update). */
export type ContextConstructor<C extends Context> = new (
  update: Update,
  api: Client,
  me: BotInfo,
  options?: HandleUpdateOptions,
) => C;

/**
 * A custom context class for a bot whose context type is `C`: a subclass of {@link Context}
 * whose instances have `C`'s own members. `C` may add flavors (`DataFlavor`, `SessionFlavor`)
 * on top, which middleware adds at run time, so the class needs no `declare` lines for them:
 *
 * ```ts
 * class MyContext extends Context { get isAdmin() { return this.from?.id === ADMIN; } }
 * type Ctx = MyContext & DataFlavor<{ count: number }>;
 * const bot = new Bot<Ctx>(token, { contextConstructor: MyContext });
 * ```
 */
export type ContextClass<C extends Context> = new (
  update: Update,
  api: Client,
  me: BotInfo,
  options?: HandleUpdateOptions,
) => Context & Partial<C>;

/** What `contextConstructor` takes: exactly `C`'s class, or a class `C` adds flavors to. */
export type ContextClassOption<C extends Context> = ContextConstructor<C> | ContextClass<C>;

const CHAT_ACTION_REPEAT_MS = 4000;
function ignore(): void {}

const MESSAGE_FIELDS = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
  "guest_message",
] as const;

let slotsOf: (ctx: object) => Record<symbol, unknown> | undefined = () => undefined;

/**
 * Where the runtime keeps its per-update state on a context: a record inside every
 * {@link Context} (and subclass) instance, created on first use. Writing there leaves the
 * context's shape alone (a property defined on each context costs every update a shape change);
 * a context that is not a `Context` (a plain object) has none.
 *
 * @param ctx A context.
 * @returns Its record, or `undefined` when `ctx` is not a `Context`.
 */
export function contextSlots(ctx: object): Record<symbol, unknown> | undefined {
  return slotsOf(ctx);
}

/**
 * The context of one update: the update, the shared API client, the bot's own user, shortcut
 * getters, and the shortcut methods of {@link ContextShortcuts} (`reply`, `react`,
 * `editMessageText`, ...) that pre-fill the chat, topic, business connection, message or query.
 * Cheap to build: a few fields and no closures; the client is shared, never built per update.
 */
export class Context extends ShortcutMethods {
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
  /** The runtime's per-update state (sessions), see {@link contextSlots}. */
  #slots: Record<symbol, unknown> | undefined = undefined;

  static {
    slotsOf = (ctx) => {
      if (!(#slots in ctx)) return undefined;
      ctx.#slots ??= {};
      return ctx.#slots;
    };
  }

  /**
   * Creates a context (the bot does this for every update).
   *
   * @param update The update.
   * @param api The API client.
   * @param me The bot's own user.
   * @param options The options of this `handleUpdate` call.
   */
  constructor(update: Update, api: Client, me: BotInfo, options?: HandleUpdateOptions) {
    super();
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
  get message(): Message | undefined {
    return this.update.message;
  }
  /** `update.edited_message`. */
  get editedMessage(): Message | undefined {
    return this.update.edited_message;
  }
  /** `update.channel_post`. */
  get channelPost(): Message | undefined {
    return this.update.channel_post;
  }
  /** `update.edited_channel_post`. */
  get editedChannelPost(): Message | undefined {
    return this.update.edited_channel_post;
  }
  /** `update.business_connection`. */
  get businessConnection(): BusinessConnection | undefined {
    return this.update.business_connection;
  }
  /** `update.business_message`. */
  get businessMessage(): Message | undefined {
    return this.update.business_message;
  }
  /** `update.edited_business_message`. */
  get editedBusinessMessage(): Message | undefined {
    return this.update.edited_business_message;
  }
  /** `update.deleted_business_messages`. */
  get deletedBusinessMessages(): BusinessMessagesDeleted | undefined {
    return this.update.deleted_business_messages;
  }
  /** `update.guest_message`. */
  get guestMessage(): Message | undefined {
    return this.update.guest_message;
  }
  /** `update.message_reaction`. */
  get messageReaction(): MessageReactionUpdated | undefined {
    return this.update.message_reaction;
  }
  /** `update.message_reaction_count`. */
  get messageReactionCount(): MessageReactionCountUpdated | undefined {
    return this.update.message_reaction_count;
  }
  /** `update.inline_query`. */
  get inlineQuery(): InlineQuery | undefined {
    return this.update.inline_query;
  }
  /** `update.chosen_inline_result`. */
  get chosenInlineResult(): ChosenInlineResult | undefined {
    return this.update.chosen_inline_result;
  }
  /** `update.callback_query`. */
  get callbackQuery(): CallbackQuery | undefined {
    return this.update.callback_query;
  }
  /** `update.shipping_query`. */
  get shippingQuery(): ShippingQuery | undefined {
    return this.update.shipping_query;
  }
  /** `update.pre_checkout_query`. */
  get preCheckoutQuery(): PreCheckoutQuery | undefined {
    return this.update.pre_checkout_query;
  }
  /** `update.purchased_paid_media`. */
  get purchasedPaidMedia(): PaidMediaPurchased | undefined {
    return this.update.purchased_paid_media;
  }
  /** `update.poll`. */
  get poll(): Poll | undefined {
    return this.update.poll;
  }
  /** `update.poll_answer`. */
  get pollAnswer(): PollAnswer | undefined {
    return this.update.poll_answer;
  }
  /** `update.my_chat_member`. */
  get myChatMember(): ChatMemberUpdated | undefined {
    return this.update.my_chat_member;
  }
  /** `update.chat_member`. */
  get chatMember(): ChatMemberUpdated | undefined {
    return this.update.chat_member;
  }
  /** `update.chat_join_request`. */
  get chatJoinRequest(): ChatJoinRequest | undefined {
    return this.update.chat_join_request;
  }
  /** `update.chat_boost`. */
  get chatBoost(): ChatBoostUpdated | undefined {
    return this.update.chat_boost;
  }
  /** `update.removed_chat_boost`. */
  get removedChatBoost(): ChatBoostRemoved | undefined {
    return this.update.removed_chat_boost;
  }
  /** `update.managed_bot`. */
  get managedBot(): ManagedBotUpdated | undefined {
    return this.update.managed_bot;
  }
  /** `update.subscription`. */
  get subscription(): BotSubscriptionUpdated | undefined {
    return this.update.subscription;
  }
  /** `update.stopped_message_generation`. */
  get stoppedMessageGeneration(): MessageGenerationStopped | undefined {
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

  /**
   * Runs `work` while the update's chat shows a chat action ("typing", "upload_photo", ...):
   * the action is sent at once and again every 4 s (Telegram shows one for 5 s) until `work`
   * settles or `ctx.signal` aborts. A failed repeat is ignored: the action is cosmetic.
   *
   * @param action The action.
   * @param work The long work.
   * @param other Other `sendChatAction` parameters.
   * @returns What `work` returned.
   * @throws {DispatcherError} `BOT_DISPATCHER_NO_CHAT` when the update has no chat.
   */
  async withChatAction<T>(
    action: MethodParams<"sendChatAction">["action"],
    work: () => T | PromiseLike<T>,
    other?: Omit<MethodParams<"sendChatAction">, "chat_id" | "action">,
  ): Promise<T> {
    const first = this.replyWithChatAction(action, other);
    first.catch(ignore);
    const timer = setInterval(() => {
      this.replyWithChatAction(action, other).catch(ignore);
    }, CHAT_ACTION_REPEAT_MS);
    const signal = this.signal;
    const stop = () => clearInterval(timer);
    signal?.addEventListener("abort", stop, { once: true });
    try {
      return await work();
    } finally {
      stop();
      signal?.removeEventListener("abort", stop);
    }
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
      const plain = expandFormatted(method, params) as unknown as Record<string, unknown>;
      if (sink.offer(method, plain)) {
        this.#replied = true;
        return undefined;
      }
    }
    const api = this.api as unknown as {
      call(m: string, p: object, o?: CallOptions): Promise<unknown>;
    };
    return api.call(method, params, withSignal(this.signal, options)) as Promise<MethodResult<M>>;
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
