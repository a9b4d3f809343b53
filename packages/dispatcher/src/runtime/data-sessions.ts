/**
 * {@link dataSessions}: PTB-style `chatData`, `userData` and `botData`, and moving a chat's
 * data when a group becomes a supergroup.
 *
 * @module
 */
import type { Update } from "@bot/types";
import { RuntimeError, SessionConflictError } from "./errors.js";
import { acquireLease } from "./lease.js";
import { accessorGroup, attachAccessors } from "./session-accessors.js";
import {
  botIdOf,
  check,
  DataOptionsSchema,
  deepFreeze,
  lockSettings,
  runMember,
  storageResolver,
} from "./session-options.js";
import { type ScopeMember, SessionScope } from "./session-scope.js";
import { type SessionLockSettings, SessionSlot, updateUnderLease } from "./session-slot.js";
import type {
  DataFlavor,
  DataScope,
  DataSessionOptions,
  DataSessionsMiddleware,
  SessionContext,
  SessionMiddleware,
} from "./session-types.js";
import type { Storage } from "./storage.js";
import { storageKey } from "./storage-key.js";
import { updateChatId, updateUserId } from "./update-keys.js";

/** Marks a context built by `withData` (its chat and user ids are not from an update). */
const OUTSIDE = Symbol("@bot/dispatcher.dataSessions.outside");
/** The update of a `withData` context: none (no chat, no user, no migration). */
const OUTSIDE_UPDATE: Update = Object.freeze({ update_id: 0 }) as Update;

/**
 * PTB-style data: `ctx.chatData` and `ctx.userData`, each a promise of a mutable object loaded
 * on first access (each under a lease when first read, see {@link session}) and saved after the handlers only
 * if it changed; `ctx.botData`, a frozen snapshot read without a lock, and
 * `ctx.updateBotData(fn)` to change it atomically. A message with `migrate_to_chat_id` (group
 * upgraded to a supergroup) moves the chat's data to the new id once the handlers finished.
 *
 * @param options Storage, TTL, key prefix, lease settings and initial values.
 * @returns The middleware to `bot.use`.
 */
export function dataSessions<
  ChatData extends object = Record<string, unknown>,
  UserData extends object = Record<string, unknown>,
  BotData extends object = Record<string, unknown>,
>(
  options: DataSessionOptions<ChatData, UserData, BotData> = {},
): DataSessionsMiddleware<ChatData, UserData, BotData> {
  check(DataOptionsSchema, options, "dataSessions");
  const storageOf = storageResolver(options.storage, "dataSessions()");
  const { prefix, ttlMs } = options;
  const lock = lockSettings(options.lock);
  const empty = () => ({});
  const initialChat = options.initial?.chat ?? empty;
  const initialUser = options.initial?.user ?? empty;
  const initialBot = (options.initial?.bot ?? empty) as () => BotData;
  // the bot-scoped key prefixes of the last bot seen (one bot per middleware is the usual case)
  let lastBot: number | undefined;
  let scoped = { chat: "", user: "" };
  const keyOf = (ctx: SessionContext, kind: "chat" | "user", id: number) => {
    if (prefix !== undefined) return `${prefix}${kind}:${id}`;
    const bot = botIdOf(ctx);
    if (bot !== lastBot) {
      scoped = {
        chat: `${storageKey(bot, "data", "chat")}:`,
        user: `${storageKey(bot, "data", "user")}:`,
      };
      lastBot = bot;
    }
    return scoped[kind] + String(id);
  };
  // outside an update (`withData`), the ids come from its scope instead of an update
  const chatKey = (ctx: object) => {
    const outside = (ctx as { [OUTSIDE]?: DataScope })[OUTSIDE];
    const id =
      outside === undefined ? updateChatId((ctx as SessionContext).update) : outside.chatId;
    return id === undefined ? undefined : keyOf(ctx as SessionContext, "chat", id);
  };
  const userKey = (ctx: object) => {
    const outside = (ctx as { [OUTSIDE]?: DataScope })[OUTSIDE];
    const id =
      outside === undefined ? updateUserId((ctx as SessionContext).update) : outside.userId;
    return id === undefined ? undefined : keyOf(ctx as SessionContext, "user", id);
  };
  const botKey = (ctx: SessionContext) =>
    prefix === undefined ? storageKey(botIdOf(ctx), "data", "bot") : `${prefix}bot:0`;
  const closedError = (what: string) =>
    new RuntimeError(
      "BOT_DISPATCHER_SESSION_CLOSED",
      `@bot/dispatcher: ${what} was used after its update finished`,
    );

  /** What one update's context holds for these accessors. */
  interface DataState {
    readonly ctx: SessionContext;
    readonly storage: Storage;
    readonly member: ScopeMember;
    readonly chat: SessionSlot<object>;
    readonly user: SessionSlot<object>;
    readonly impl: DataImpl;
    snapshot: Promise<Readonly<BotData>> | undefined;
    update:
      | ((fn: (data: BotData) => BotData | undefined) => Promise<Readonly<BotData>>)
      | undefined;
    done: boolean;
  }
  const botData = (state: DataState): Promise<Readonly<BotData>> => {
    if (state.snapshot === undefined) {
      if (state.done) return Promise.reject(closedError("botData"));
      state.snapshot = state.storage
        .get<BotData>(botKey(state.ctx))
        .then((entry) => deepFreeze(entry === undefined ? initialBot() : entry.value));
    }
    return state.snapshot;
  };
  const updateBotData = (state: DataState) => {
    state.update ??= async (fn) => {
      if (state.done) throw closedError("updateBotData");
      if (typeof fn !== "function") {
        throw new RuntimeError(
          "BOT_DISPATCHER_SESSION_INVALID_UPDATE",
          "@bot/dispatcher: updateBotData needs a function",
        );
      }
      const key = botKey(state.ctx);
      const next = await updateUnderLease(
        state.storage,
        key,
        initialBot,
        fn,
        lock,
        state.ctx.signal,
      );
      const frozen = deepFreeze(JSON.parse(JSON.stringify(next)) as BotData);
      state.snapshot = Promise.resolve(frozen);
      return frozen;
    };
    return state.update;
  };
  // what the shared getters call for a context of this middleware
  const impl: DataImpl = { botData, updateBotData } as DataImpl;
  const middleware: SessionMiddleware<SessionContext> = (ctx, next) => {
    const storage = storageOf(ctx);
    const scope = SessionScope.of(ctx);
    const member = scope.join();
    const chat = new SessionSlot<object>(
      storage,
      chatKey,
      ctx,
      initialChat,
      ttlMs,
      lock,
      "chatData",
    );
    const user = new SessionSlot<object>(
      storage,
      userKey,
      ctx,
      initialUser,
      ttlMs,
      lock,
      "userData",
    );
    // "<prefix>chat:<id>" < "<prefix>user:<id>": reading chatData needs no user key for the order
    user.after = chat;
    member.add(chat);
    member.add(user);
    const state: DataState = {
      ctx,
      storage,
      member,
      chat,
      user,
      impl,
      snapshot: undefined,
      update: undefined,
      done: false,
    };
    attachAccessors(ctx, DATA_ACCESSORS, state);
    const migrateTo = ctx.update.message?.migrate_to_chat_id;
    if (migrateTo !== undefined) {
      const from = ctx.update.message?.chat.id as number;
      scope.afterRelease(async () => {
        await moveData(
          storage,
          keyOf(ctx, "chat", from),
          keyOf(ctx, "chat", migrateTo),
          ttlMs,
          lock,
        );
      });
    }
    return runMember(member, next, state);
  };
  const withData = async <R>(
    where: DataScope,
    fn: (data: DataFlavor<ChatData, UserData, BotData>) => R | Promise<R>,
  ): Promise<R> => {
    if (typeof where !== "object" || where === null || typeof fn !== "function") {
      throw new RuntimeError(
        "BOT_DISPATCHER_SESSION_INVALID_OPTIONS",
        "@bot/dispatcher: withData needs a scope ({ api, chatId, userId }) and a function",
      );
    }
    for (const id of [where.chatId, where.userId]) {
      if (id !== undefined && !Number.isSafeInteger(id)) {
        throw new RuntimeError(
          "BOT_DISPATCHER_SESSION_INVALID_OPTIONS",
          "@bot/dispatcher: withData's chatId and userId must be integers",
        );
      }
    }
    // a context of its own, with what the session machinery reads from an update's context
    const ctx = {
      update: OUTSIDE_UPDATE,
      api: where.api,
      me: where.me,
      signal: where.signal,
      [OUTSIDE]: where,
    } as SessionContext;
    let result: R | undefined;
    await middleware(ctx, async () => {
      result = await fn(ctx as unknown as DataFlavor<ChatData, UserData, BotData>);
    });
    return result as R;
  };
  return Object.assign(middleware, { withData });
}

async function moveData(
  storage: Storage,
  fromKey: string,
  toKey: string,
  ttlMs: number | undefined,
  lock: SessionLockSettings,
): Promise<boolean> {
  const lease = await acquireLease(storage, [fromKey, toKey], lock);
  const [from, to] = lease.entries;
  if (from === undefined) {
    await lease.release();
    return false;
  }
  const outcome = await lease
    .commit(
      [
        { key: toKey, expectedVersion: to?.version ?? null, value: from.value, ttlMs },
        { key: fromKey, expectedVersion: from.version, delete: true },
      ],
      { release: true },
    )
    .catch(async (error: unknown) => {
      await lease.release().catch(() => false);
      throw error;
    });
  if (!outcome.ok) throw new SessionConflictError(outcome.conflict);
  return true;
}

/**
 * Moves one chat's data to another chat id (what a group-to-supergroup upgrade needs), under a
 * lease on both keys. The middleware of {@link dataSessions} calls it for you; call it yourself
 * for other moves.
 *
 * @param where The storage and either the bot id (the default, bot-scoped keys) or the `prefix`
 * the data uses, and the TTL of the moved data.
 * @param fromChatId The old chat id.
 * @param toChatId The new chat id.
 * @returns `true` when there was data to move.
 */
export async function migrateChatData(
  where: {
    storage: Storage;
    botId?: number | undefined;
    prefix?: string | undefined;
    ttlMs?: number | undefined;
  },
  fromChatId: number,
  toChatId: number,
): Promise<boolean> {
  const { prefix, botId } = where;
  if (prefix === undefined && botId === undefined) {
    throw new RuntimeError(
      "BOT_DISPATCHER_SESSION_INVALID_OPTIONS",
      "@bot/dispatcher: migrateChatData needs the botId (or the prefix the data uses)",
    );
  }
  const keyOf = (id: number) =>
    prefix === undefined ? storageKey(botId as number, "data", "chat", id) : `${prefix}chat:${id}`;
  return moveData(
    where.storage,
    keyOf(fromChatId),
    keyOf(toChatId),
    where.ttlMs,
    lockSettings(undefined),
  );
}

/** What the getters of {@link DATA_ACCESSORS} need of one update's data. */
interface DataStateLike {
  readonly member: ScopeMember;
  readonly chat: SessionSlot<object>;
  readonly user: SessionSlot<object>;
  readonly impl: DataImpl;
}

/** The `botData` and `updateBotData` of one `dataSessions()` middleware. */
interface DataImpl {
  botData(state: DataStateLike): unknown;
  updateBotData(state: DataStateLike): unknown;
}

/** `ctx.chatData`, `ctx.userData`, `ctx.botData`, `ctx.updateBotData`, shared by every `dataSessions()`. */
const DATA_ACCESSORS = accessorGroup<DataStateLike>(Symbol("@bot/dispatcher.dataSessions"), {
  chatData: (state) => state.member.load(state.chat),
  userData: (state) => state.member.load(state.user),
  botData: (state) => state.impl.botData(state),
  updateBotData: (state) => state.impl.updateBotData(state),
});
