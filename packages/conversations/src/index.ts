/**
 * Multi-step dialogues in python-telegram-bot's ConversationHandler model: entry points,
 * states and fallbacks are ordinary dispatcher verbs whose handlers return the next state.
 * The conversation's state and data live in a `session()` of the dispatcher (one read and at
 * most one write per update, under the session's per-key lease), so they persist in any Storage.
 *
 * @module
 */
import {
  type CallbackQueryContext,
  type CommandContext,
  Composer,
  type Context,
  type Filter,
  type FilterQuery,
  type HearsContext,
  type MiddlewareFn,
  type SessionLockOptions,
  type Storage,
  session,
  type Trigger,
} from "@bot/dispatcher";

/** Returned by a handler: the conversation ends (its state and data are deleted). */
export const END: unique symbol = Symbol("@bot/conversations.END");
/** The type of {@link END}. */
export type End = typeof END;

/** What a handler may return: the next state, {@link END}, or nothing (stay in the state). */
// biome-ignore lint/suspicious/noConfusingVoidType: lets handlers without a return type-check
export type Outcome<S extends string = string> = S | End | undefined | void;

/**
 * One handler of a conversation, built by {@link steps}. `R` is what its handler returns (a
 * type-level record: it makes returning an unknown state a compile error).
 */
export interface Step<C, R> {
  /** Runs the handler when the update matches; calls `next` when it does not. */
  readonly middleware: MiddlewareFn<C>;
  /** Type only: never set. */
  readonly returns?: R;
}

/** The conversation of the current update, on `ctx.conversation` while its handlers run. */
export interface ConversationState<D extends object = Record<string, unknown>> {
  /** The conversation's name. */
  readonly name: string;
  /** The state the update arrived in (`undefined` for entry points). */
  readonly state: string | undefined;
  /** The conversation's data: mutate it; it is saved with the state after the handler. */
  data: D;
}

/** The context flavor: `type MyContext = Context & ConversationFlavor<{ gender?: string }>`. */
export interface ConversationFlavor<D extends object = Record<string, unknown>> {
  /** The running conversation (set while a conversation's handler runs). */
  conversation: ConversationState<D>;
}

/** Which updates share one conversation. */
export type ConversationKey = "chat+user" | "chat" | "user";

/** Options of {@link conversation}. */
export interface ConversationOptions<C, S extends string, D extends object> {
  /** The conversation's name: scopes its storage key. */
  readonly name: string;
  /** Handlers that start the conversation (return the first state). */
  readonly entry: readonly Step<C, S>[];
  /** The states and their handlers, tried in order; the first that matches runs. */
  readonly states: { readonly [K in S]: readonly Step<C, S>[] };
  /** Tried, in order, when no handler of the current state matched (e.g. `/cancel`). */
  readonly fallbacks?: readonly Step<C, S>[] | undefined;
  /**
   * TIMEOUT handlers: run for the first update after the deadline (`timeoutMs`) passed, before
   * that update is handled (as if no conversation were active). Their return value is ignored.
   */
  readonly timeout?: readonly Step<C, S>[] | undefined;
  /** Inactivity limit in milliseconds, restarted by every handled update. Default: none. */
  readonly timeoutMs?: number | undefined;
  /** One conversation per user in each chat (default), per chat, or per user. */
  readonly key?: ConversationKey | undefined;
  /** Entry points restart an active conversation. Default `false`. */
  readonly allowReentry?: boolean | undefined;
  /** The data of a new conversation. Default `{}`. */
  readonly initial?: (() => D) | undefined;
  /** Where conversations live. Default: the bot's storage (`new Bot(token, { storage })`). */
  readonly storage?: Storage | undefined;
  /** Lease settings of the underlying session. */
  readonly lock?: SessionLockOptions | undefined;
}

/** Errors of this package. */
export class ConversationError extends Error {
  /** `CONVERSATION_INVALID_OPTIONS` or `CONVERSATION_UNKNOWN_STATE`. */
  readonly code: "CONVERSATION_INVALID_OPTIONS" | "CONVERSATION_UNKNOWN_STATE";
  constructor(code: ConversationError["code"], message: string) {
    super(message);
    this.name = "ConversationError";
    this.code = code;
  }
}

// What a handler returned, recorded on the context by the step that ran.
const RESULT = Symbol("@bot/conversations.result");
interface ResultSlot {
  handled: boolean;
  value: unknown;
}
type WithSlot = { [RESULT]?: ResultSlot | undefined };

function record(ctx: object, value: unknown): void {
  const slot = (ctx as WithSlot)[RESULT];
  if (slot !== undefined) {
    slot.handled = true;
    slot.value = value;
  }
}

/**
 * A handler of a step: an async function that resolves to an {@link Outcome}. (Async only: a
 * `T | Promise<T>` return type would make TypeScript widen `return "PHOTO"` to `string`.)
 */
type Handler<X, S extends string> = (ctx: X) => Promise<Outcome<S>>;

/** The step builders of {@link steps}: handlers may return a state of `S`, `END` or nothing. */
export interface Steps<C extends Context, S extends string> {
  /** Every update (e.g. a catch-all fallback). */
  use(handler: Handler<C, S>): Step<C, S>;
  /** Updates matching a filter query, narrowed like `bot.on`. */
  on<Q extends FilterQuery>(query: Q | readonly Q[], handler: Handler<Filter<C, Q>, S>): Step<C, S>;
  /** A command, like `bot.command`. */
  command(command: string | readonly string[], handler: Handler<CommandContext<C>, S>): Step<C, S>;
  /** Text or caption matching a trigger, like `bot.hears`. */
  hears<T extends Trigger>(
    trigger: T | readonly T[],
    handler: Handler<HearsContext<C, T>, S>,
  ): Step<C, S>;
  /** Callback data matching a trigger, like `bot.callbackQuery`. */
  callbackQuery<T extends Trigger>(
    trigger: T | readonly T[],
    handler: Handler<CallbackQueryContext<C, T>, S>,
  ): Step<C, S>;
}

/**
 * The step builders for a context type and the union of state names: the dispatcher's verbs,
 * whose handlers return the next state. Returning a name outside `S` fails to compile, and
 * {@link conversation} requires `states` to have exactly the names of `S`.
 *
 * @example `const { command, hears, on } = steps<MyContext, "GENDER" | "PHOTO">()`
 * @returns The builders.
 */
export function steps<C extends Context, S extends string = never>(): Steps<C, S> {
  // the verbs' own context types are checked at the public signatures above
  type AnyHandler = (ctx: never) => unknown;
  const build = (add: (c: Composer<C>, h: (ctx: C) => Promise<void>) => unknown) => {
    return (handler: AnyHandler): Step<C, unknown> => {
      const composer = new Composer<C>();
      const run = handler as (ctx: C) => unknown;
      add(composer, async (ctx) => record(ctx, await run(ctx)));
      return { middleware: composer.middleware() };
    };
  };
  return {
    use: (handler: AnyHandler) => build((c, h) => c.use(h))(handler),
    on: (query: FilterQuery, handler: AnyHandler) => build((c, h) => c.on(query, h))(handler),
    command: (command: string, handler: AnyHandler) =>
      build((c, h) => c.command(command, h))(handler),
    hears: (trigger: Trigger, handler: AnyHandler) => build((c, h) => c.hears(trigger, h))(handler),
    callbackQuery: (trigger: Trigger, handler: AnyHandler) =>
      build((c, h) => c.callbackQuery(trigger, h))(handler),
  } as unknown as Steps<C, S>;
}

/** What the session holds: state, data, deadline (all absent when no conversation runs). */
interface Stored {
  s?: string | undefined;
  d?: object | undefined;
  t?: number | undefined;
}

const noop = async (): Promise<void> => {};

async function runSteps<C>(
  list: readonly Step<C, unknown>[] | undefined,
  ctx: C,
): Promise<ResultSlot | undefined> {
  for (const step of list ?? []) {
    const slot: ResultSlot = { handled: false, value: undefined };
    const holder = ctx as WithSlot;
    const previous = holder[RESULT];
    holder[RESULT] = slot;
    try {
      await step.middleware(ctx, noop);
    } finally {
      holder[RESULT] = previous;
    }
    if (slot.handled) return slot;
  }
  return undefined;
}

/**
 * A conversation: `bot.use(conversation({ name, entry, states, fallbacks }))`.
 *
 * Each update with a key (see `key`) loads the conversation: when none is active, the entry
 * points are tried; when one is, the handlers of its state, then the fallbacks. The first that
 * matches runs and its return value moves the conversation (a state name, {@link END}, or
 * nothing to stay). An update that matches nothing (no entry point while idle, no state handler
 * and no fallback while active) is passed on to the next middleware, and the conversation stays
 * where it was.
 *
 * @param options Name, handlers and settings.
 * @returns The middleware.
 * @throws {ConversationError} `CONVERSATION_INVALID_OPTIONS` for bad options;
 *   `CONVERSATION_UNKNOWN_STATE` (from the handler's update) when a handler returns a state
 *   that does not exist (only possible when the types were bypassed).
 */
export function conversation<
  C extends Context,
  S extends string,
  D extends object = Record<string, unknown>,
>(options: ConversationOptions<C, S, D>): MiddlewareFn<C> {
  const { name, entry, states, fallbacks, timeout, timeoutMs, allowReentry } = options;
  const keyKind = options.key ?? "chat+user";
  if (typeof name !== "string" || name === "") {
    throw new ConversationError("CONVERSATION_INVALID_OPTIONS", "name must be a non-empty string");
  }
  if (!["chat+user", "chat", "user"].includes(keyKind)) {
    throw new ConversationError(
      "CONVERSATION_INVALID_OPTIONS",
      'key must be "chat+user", "chat" or "user"',
    );
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0)) {
    throw new ConversationError("CONVERSATION_INVALID_OPTIONS", "timeoutMs must be positive");
  }
  const stateNames = new Set(Object.keys(states));
  const initial = options.initial ?? (() => ({}) as D);
  const keyOf = (ctx: C): string | undefined => {
    const chat = ctx.chat?.id;
    const user = ctx.from?.id;
    if (keyKind === "chat") return chat === undefined ? undefined : String(chat);
    if (keyKind === "user") return user === undefined ? undefined : String(user);
    return chat === undefined || user === undefined ? undefined : `${chat}/${user}`;
  };
  const slotName = `conversation:${name}`;
  const store = session<Stored, C>({
    name: slotName,
    key: keyOf,
    initial: () => ({}),
    storage: options.storage,
    lock: options.lock,
  });

  const expose = (ctx: C, state: string | undefined, data: object) => {
    const view: ConversationState<object> = { name, state, data };
    Object.defineProperty(ctx, "conversation", { configurable: true, writable: true, value: view });
    return view;
  };
  const clear = (rec: Stored) => {
    delete rec.s;
    delete rec.d;
    delete rec.t;
  };
  const apply = (rec: Stored, value: unknown, data: object) => {
    if (value === END) return clear(rec);
    if (typeof value === "string") {
      if (!stateNames.has(value)) {
        throw new ConversationError(
          "CONVERSATION_UNKNOWN_STATE",
          `@bot/conversations: conversation "${name}" has no state "${value}"`,
        );
      }
      rec.s = value;
    }
    if (rec.s === undefined) return; // an entry point that stayed: nothing starts
    rec.d = data;
    if (timeoutMs !== undefined) rec.t = Date.now() + timeoutMs;
  };

  const inner = async (ctx: C, next: () => Promise<void>): Promise<void> => {
    const rec = await (ctx as unknown as Record<string, Promise<Stored>>)[slotName];
    if (rec === undefined) return next();
    if (rec.s !== undefined && rec.t !== undefined && rec.t <= Date.now()) {
      expose(ctx, rec.s, rec.d ?? {});
      await runSteps(timeout, ctx);
      clear(rec);
    }
    const active = rec.s;
    if (active === undefined || allowReentry === true) {
      const view = expose(ctx, undefined, initial());
      const started = await runSteps(entry, ctx);
      if (started !== undefined) {
        if (active !== undefined) clear(rec);
        return apply(rec, started.value, view.data);
      }
      if (active === undefined) return next();
    }
    const view = expose(ctx, active, rec.d ?? initial());
    const handled = (await runSteps(states[active as S], ctx)) ?? (await runSteps(fallbacks, ctx));
    if (handled === undefined) return next();
    return apply(rec, handled.value, view.data);
  };

  return (ctx, next) => {
    if (keyOf(ctx) === undefined) return next();
    return store(ctx, () => inner(ctx, next));
  };
}
