import type { Update } from "@bot/types";
import * as v from "valibot";
import { botScopeOf } from "./bot-scope.js";
import { RuntimeError, SessionConflictError } from "./errors.js";
import { acquireLease } from "./lease.js";
import { MemoryStorage } from "./memory-storage.js";
import { type ScopeMember, SessionScope } from "./session-scope.js";
import {
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_LOCK_WAIT_MS,
  type SessionLockSettings,
  SessionSlot,
  updateUnderLease,
} from "./session-slot.js";
import type { Storage } from "./storage.js";
import { escapeKeyPart, storageKey } from "./storage-key.js";
import { updateChatId, updateUserId } from "./update-keys.js";

/** What a session middleware needs from a context: the update (a `Context` has the rest). */
export interface SessionContext {
  /** The update being handled. */
  readonly update: Update;
  /** The bot's own user; its id scopes the keys when the client does not know the token. */
  readonly me?: { readonly id: number } | undefined;
  /** Aborted when the update is abandoned: its leases are released at once. */
  readonly signal?: AbortSignal | undefined;
}

/** A middleware as sessions produce it: `(ctx, next)`. */
export type SessionMiddleware<C extends SessionContext = SessionContext> = (
  ctx: C,
  next: () => Promise<void>,
) => Promise<void>;

/** Lease settings of sessions (see `Storage.lock`). */
export interface SessionLockOptions {
  /** Lease TTL in milliseconds, renewed every third of it while the update runs. Default 10 000. */
  readonly ttlMs?: number | undefined;
  /** How long to wait for a session another update holds, in milliseconds. Default 15 000. */
  readonly waitMs?: number | undefined;
}

/**
 * The context flavor of {@link session}: `ctx[name]` is a promise of the session value,
 * loaded on first access. Mutate the value; it is saved after the handlers, only if changed.
 *
 * @example `type MyContext = Context & SessionFlavor<{ step: number }>`
 */
export type SessionFlavor<T, Name extends string = "session"> = {
  readonly [K in Name]: Promise<T>;
};

/**
 * The context flavor of {@link dataSessions}: PTB-style `chatData`, `userData`, `botData`.
 *
 * @example `Bot<Context & DataFlavor<{ count: number }>>`
 */
export interface DataFlavor<
  ChatData extends object = Record<string, unknown>,
  UserData extends object = Record<string, unknown>,
  BotData extends object = Record<string, unknown>,
> {
  /** The current chat's data (rejects with `BOT_DISPATCHER_SESSION_NO_KEY` when the update has no chat). */
  readonly chatData: Promise<ChatData>;
  /** The current user's data (rejects with `BOT_DISPATCHER_SESSION_NO_KEY` when the update has no user). */
  readonly userData: Promise<UserData>;
  /**
   * Data shared by the whole bot: a frozen snapshot, read without a lock (so it never
   * serialises updates). Change it with {@link DataFlavor.updateBotData}.
   */
  readonly botData: Promise<Readonly<BotData>>;
  /**
   * Changes the bot's data atomically, at once: locks it briefly, runs `update` on the current
   * value (change it in place or return a new one), saves, unlocks. `update` must be synchronous
   * and may run again if another process wrote meanwhile. Saved even if the handler fails later.
   *
   * @param update The change, e.g. `(d) => { d.total += 1 }`.
   * @returns The new value (frozen).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `(d) => { d.total++ }` (a block without return) type-check
  updateBotData(update: (data: BotData) => BotData | undefined | void): Promise<Readonly<BotData>>;
}

/** Where {@link DataSessionsMiddleware.withData} runs: the bot's client and the chat and user. */
export interface DataScope {
  /**
   * The bot's API client (`bot.api`): it finds the bot's storage and id, as an update's
   * context does. Any object for a bot-less use with an explicit `storage` and `prefix`.
   */
  readonly api: object;
  /** The bot's own user, scoping the keys when the client does not know the token. */
  readonly me?: { readonly id: number } | undefined;
  /** The chat whose `chatData` to use (`chatData` rejects with `BOT_DISPATCHER_SESSION_NO_KEY` without one). */
  readonly chatId?: number | undefined;
  /** The user whose `userData` to use (`userData` rejects with `BOT_DISPATCHER_SESSION_NO_KEY` without one). */
  readonly userId?: number | undefined;
  /** Aborts the wait for the lease and releases it (as an abandoned update's `ctx.signal`). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The middleware of {@link dataSessions}, which can also open the same data outside an update
 * (a scheduled job, a script): {@link DataSessionsMiddleware.withData}.
 */
export interface DataSessionsMiddleware<
  ChatData extends object = Record<string, unknown>,
  UserData extends object = Record<string, unknown>,
  BotData extends object = Record<string, unknown>,
> extends SessionMiddleware<SessionContext> {
  /**
   * Runs `fn` with one chat's and user's data outside an update, exactly as a handler sees it:
   * the same storage keys, loaded on first read under the same lease an update for that chat or
   * user takes (so neither loses the other's writes), renewed while `fn` runs, saved when `fn`
   * resolved and only if changed, dropped when it threw, then released.
   *
   * @example
   * ```ts
   * const data = dataSessions();
   * bot.use(data);
   * await data.withData({ api: bot.api, chatId }, async (d) => { (await d.chatData).reminded = true; });
   * ```
   * @param where The bot's client, the chat and user, an abort signal.
   * @param fn Reads and changes the data; the data is saved after it settles.
   * @returns What `fn` returned.
   */
  withData<R>(
    where: DataScope,
    fn: (data: DataFlavor<ChatData, UserData, BotData>) => R | Promise<R>,
  ): Promise<R>;
}

/** Options of {@link session}. */
export interface SessionOptions<T, C extends SessionContext = SessionContext> {
  /** The property on the context. Default `"session"`. */
  readonly name?: string | undefined;
  /** The session key of an update, or `undefined` when it has none (the session rejects). */
  readonly key: (ctx: C) => string | undefined;
  /** The value of a session that does not exist yet. */
  readonly initial: () => T;
  /** Where sessions live. Default: the bot's storage (`new Bot(token, { storage })`). */
  readonly storage?: Storage | undefined;
  /** Time to live of a session after its last write, in milliseconds. */
  readonly ttlMs?: number | undefined;
  /**
   * A fixed key prefix instead of the bot-scoped default `<botId>:session:<name>:` (the key is
   * still escaped: `:`, `%`, `{`, `}` become `%3A`, `%25`, `%7B`, `%7D`).
   */
  readonly prefix?: string | undefined;
  /** Lease TTL and wait deadline. */
  readonly lock?: SessionLockOptions | undefined;
}

/** Options of {@link dataSessions}. */
export interface DataSessionOptions<
  ChatData extends object = Record<string, unknown>,
  UserData extends object = Record<string, unknown>,
  BotData extends object = Record<string, unknown>,
> {
  /** Where the data lives. Default: the bot's storage (`new Bot(token, { storage })`). */
  readonly storage?: Storage | undefined;
  /** Time to live of chat and user data after its last write, in milliseconds. */
  readonly ttlMs?: number | undefined;
  /**
   * A fixed key prefix instead of the bot-scoped default `<botId>:data:` (keys are then
   * `<prefix>chat:<id>`, `<prefix>user:<id>`, `<prefix>bot:0`; `"data:"` reads data stored
   * before keys were scoped by bot).
   */
  readonly prefix?: string | undefined;
  /** Lease TTL and wait deadline. */
  readonly lock?: SessionLockOptions | undefined;
  /** Initial values; each defaults to `{}`. */
  readonly initial?:
    | {
        readonly chat?: (() => ChatData) | undefined;
        readonly user?: (() => UserData) | undefined;
        readonly bot?: (() => BotData) | undefined;
      }
    | undefined;
}

const StorageSchema = v.custom<Storage>(
  (input) =>
    typeof input === "object" &&
    input !== null &&
    ["get", "set", "delete", "compareAndSet", "setIfAbsent"].every(
      (m) => typeof (input as Record<string, unknown>)[m] === "function",
    ),
  "storage must implement get, set, delete, compareAndSet and setIfAbsent",
);
const TtlSchema = v.optional(
  v.pipe(v.number("ttlMs must be a number"), v.minValue(1, "ttlMs must be positive")),
);
const PrefixSchema = v.optional(v.string("prefix must be a string"));
const LockSchema = v.optional(
  v.strictObject({
    ttlMs: v.optional(
      v.pipe(v.number("lock.ttlMs must be a number"), v.minValue(1, "lock.ttlMs must be positive")),
    ),
    waitMs: v.optional(
      v.pipe(v.number("lock.waitMs must be a number"), v.minValue(0, "lock.waitMs must be >= 0")),
    ),
  }),
);

const SessionOptionsSchema = v.strictObject({
  name: v.optional(v.pipe(v.string("name must be a string"), v.nonEmpty("name must not be empty"))),
  key: v.function("key must be a function"),
  initial: v.function("initial must be a function"),
  storage: v.optional(StorageSchema),
  ttlMs: TtlSchema,
  prefix: PrefixSchema,
  lock: LockSchema,
});

const DataOptionsSchema = v.strictObject({
  storage: v.optional(StorageSchema),
  ttlMs: TtlSchema,
  prefix: PrefixSchema,
  lock: LockSchema,
  initial: v.optional(
    v.strictObject({
      chat: v.optional(v.function("initial.chat must be a function")),
      user: v.optional(v.function("initial.user must be a function")),
      bot: v.optional(v.function("initial.bot must be a function")),
    }),
  ),
});

function check<S extends v.GenericSchema>(schema: S, input: unknown, what: string): void {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new RuntimeError(
      "BOT_DISPATCHER_SESSION_INVALID_OPTIONS",
      `@bot/dispatcher: invalid ${what} options${path ? ` at ${path}` : ""}: ${issue.message}`,
    );
  }
}

function lockSettings(options: SessionLockOptions | undefined): SessionLockSettings {
  return {
    ttlMs: options?.ttlMs ?? DEFAULT_LOCK_TTL_MS,
    waitMs: options?.waitMs ?? DEFAULT_LOCK_WAIT_MS,
  };
}

/** Resolves the storage of an update: the explicit one, else the bot's, else a private one. */
function storageResolver(explicit: Storage | undefined, what: string): (ctx: object) => Storage {
  if (explicit !== undefined) return () => explicit;
  let own: Storage | undefined;
  return (ctx) => {
    const scope = botScopeOf(ctx);
    if (scope === null) {
      throw new RuntimeError(
        "BOT_DISPATCHER_SESSION_INVALID_OPTIONS",
        `@bot/dispatcher: two bots with different storages share one client; pass \`storage\` to ${what}`,
      );
    }
    if (scope !== undefined) return scope.storage;
    own ??= new MemoryStorage();
    return own;
  };
}

/** The id that scopes an update's keys: the token's bot id, else `ctx.me.id`, else 0. */
function botIdOf(ctx: SessionContext): number {
  return botScopeOf(ctx)?.botId ?? ctx.me?.id ?? 0;
}

/** Runs the handlers, then lets the update's scope save and release. */
async function runMember(
  member: ScopeMember,
  next: () => Promise<void>,
  state?: { done: boolean },
): Promise<void> {
  let failure: { error: unknown } | undefined;
  try {
    await next();
  } catch (error) {
    failure = { error };
  }
  let saveError: { error: unknown } | undefined;
  try {
    await member.finish(failure === undefined);
  } catch (error) {
    saveError = { error };
  }
  if (state !== undefined) state.done = true;
  if (failure !== undefined) throw failure.error;
  if (saveError !== undefined) throw saveError.error;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * A custom keyed session: `ctx[name]` (default `ctx.session`) is a promise of the value for
 * `key(ctx)`. It is loaded only if a handler reads it, saved only if it changed, and taken
 * under a lease when first read, with the update's unread sessions that come before it in one
 * fixed order (storage, then key), so updates never deadlock; see `Storage.lock`. A storage without `lock` serialises in this process and a
 * write from another process surfaces as a `SessionConflictError`. Changes are not saved when a
 * handler throws.
 *
 * @param options The key, initial value, storage, TTL and lease settings.
 * @returns The middleware to `bot.use`.
 */
export function session<T, C extends SessionContext = SessionContext>(
  options: SessionOptions<T, C>,
): SessionMiddleware<C> {
  check(SessionOptionsSchema, options, "session");
  const name = options.name ?? "session";
  const storageOf = storageResolver(options.storage, "session()");
  const { key, initial, ttlMs, prefix } = options;
  const lock = lockSettings(options.lock);
  const what = `session "${name}"`;
  const resolveKey = (ctx: C): string | undefined => {
    const k = key(ctx);
    if (k === undefined) return undefined;
    return prefix === undefined
      ? storageKey(botIdOf(ctx), "session", name, k)
      : prefix + escapeKeyPart(k);
  };
  // one shared getter: every context gets the same accessor (no closure per update)
  const STATE = Symbol(`@bot/dispatcher.session(${name})`);
  const accessor: PropertyDescriptor = {
    configurable: true,
    enumerable: false,
    get(this: C) {
      const state = (this as unknown as Record<symbol, SlotState>)[STATE] as SlotState;
      return state.member.load(state.slot);
    },
  };
  return (ctx, next) => {
    const storage = storageOf(ctx);
    const member = SessionScope.of(ctx).join();
    const slot = new SessionSlot(
      storage,
      resolveKey as (ctx: object) => string | undefined,
      ctx,
      initial,
      ttlMs,
      lock,
      what,
    );
    member.add(slot);
    const state: SlotState = { member, slot: slot as SessionSlot };
    Object.defineProperty(ctx, STATE, { configurable: true, value: state });
    Object.defineProperty(ctx, name, accessor);
    return runMember(member, next);
  };
}

interface SlotState {
  readonly member: ScopeMember;
  readonly slot: SessionSlot;
}

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
  const keyOf = (ctx: SessionContext, kind: "chat" | "user", id: number) =>
    prefix === undefined ? storageKey(botIdOf(ctx), "data", kind, id) : `${prefix}${kind}:${id}`;
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
    snapshot: Promise<Readonly<BotData>> | undefined;
    update:
      | ((fn: (data: BotData) => BotData | undefined) => Promise<Readonly<BotData>>)
      | undefined;
    done: boolean;
  }
  // shared accessors: every context gets the same getters (no closures per update)
  const STATE = Symbol("@bot/dispatcher.dataSessions");
  const stateOf = (ctx: object) => (ctx as Record<symbol, DataState>)[STATE] as DataState;
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
  const accessors: PropertyDescriptorMap = {
    chatData: {
      configurable: true,
      enumerable: false,
      get(this: object) {
        const state = stateOf(this);
        return state.member.load(state.chat);
      },
    },
    userData: {
      configurable: true,
      enumerable: false,
      get(this: object) {
        const state = stateOf(this);
        return state.member.load(state.user);
      },
    },
    botData: {
      configurable: true,
      enumerable: false,
      get(this: object) {
        return botData(stateOf(this));
      },
    },
    updateBotData: {
      configurable: true,
      enumerable: false,
      get(this: object) {
        return updateBotData(stateOf(this));
      },
    },
  };
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
    member.add(chat);
    member.add(user);
    const state: DataState = {
      ctx,
      storage,
      member,
      chat,
      user,
      snapshot: undefined,
      update: undefined,
      done: false,
    };
    Object.defineProperty(ctx, STATE, { configurable: true, value: state });
    Object.defineProperties(ctx, accessors);
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
