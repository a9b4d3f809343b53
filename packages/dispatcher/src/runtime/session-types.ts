/**
 * The public types of sessions: what a session middleware needs from a context, the flavors a
 * context type gains, and the options of {@link session} and {@link dataSessions}.
 *
 * @module
 */
import type { Update } from "@bot/types";
import type { dataSessions } from "./data-sessions.js";
import type { session } from "./session.js";
import type { Storage } from "./storage.js";

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
