import type { Update } from "@bot/types";
import * as v from "valibot";
import { RuntimeError } from "./errors.js";
import { type KeyedLock, lockFor } from "./keyed-lock.js";
import { MemoryStorage } from "./memory-storage.js";
import { SessionSlot } from "./session-slot.js";
import type { Storage } from "./storage.js";
import { updateChatId, updateUserId } from "./update-keys.js";

/** What a session middleware needs from a context: the update. */
export interface SessionContext {
  /** The update being handled. */
  readonly update: Update;
}

/** A middleware as sessions produce it: `(ctx, next)`. */
export type SessionMiddleware<C extends SessionContext = SessionContext> = (
  ctx: C,
  next: () => Promise<void>,
) => Promise<void>;

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
  /** The current chat's data (rejects with `SESSION_NO_KEY` when the update has no chat). */
  readonly chatData: Promise<ChatData>;
  /** The current user's data (rejects with `SESSION_NO_KEY` when the update has no user). */
  readonly userData: Promise<UserData>;
  /** Data shared by the whole bot. */
  readonly botData: Promise<BotData>;
}

/** Options of {@link session}. */
export interface SessionOptions<T, C extends SessionContext = SessionContext> {
  /** The property on the context. Default `"session"`. */
  readonly name?: string | undefined;
  /** The session key of an update, or `undefined` when it has none (the session rejects). */
  readonly key: (ctx: C) => string | undefined;
  /** The value of a session that does not exist yet. */
  readonly initial: () => T;
  /** Where sessions live. Default: a new {@link MemoryStorage}. */
  readonly storage?: Storage | undefined;
  /** Time to live of a session after its last write, in milliseconds. */
  readonly ttlMs?: number | undefined;
  /** The storage key prefix. Default `"session:<name>:"`. */
  readonly prefix?: string | undefined;
}

/** Options of {@link dataSessions}. */
export interface DataSessionOptions<
  ChatData extends object = Record<string, unknown>,
  UserData extends object = Record<string, unknown>,
  BotData extends object = Record<string, unknown>,
> {
  /** Where the data lives. Default: a new {@link MemoryStorage}. */
  readonly storage?: Storage | undefined;
  /** Time to live of chat and user data after its last write, in milliseconds. */
  readonly ttlMs?: number | undefined;
  /** The storage key prefix. Default `"data:"`. */
  readonly prefix?: string | undefined;
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

const SessionOptionsSchema = v.strictObject({
  name: v.optional(v.pipe(v.string("name must be a string"), v.nonEmpty("name must not be empty"))),
  key: v.function("key must be a function"),
  initial: v.function("initial must be a function"),
  storage: v.optional(StorageSchema),
  ttlMs: TtlSchema,
  prefix: PrefixSchema,
});

const DataOptionsSchema = v.strictObject({
  storage: v.optional(StorageSchema),
  ttlMs: TtlSchema,
  prefix: PrefixSchema,
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
      "SESSION_INVALID_OPTIONS",
      `@bot/dispatcher: invalid ${what} options${path ? ` at ${path}` : ""}: ${issue.message}`,
    );
  }
}

/** Runs the handlers, then saves (or just unlocks) every slot they touched. */
async function runWithSlots(
  slots: ReadonlyArray<SessionSlot<unknown>>,
  state: { closed: boolean },
  next: () => Promise<void>,
  after?: () => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  try {
    await next();
  } catch (error) {
    failure = { error };
  }
  state.closed = true;
  const results = await Promise.allSettled(slots.map((slot) => slot.finish(failure === undefined)));
  if (failure !== undefined) throw failure.error;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  if (after !== undefined) await after();
}

function closed(what: string): Promise<never> {
  return Promise.reject(
    new RuntimeError(
      "SESSION_CLOSED",
      `@bot/dispatcher: ${what} was read after its update finished`,
    ),
  );
}

function noKey(what: string): Promise<never> {
  return Promise.reject(
    new RuntimeError("SESSION_NO_KEY", `@bot/dispatcher: this update has no ${what}`),
  );
}

/**
 * A custom keyed session: `ctx[name]` (default `ctx.session`) is a promise of the value for
 * `key(ctx)`. It is loaded only if a handler reads it, saved only if it changed, and updates
 * with the same key in this process run their read-modify-write one after another (a per-key
 * lock plus a versioned compare-and-set, so a write from another process surfaces as a
 * `SessionConflictError` instead of being lost). Changes are not saved when a handler throws.
 *
 * @param options The key, initial value, storage and TTL.
 * @returns The middleware to `bot.use`.
 */
export function session<T, C extends SessionContext = SessionContext>(
  options: SessionOptions<T, C>,
): SessionMiddleware<C> {
  check(SessionOptionsSchema, options, "session");
  const name = options.name ?? "session";
  const storage = options.storage ?? new MemoryStorage();
  const lock = lockFor(storage);
  const prefix = options.prefix ?? `session:${name}:`;
  const { key, initial, ttlMs } = options;
  return (ctx, next) => {
    let slot: SessionSlot<T> | undefined;
    const slots: Array<SessionSlot<unknown>> = [];
    const state = { closed: false };
    Object.defineProperty(ctx, name, {
      configurable: true,
      enumerable: false,
      get: () => {
        if (slot === undefined) {
          if (state.closed) return closed(`session "${name}"`);
          const k = key(ctx);
          if (k === undefined) return noKey(`session key for "${name}"`);
          slot = new SessionSlot(storage, lock, prefix + k, initial, ttlMs);
          slots.push(slot as SessionSlot<unknown>);
        }
        return slot.load();
      },
    });
    return runWithSlots(slots, state, next);
  };
}

/**
 * PTB-style data: `ctx.chatData`, `ctx.userData` and `ctx.botData`, each a promise of a
 * mutable object loaded on first access and saved after the handlers only if it changed.
 * A message with `migrate_to_chat_id` (group upgraded to a supergroup) moves the chat's data
 * to the new id once the handlers finished.
 *
 * @param options Storage, TTL, key prefix and initial values.
 * @returns The middleware to `bot.use`.
 */
export function dataSessions<
  ChatData extends object = Record<string, unknown>,
  UserData extends object = Record<string, unknown>,
  BotData extends object = Record<string, unknown>,
>(
  options: DataSessionOptions<ChatData, UserData, BotData> = {},
): SessionMiddleware<SessionContext> {
  check(DataOptionsSchema, options, "dataSessions");
  const storage = options.storage ?? new MemoryStorage();
  const lock = lockFor(storage);
  const prefix = options.prefix ?? "data:";
  const ttlMs = options.ttlMs;
  const empty = () => ({});
  const initialChat = options.initial?.chat ?? empty;
  const initialUser = options.initial?.user ?? empty;
  const initialBot = options.initial?.bot ?? empty;
  return (ctx, next) => {
    const slots: Array<SessionSlot<unknown>> = [];
    const state = { closed: false };
    const define = (
      property: string,
      id: () => number | undefined,
      kind: string,
      initial: () => object,
      ttl: number | undefined,
    ) => {
      let slot: SessionSlot<object> | undefined;
      Object.defineProperty(ctx, property, {
        configurable: true,
        enumerable: false,
        get: () => {
          if (slot === undefined) {
            if (state.closed) return closed(property);
            const n = id();
            if (n === undefined) return noKey(kind);
            slot = new SessionSlot(storage, lock, `${prefix}${kind}:${n}`, initial, ttl);
            slots.push(slot);
          }
          return slot.load();
        },
      });
    };
    const update = ctx.update;
    define("chatData", () => updateChatId(update), "chat", initialChat, ttlMs);
    define("userData", () => updateUserId(update), "user", initialUser, ttlMs);
    define("botData", () => 0, "bot", initialBot, undefined);
    const migrateTo = update.message?.migrate_to_chat_id;
    if (migrateTo === undefined) return runWithSlots(slots, state, next);
    const from = update.message!.chat.id;
    return runWithSlots(slots, state, next, async () => {
      await migrateChatData({ storage, prefix, ttlMs }, from, migrateTo);
    });
  };
}

/**
 * Moves one chat's data to another chat id (what a group-to-supergroup upgrade needs). The
 * middleware of {@link dataSessions} calls it for you; call it yourself for other moves.
 *
 * @param where The storage, the key prefix (default `"data:"`) and TTL used by the data.
 * @param fromChatId The old chat id.
 * @param toChatId The new chat id.
 * @returns `true` when there was data to move.
 */
export async function migrateChatData(
  where: { storage: Storage; prefix?: string | undefined; ttlMs?: number | undefined },
  fromChatId: number,
  toChatId: number,
): Promise<boolean> {
  const prefix = where.prefix ?? "data:";
  const lock: KeyedLock = lockFor(where.storage);
  const fromKey = `${prefix}chat:${fromChatId}`;
  const toKey = `${prefix}chat:${toChatId}`;
  const releaseFrom = await lock.acquire(fromKey);
  try {
    const releaseTo = await lock.acquire(toKey);
    try {
      const entry = await where.storage.get(fromKey);
      if (entry === undefined) return false;
      const options = where.ttlMs === undefined ? undefined : { ttlMs: where.ttlMs };
      await where.storage.set(toKey, entry.value, options);
      await where.storage.delete(fromKey);
      return true;
    } finally {
      releaseTo();
    }
  } finally {
    releaseFrom();
  }
}
