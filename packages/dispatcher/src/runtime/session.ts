/**
 * {@link session}: a custom keyed session on the context.
 *
 * @module
 */
import { type AccessorGroup, accessorGroup, attachAccessors } from "./session-accessors.js";
import {
  botIdOf,
  check,
  lockSettings,
  runMember,
  SessionOptionsSchema,
  storageResolver,
} from "./session-options.js";
import { type ScopeMember, SessionScope } from "./session-scope.js";
import { SessionSlot } from "./session-slot.js";
import type { SessionContext, SessionMiddleware, SessionOptions } from "./session-types.js";
import { escapeKeyPart, storageKey } from "./storage-key.js";

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
  const accessors = groupFor(name);
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
    attachAccessors(ctx, accessors, state);
    return runMember(member, next);
  };
}

interface SlotState {
  readonly member: ScopeMember;
  readonly slot: SessionSlot;
}

/** The getter of `ctx[name]`, one per name (every `session({ name })` shares it). */
const groups = new Map<string, AccessorGroup>();
function groupFor(name: string): AccessorGroup {
  let group = groups.get(name);
  if (group === undefined) {
    group = accessorGroup<SlotState>(Symbol(`@bot/dispatcher.session(${name})`), {
      [name]: (state) => state.member.load(state.slot),
    });
    groups.set(name, group);
  }
  return group;
}
