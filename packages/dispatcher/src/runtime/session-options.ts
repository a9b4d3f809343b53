/**
 * What {@link session} and {@link dataSessions} share: option schemas, lease settings, the
 * storage and bot id of an update, and running the handlers before the save.
 *
 * @module
 */
import * as v from "valibot";
import { botScopeOf } from "./bot-scope.js";
import { RuntimeError } from "./errors.js";
import { MemoryStorage } from "./memory-storage.js";
import type { ScopeMember } from "./session-scope.js";
import {
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_LOCK_WAIT_MS,
  type SessionLockSettings,
} from "./session-slot.js";
import type { SessionContext, SessionLockOptions } from "./session-types.js";
import type { Storage } from "./storage.js";

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

export const SessionOptionsSchema: v.GenericSchema = v.strictObject({
  name: v.optional(v.pipe(v.string("name must be a string"), v.nonEmpty("name must not be empty"))),
  key: v.function("key must be a function"),
  initial: v.function("initial must be a function"),
  storage: v.optional(StorageSchema),
  ttlMs: TtlSchema,
  prefix: PrefixSchema,
  lock: LockSchema,
});

export const DataOptionsSchema: v.GenericSchema = v.strictObject({
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

export function check<S extends v.GenericSchema>(schema: S, input: unknown, what: string): void {
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

export function lockSettings(options: SessionLockOptions | undefined): SessionLockSettings {
  return {
    ttlMs: options?.ttlMs ?? DEFAULT_LOCK_TTL_MS,
    waitMs: options?.waitMs ?? DEFAULT_LOCK_WAIT_MS,
  };
}

/** Resolves the storage of an update: the explicit one, else the bot's, else a private one. */
export function storageResolver(
  explicit: Storage | undefined,
  what: string,
): (ctx: object) => Storage {
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
export function botIdOf(ctx: SessionContext): number {
  return botScopeOf(ctx)?.botId ?? ctx.me?.id ?? 0;
}

/** Runs the handlers, then lets the update's scope save and release. */
export async function runMember(
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

export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
