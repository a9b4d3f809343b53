/**
 * Multi-step dialogues in python-telegram-bot's ConversationHandler model: entry points,
 * states and fallbacks are ordinary dispatcher verbs whose handlers return the next state.
 * The conversation's state and data live in a `session()` of the dispatcher (one read and at
 * most one write per update, under the session's per-key lease), so they persist in any Storage.
 *
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import {
  type BotInfo,
  type CallbackQueryContext,
  type CommandContext,
  Composer,
  Context,
  type ContextConstructor,
  type Filter,
  type FilterQuery,
  type HearsContext,
  MemoryStorage,
  type MiddlewareFn,
  type SessionLockOptions,
  type Storage,
  session,
  type Trigger,
} from "@bot/dispatcher";
import { type Brand, brand, reportToBot, storageKey } from "@bot/dispatcher/advanced";

/** Returned by a handler: the conversation ends (its state and data are deleted). */
export const END: unique symbol = Symbol("@bot/conversations.END");
/** The type of {@link END}. */
export type End = typeof END;

/** What a handler may return: the next state, {@link END}, or nothing (stay in the state). */
// biome-ignore lint/suspicious/noConfusingVoidType: lets handlers without a return type-check
export type Outcome<S extends string = string> = S | End | undefined | void;

/**
 * One handler of a conversation, built by {@link steps} (or a child conversation, see
 * {@link child}). `R` is what it may return (a type-level record: it makes
 * returning an unknown state a compile error).
 */
export interface Step<C, R> {
  /** Runs the handler when the update matches; calls `next` when it does not. */
  readonly middleware: MiddlewareFn<C>;
  /** Type only: never set. */
  readonly returns?: R;
}

/** The conversation of the current update, on `ctx.conversation` while its handlers run. */
export interface ConversationState<D extends object = Record<string, unknown>> {
  /** The conversation's name (a child conversation's own name inside the child). */
  readonly name: string;
  /**
   * The conversation key of the update (`"<chat>/<user>"`, `"<chat>"`, `"<user>"`, or for
   * `key: "message"` `"<chat>/m<message_id>"` or `"inline:<inline_message_id>"`).
   */
  readonly key: string;
  /** The state the update arrived in (`undefined` for entry points). */
  readonly state: string | undefined;
  /**
   * The conversation's data: mutate it; it is saved with the state after the handler. Child
   * conversations share their parent's data.
   */
  data: D;
  /** The parent conversation, inside a child conversation. */
  readonly parent?: ConversationState<D> | undefined;
  /**
   * Ends this conversation after the handler, whatever it returns (like returning `END`).
   * In a TIMEOUT handler it is a no-op (the conversation ends anyway).
   */
  exit(): void;
}

/** The context flavor: `type MyContext = Context & ConversationFlavor<{ gender?: string }>`. */
export interface ConversationFlavor<D extends object = Record<string, unknown>> {
  /** The running conversation (set while a conversation's handler runs). */
  conversation: ConversationState<D>;
}

/** The data type of a context's {@link ConversationFlavor}. */
export type DataOf<C> = C extends { conversation: ConversationState<infer D> }
  ? D
  : Record<string, unknown>;

/**
 * Which updates share one conversation: each user in each chat, each chat, each user, or each
 * message with an inline keyboard (`"message"`: only callback queries carry that key).
 */
export type ConversationKey = "chat+user" | "chat" | "user" | "message";

/** Time and timers of the in-process timeout timer: `@bot/emulator`'s `ManualClock` fits. */
export interface ConversationClock {
  /** @returns Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer. */
  clearTimeout(handle: never): void;
}

/** The wall clock with Node's timers (unreferenced: a pending timeout does not keep the process alive). */
export const systemClock: ConversationClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const t = setTimeout(callback, Math.min(Math.max(0, ms), 2_147_483_647));
    t.unref();
    return t;
  },
  clearTimeout: (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle),
} as ConversationClock;

/**
 * What a durable timeout carries (JSON): enough to rebuild the TIMEOUT handlers' context in any
 * process, with no update arriving.
 */
export interface TimeoutPayload {
  /** The conversation's name. */
  readonly conversation: string;
  /** The conversation key (`"<chat>/<user>"`, ...). */
  readonly key: string;
  /** The deadline, in milliseconds since the epoch. */
  readonly at: number;
  /** The chat of the last update, if any. */
  readonly chatId: number | undefined;
  /** The user of the last update, if any. */
  readonly userId: number | undefined;
  /** The last handled update: the TIMEOUT handlers get a context of it. */
  readonly update: Context["update"];
  /** The bot's own user (`ctx.me` of that context). */
  readonly me: BotInfo;
}

/** Fires a due timeout with the bot's API client; resolves `true` when it timed the conversation out. */
export type FireTimeout = (payload: TimeoutPayload, api: Context["api"]) => Promise<boolean>;

/**
 * The small contract for durable timeouts (so this package does not depend on a job queue):
 * {@link jobsTimeouts} adapts `@bot/jobs`. A newer update reschedules under the same `id`
 * (replacing the earlier one) and an ended conversation cancels it. A stale run is harmless:
 * before firing, the deadline is checked against the stored one under the conversation's lock.
 */
export interface ConversationTimeouts {
  /**
   * Called once by each {@link conversation} using these timeouts: the function to call when a
   * scheduled timeout is due (in whichever process runs it).
   */
  register(conversation: string, fire: FireTimeout): void;
  /** Schedules (or moves) the timeout `id` to `at` (ms since the epoch). */
  schedule(id: string, at: number, payload: TimeoutPayload): Promise<void>;
  /** Cancels the timeout `id` (no error when there is none). */
  cancel(id: string): Promise<void>;
}

/** What {@link jobsTimeouts} needs from `@bot/jobs`' `Jobs` (matched structurally). */
export interface JobsLike {
  define(
    name: string,
    handler: (job: { readonly api: unknown; readonly data: unknown }) => unknown,
  ): unknown;
  runOnce(
    name: string,
    when: { readonly at: number },
    options: {
      readonly name: string;
      readonly replace: boolean;
      readonly data: unknown;
      readonly chatId?: number | undefined;
      readonly userId?: number | undefined;
    },
  ): Promise<unknown>;
  cancel(idOrLabel: string): Promise<number>;
}

/** The job name {@link jobsTimeouts} defines. */
export const TIMEOUT_JOB = "@bot/conversations.timeout";

const adapters = new WeakMap<object, ConversationTimeouts>();

/**
 * Durable conversation timeouts on `@bot/jobs` (use the BullMQ driver to survive restarts and
 * run once across replicas): defines the job `TIMEOUT_JOB` on `jobs`, schedules one
 * `runOnce(..., { name: id, replace: true })` per active conversation and cancels it when the
 * conversation ends. Call it (and create the conversations) before `jobs.start()`, in every
 * process.
 *
 * @param jobs A `Jobs` of `@bot/jobs`.
 * @returns The timeouts to pass as `conversation({ timeouts })`.
 */
export function jobsTimeouts(jobs: JobsLike): ConversationTimeouts {
  const known = adapters.get(jobs);
  if (known !== undefined) return known;
  const fires = new Map<string, FireTimeout>();
  jobs.define(TIMEOUT_JOB, async (job) => {
    const payload = job.data as TimeoutPayload;
    const fire = fires.get(payload?.conversation);
    if (fire === undefined) {
      throw new ConversationError(
        "BOT_CONVERSATIONS_INVALID_OPTIONS",
        `@bot/conversations: no conversation "${String(payload?.conversation)}" uses these timeouts in this process`,
      );
    }
    await fire(payload, job.api as Context["api"]);
  });
  const adapter: ConversationTimeouts = {
    register: (name, fire) => void fires.set(name, fire),
    schedule: async (id, at, payload) => {
      await jobs.runOnce(
        TIMEOUT_JOB,
        { at },
        { name: id, replace: true, data: payload, chatId: payload.chatId, userId: payload.userId },
      );
    },
    cancel: async (id) => void (await jobs.cancel(id)),
  };
  adapters.set(jobs, adapter);
  return adapter;
}

/** What the unmatched policy does with an update no handler of the active state took. */
export type UnmatchedPolicy = "pass" | "error";

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
   * TIMEOUT handlers (python-telegram-bot's `TIMEOUT` state), tried in order when the
   * conversation timed out; the first that matches runs, its return value is ignored and the
   * conversation ends. They get a context of the **last handled update** (see the README).
   */
  readonly timeout?: readonly Step<C, S>[] | undefined;
  /** Inactivity limit in milliseconds, restarted by every handled update. Default: none. */
  readonly timeoutMs?: number | undefined;
  /**
   * Durable timeouts (e.g. {@link jobsTimeouts}). Default: an in-process timer (lost on
   * restart; a passed deadline is then noticed when the next update arrives).
   */
  readonly timeouts?: ConversationTimeouts | undefined;
  /** The clock of deadlines and of the in-process timer. Default {@link systemClock}. */
  readonly clock?: ConversationClock | undefined;
  /** The class of the TIMEOUT handlers' context when a timer fires. Default `Context`. */
  readonly contextConstructor?: ContextConstructor<C & Context> | undefined;
  /**
   * One conversation per user in each chat (default), per chat, per user, or per inline-keyboard
   * message (`"message"`, python-telegram-bot's `per_message`): keyed by the chat and id of the
   * callback query's message, or its `inline_message_id`. Only callback queries carry a
   * `"message"` key; other updates pass this conversation untouched.
   */
  readonly key?: ConversationKey | undefined;
  /** Entry points restart an active conversation. Default `false`. */
  readonly allowReentry?: boolean | undefined;
  /** The data of a new conversation. Default `{}`. */
  readonly initial?: (() => D) | undefined;
  /**
   * An update the active state does not take (no state handler, no fallback): `"pass"` (default)
   * hands it to the next middleware and stays; `"error"` stays and throws
   * `BOT_CONVERSATIONS_UNMATCHED` (reaches `bot.catch`).
   */
  readonly unmatched?: UnmatchedPolicy | undefined;
  /**
   * Time to live of a stored conversation after its last write, in milliseconds (an ended one
   * leaves an empty record that expires). Default 30 days (at least `timeoutMs` + 1 day).
   */
  readonly ttlMs?: number | undefined;
  /** Where conversations live. Default: the bot's storage (`new Bot(token, { storage })`). */
  readonly storage?: Storage | undefined;
  /**
   * `false`: the conversation lives in this process's memory (its own `MemoryStorage`), even
   * when the bot's storage is Redis, and is forgotten on restart. Default `true`: the bot's
   * storage (or `storage`). Not together with `storage` or `timeouts` (a durable timeout run
   * by another replica would find nothing).
   */
  readonly persistent?: boolean | undefined;
  /** Lease settings of the underlying session. */
  readonly lock?: SessionLockOptions | undefined;
}

/** Codes of {@link ConversationError}. */
export type ConversationErrorCode =
  | "BOT_CONVERSATIONS_INVALID_OPTIONS"
  | "BOT_CONVERSATIONS_UNKNOWN_STATE"
  | "BOT_CONVERSATIONS_UNMATCHED"
  | "BOT_CONVERSATIONS_TIMEOUT_FAILED"
  | "BOT_CONVERSATIONS_INVALID_CALL";

/**
 * The error of `@bot/conversations`; match on `code`. `instanceof` and
 * {@link ConversationError.is} work across duplicate installs through the brand
 * `Symbol.for("@bot/conversations.ConversationError")`.
 */
export class ConversationError extends Error {
  /** What went wrong. */
  readonly code: ConversationErrorCode;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message What happened.
   * @param options The cause, if any.
   */
  constructor(code: ConversationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConversationError";
    this.code = code;
  }

  /**
   * Tells whether a value is a `ConversationError`, also from another copy of this package.
   *
   * @param value Any value.
   * @returns `true` for a `ConversationError`.
   */
  static is(value: unknown): value is ConversationError {
    return CONVERSATION_ERROR.is(value);
  }
}
const CONVERSATION_ERROR: Brand<ConversationError> = brand("@bot/conversations.ConversationError");
CONVERSATION_ERROR.brandClass(ConversationError);

/** The `diagnostics_channel` name of transitions: `{ type: "transition", name, key, from, to, ... }`. */
export const CONVERSATIONS_CHANNEL = "@bot/conversations";
const channel = diagnostics.channel(CONVERSATIONS_CHANNEL);

/**
 * A transition event on {@link CONVERSATIONS_CHANNEL}: `from`/`to` are state names, `null` for
 * idle/ended. `cause` says why: a handler's return (`"handler"`), `"timeout"`, `"cancel"` (from
 * code), `"enter"` (from code); `path` names the parent conversations of a child.
 */
export interface TransitionEvent {
  readonly type: "transition";
  readonly name: string;
  readonly path: readonly string[];
  readonly key: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly cause: "handler" | "timeout" | "cancel" | "enter";
}
/**
 * A failed timer-fired timeout on {@link CONVERSATIONS_CHANNEL}, published only when no `Bot`
 * owns the context's client (otherwise the error goes to that bot's `bot.catch`).
 */
export interface TimeoutErrorEvent {
  readonly type: "error";
  readonly name: string;
  readonly key: string;
  readonly error: ConversationError;
}

function publish(event: TransitionEvent | TimeoutErrorEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
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

/**
 * What the session holds (all absent when no conversation runs): state, data, deadline, the
 * chat it was indexed under, and the states of active child conversations by name.
 */
interface Stored {
  s?: string | undefined;
  d?: object | undefined;
  t?: number | undefined;
  i?: number | undefined;
  c?: Record<string, string> | undefined;
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

/** One conversation as a state machine (the part a child conversation shares). */
interface Machine {
  readonly name: string;
  readonly entry: readonly Step<unknown, unknown>[];
  readonly states: Readonly<Record<string, readonly Step<unknown, unknown>[]>>;
  readonly fallbacks: readonly Step<unknown, unknown>[] | undefined;
  readonly allowReentry: boolean;
  readonly stateNames: ReadonlySet<string>;
}

/** The running dispatch of one update, shared by the machines of a conversation tree. */
interface Run {
  readonly rec: Stored;
  readonly key: string;
  readonly root: string;
  readonly path: string[];
  data: object;
  view: ConversationState<object> | undefined;
}
const RUN = Symbol("@bot/conversations.run");
type WithRun = { [RUN]?: Run | undefined };

const EXIT = Symbol("@bot/conversations.exit");

function expose(ctx: object, run: Run, name: string, state: string | undefined): ConversationState {
  const parent = run.view;
  const view: ConversationState<object> & { [EXIT]?: boolean } = {
    name,
    key: run.key,
    state,
    get data() {
      return run.data;
    },
    set data(value: object) {
      run.data = value;
    },
    parent,
    exit() {
      view[EXIT] = true;
    },
  };
  Object.defineProperty(ctx, "conversation", { configurable: true, writable: true, value: view });
  return view as ConversationState;
}
function exited(view: ConversationState): boolean {
  return (view as { [EXIT]?: boolean })[EXIT] === true;
}

function unknownState(name: string, value: string): ConversationError {
  return new ConversationError(
    "BOT_CONVERSATIONS_UNKNOWN_STATE",
    `@bot/conversations: conversation "${name}" has no state "${value}"`,
  );
}

/**
 * Dispatches an update to a machine in state `active`.
 *
 * @returns `undefined` when nothing matched, else the outcome: `{ to }` with the new state
 * (`undefined`: ended) or `{ stay: true }`, and `started` for an entry point.
 */
async function dispatch(
  m: Machine,
  ctx: object,
  run: Run,
  active: string | undefined,
  fresh?: (() => object) | undefined,
): Promise<{ value: unknown; started: boolean } | undefined> {
  const outer = run.view;
  try {
    if (active === undefined || m.allowReentry) {
      const kept = run.data;
      if (active !== undefined && fresh !== undefined) run.data = fresh();
      const view = expose(ctx, run, m.name, undefined);
      run.view = view;
      const started = await runSteps(m.entry, ctx);
      run.view = outer;
      if (started !== undefined) {
        return { value: exited(view) ? END : started.value, started: true };
      }
      run.data = kept;
      if (active === undefined) return undefined;
    }
    const view = expose(ctx, run, m.name, active);
    run.view = view;
    const handled =
      (await runSteps(m.states[active] ?? [], ctx)) ?? (await runSteps(m.fallbacks, ctx));
    if (handled === undefined) return undefined;
    return { value: exited(view) ? END : handled.value, started: false };
  } finally {
    run.view = outer;
    if (outer !== undefined) {
      Object.defineProperty(ctx, "conversation", {
        configurable: true,
        writable: true,
        value: outer,
      });
    }
  }
}

/** Options of a child conversation: a conversation's machine without storage or timeouts. */
export interface ChildConversationOptions<C, S extends string, X extends string, P extends string> {
  /** The child's name (unique among the children of one conversation). */
  readonly name: string;
  /** Handlers that start the child (return its first state). */
  readonly entry: readonly Step<C, NoInfer<S | X>>[];
  /** The child's states. */
  readonly states: { readonly [K in S]: readonly Step<C, NoInfer<S | X>>[] };
  /** The child's fallbacks, tried before the parent's. */
  readonly fallbacks?: readonly Step<C, NoInfer<S | X>>[] | undefined;
  /** Entry points restart the active child. Default `false`. */
  readonly allowReentry?: boolean | undefined;
  /**
   * What the child's ends do to the parent: `[END]` and the names the child returns that are
   * not its states (`X`, e.g. `"STOPPING"`), each to a parent state or `END`. `END` without a
   * mapping leaves the parent in its state.
   */
  readonly mapToParent?:
    | ({ readonly [K in X]: P | End } & { readonly [END]?: P | End })
    | undefined;
}

/**
 * A child conversation, for a state of a parent conversation (python-telegram-bot's nested
 * ConversationHandler): `states: { SELECTING: [child(...), ...] }`. While the parent is in that
 * state, the child's entry points start it; while it runs, its state handlers and fallbacks are
 * tried first, then the parent state's other handlers and the parent's fallbacks (so `/stop` of
 * the parent stays reachable). The child's `END` and its extra outcomes `X` (names that are not
 * child states, e.g. `"STOPPING"`) are mapped to a parent state or `END` by `mapToParent`. The
 * child shares the parent's data and is saved in the parent's record.
 *
 * @param options The child's machine and its map to the parent.
 * @returns A step for the parent state's list.
 * @throws {ConversationError} `BOT_CONVERSATIONS_INVALID_OPTIONS` for bad options.
 */
export function child<
  C extends Context,
  S extends string,
  X extends string = never,
  P extends string = string,
>(options: ChildConversationOptions<C, S, X, P>): Step<C, P> {
  const m = machine(options as unknown as ConversationOptions<unknown, string, object>);
  const map = (options.mapToParent ?? {}) as Record<string | symbol, unknown>;
  const middleware: MiddlewareFn<C> = async (ctx, next) => {
    const run = (ctx as WithRun)[RUN];
    if (run === undefined) return next(); // not inside a conversation
    run.rec.c ??= {};
    const children = run.rec.c;
    const active = children[m.name];
    const from = active ?? null;
    run.path.push(m.name);
    let result: { value: unknown } | undefined;
    try {
      result = await dispatch(m, ctx, run, active);
    } finally {
      run.path.pop();
    }
    if (result === undefined) return next();
    const { value } = result;
    const event = (to: string | null) =>
      publish({
        type: "transition",
        name: m.name,
        path: [run.root, ...run.path],
        key: run.key,
        from,
        to,
        cause: "handler",
      });
    if (typeof value === "string" && m.stateNames.has(value)) {
      children[m.name] = value;
      if (from !== value) event(value);
      return record(ctx, undefined);
    }
    if (value === undefined) {
      if (active === undefined) return next(); // an entry point that stayed: nothing started
      return record(ctx, undefined);
    }
    delete children[m.name];
    if (Object.keys(children).length === 0) delete run.rec.c;
    event(null);
    if (value !== END && !(typeof value === "string" && value in map)) {
      throw unknownState(m.name, String(value));
    }
    record(ctx, map[value as string | symbol]);
  };
  return { middleware };
}

function machine(options: ConversationOptions<unknown, string, object>): Machine {
  const { name, entry, states, fallbacks } = options;
  if (typeof name !== "string" || name === "") {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "name must be a non-empty string",
    );
  }
  if (!Array.isArray(entry) || typeof states !== "object" || states === null) {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "entry and states are required",
    );
  }
  return {
    name,
    entry,
    states: states as Record<string, readonly Step<unknown, unknown>[]>,
    fallbacks,
    allowReentry: options.allowReentry === true,
    stateNames: new Set(Object.keys(states)),
  };
}

/** An active conversation, as {@link Conversation.active} lists it. */
export interface ActiveConversation<D extends object = Record<string, unknown>> {
  /** The conversation's name. */
  readonly name: string;
  /** The conversation key (`"<chat>/<user>"`, `"<chat>"` or `"<user>"`). */
  readonly key: string;
  /** The current state. */
  readonly state: string;
  /** The states of active child conversations, by child name. */
  readonly children: Readonly<Record<string, string>>;
  /** The data collected so far. */
  readonly data: D;
  /** The timeout deadline (ms since the epoch), if any. */
  readonly deadline: number | undefined;
}

/** What introspection needs from the bot (a `Bot` fits). */
export interface ConversationsBot {
  readonly api: unknown;
  readonly storage: Storage;
  readonly botInfo: BotInfo;
}

/**
 * Where to look: a chat, a user, or both (a `"chat+user"` or `"message"` conversation with only
 * `chatId` lists the chat's); for `key: "message"`, `chatId` and `messageId`, or `inlineMessageId`.
 */
export interface ConversationWhere {
  readonly chatId?: number | undefined;
  readonly userId?: number | undefined;
  /** The message of a `key: "message"` conversation (with `chatId`). */
  readonly messageId?: number | undefined;
  /** The inline message of a `key: "message"` conversation. */
  readonly inlineMessageId?: string | undefined;
}

/**
 * A conversation: a middleware (`bot.use(profile)`) with introspection and control from code.
 */
export interface Conversation<
  C,
  S extends string = string,
  D extends object = Record<string, unknown>,
> extends MiddlewareFn<C> {
  /** The conversation's name. */
  readonly name: string;
  /**
   * The active conversations of a chat or user (read from the storage; any process).
   *
   * @param bot The bot (its storage, unless the conversation has its own, and its id).
   * @param where The chat and/or user.
   */
  active(bot: ConversationsBot, where: ConversationWhere): Promise<ActiveConversation<D>[]>;
  /**
   * Ends a conversation from code, under its lock, without running any handler (a scheduled
   * timeout is cancelled).
   *
   * @param bot The bot.
   * @param where The chat and/or user the conversation key is made of.
   * @returns `true` when a conversation was active.
   */
  cancel(bot: ConversationsBot, where: ConversationWhere): Promise<boolean>;
  /**
   * Starts (or moves) this conversation for the update's key from any handler, e.g. a plain
   * `bot.command`: it is then in `state` with `data` (default `initial()`), and the next update
   * is handled by that state's handlers. Saved with the update's sessions.
   *
   * @param ctx The update's context.
   * @param state The state to enter.
   * @param data The data (default: a fresh `initial()`).
   */
  enter(ctx: C, state: S, data?: D): Promise<void>;
  /** Fires a due timeout (what the timer and durable timeouts call). */
  readonly fireTimeout: FireTimeout;
}

const DAY = 86_400_000;
const KEY_OVERRIDE = Symbol("@bot/conversations.key");
const INDEX_CHAT = Symbol("@bot/conversations.indexChat");

/**
 * A conversation: `bot.use(conversation({ name, entry, states, fallbacks }))`.
 *
 * Each update with a key (see `key`) loads the conversation: when none is active, the entry points
 * are tried; when one is, the handlers of its state, then the fallbacks. The first that matches
 * runs and its return value moves the conversation (a state name, {@link END}, or nothing to stay).
 * An update that matches nothing is passed on to the next middleware (or, with `unmatched: "error"`
 * while active, fails with `BOT_CONVERSATIONS_UNMATCHED`), and the conversation stays where it was.
 *
 * @param options Name, handlers and settings.
 * @returns The middleware, with introspection.
 * @throws {ConversationError} `BOT_CONVERSATIONS_INVALID_OPTIONS` for bad options;
 *   `BOT_CONVERSATIONS_UNKNOWN_STATE` (from the handler's update) when a handler returns a state
 *   that does not exist (only possible when the types were bypassed).
 */
export function conversation<C extends Context, S extends string, D extends object = DataOf<C>>(
  options: ConversationOptions<C, S, D>,
): Conversation<C, S, D> {
  const m = machine(options as unknown as ConversationOptions<unknown, string, object>);
  const { name, timeout, timeoutMs } = options;
  const keyKind = options.key ?? "chat+user";
  const clock = options.clock ?? systemClock;
  const unmatched = options.unmatched ?? "pass";
  if (!["chat+user", "chat", "user", "message"].includes(keyKind)) {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      'key must be "chat+user", "chat", "user" or "message"',
    );
  }
  const persistent = options.persistent ?? true;
  if (typeof persistent !== "boolean") {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "persistent must be a boolean",
    );
  }
  if (!persistent && options.storage !== undefined) {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "persistent: false keeps the conversation in memory: do not pass a storage too",
    );
  }
  if (!persistent && options.timeouts !== undefined) {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "persistent: false keeps the conversation in this process: use the in-process timer, not durable timeouts",
    );
  }
  const ownStorage = persistent ? options.storage : new MemoryStorage();
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0)) {
    throw new ConversationError("BOT_CONVERSATIONS_INVALID_OPTIONS", "timeoutMs must be positive");
  }
  if (unmatched !== "pass" && unmatched !== "error") {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      'unmatched must be "pass" or "error"',
    );
  }
  const t = options.timeouts as Partial<Record<string, unknown>> | undefined;
  if (
    t !== undefined &&
    !["register", "schedule", "cancel"].every((f) => typeof t[f] === "function")
  ) {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "timeouts must have register, schedule and cancel (e.g. jobsTimeouts(jobs))",
    );
  }
  const k = options.clock as Partial<Record<string, unknown>> | undefined;
  if (
    k !== undefined &&
    !["now", "setTimeout", "clearTimeout"].every((f) => typeof k[f] === "function")
  ) {
    throw new ConversationError(
      "BOT_CONVERSATIONS_INVALID_OPTIONS",
      "clock must have now, setTimeout and clearTimeout",
    );
  }
  const ttlMs = options.ttlMs ?? Math.max(30 * DAY, (timeoutMs ?? 0) + DAY);
  const initial = options.initial ?? (() => ({}) as D);
  const Ctor = (options.contextConstructor ?? Context) as unknown as ContextConstructor<C>;
  const messageKey = (
    chat: number | undefined,
    message: number | undefined,
    inline: string | undefined,
  ) => {
    if (inline !== undefined) return `inline:${inline}`;
    return chat === undefined || message === undefined ? undefined : `${chat}/m${message}`;
  };
  const keyOf = (ctx: C): string | undefined => {
    const forced = (ctx as { [KEY_OVERRIDE]?: string })[KEY_OVERRIDE];
    if (forced !== undefined) return forced;
    if (keyKind === "message") {
      const query = ctx.update.callback_query;
      if (query === undefined) return undefined;
      return messageKey(query.message?.chat.id, query.message?.message_id, query.inline_message_id);
    }
    const chat = ctx.chat?.id;
    const user = ctx.from?.id;
    if (keyKind === "chat") return chat === undefined ? undefined : String(chat);
    if (keyKind === "user") return user === undefined ? undefined : String(user);
    return chat === undefined || user === undefined ? undefined : `${chat}/${user}`;
  };
  const keyFor = (where: ConversationWhere): string | undefined => {
    const { chatId: chat, userId: user } = where;
    if (keyKind === "message") return messageKey(chat, where.messageId, where.inlineMessageId);
    if (keyKind === "chat") return chat === undefined ? undefined : String(chat);
    if (keyKind === "user") return user === undefined ? undefined : String(user);
    return chat === undefined || user === undefined ? undefined : `${chat}/${user}`;
  };
  const slotName = `conversation:${name}`;
  const indexName = `conversation-index:${name}`;
  const store = session<Stored, C>({
    name: slotName,
    key: keyOf,
    initial: () => ({}),
    storage: ownStorage,
    lock: options.lock,
    ttlMs,
  });
  // the chats' lists of active conversation keys, for active({ chatId }); touched only when a
  // conversation starts or ends (its own key, locked after the conversation's)
  const index = session<Record<string, 1>, C>({
    name: indexName,
    key: (ctx) => {
      const chat = (ctx as { [INDEX_CHAT]?: number })[INDEX_CHAT];
      return chat === undefined ? undefined : String(chat);
    },
    initial: () => ({}),
    storage: ownStorage,
    lock: options.lock,
    ttlMs,
  });
  const INDEXES = Symbol(`@bot/conversations.indexes(${name})`);
  const reindex = async (ctx: C, chat: number | undefined, key: string, add: boolean) => {
    if (chat === undefined) return;
    // one index session per chat and update (a second one would be a second lease on the key)
    const holder = ctx as unknown as { [INDEXES]?: Map<number, Record<string, 1>> };
    let lists = holder[INDEXES];
    if (lists === undefined) {
      lists = new Map();
      Object.defineProperty(ctx, INDEXES, { configurable: true, value: lists });
    }
    let list = lists.get(chat);
    if (list === undefined) {
      Object.defineProperty(ctx, INDEX_CHAT, { configurable: true, value: chat });
      await index(ctx, async () => {
        list = await (ctx as unknown as Record<string, Promise<Record<string, 1>>>)[indexName];
      });
      if (list === undefined) return;
      lists.set(chat, list);
    }
    if (add) list[key] = 1;
    else delete list[key];
  };

  // the in-process timer: one per conversation key
  const timers = new Map<string, unknown>();
  const timeoutId = (key: string) => `conversation:${name}:${key}`;
  const clearTimer = (key: string) => {
    const t = timers.get(key);
    if (t !== undefined) {
      clock.clearTimeout(t as never);
      timers.delete(key);
    }
  };
  const arm = async (ctx: C, key: string, at: number) => {
    const payload: TimeoutPayload = {
      conversation: name,
      key,
      at,
      chatId: ctx.chat?.id,
      userId: ctx.from?.id,
      update: ctx.update,
      me: ctx.me,
    };
    if (options.timeouts !== undefined)
      return options.timeouts.schedule(timeoutId(key), at, payload);
    clearTimer(key);
    const api = ctx.api;
    const handle = clock.setTimeout(
      () => {
        timers.delete(key);
        const built: { ctx?: C } = {};
        fire(payload, api, built).catch(async (cause: unknown) => {
          const error = new ConversationError(
            "BOT_CONVERSATIONS_TIMEOUT_FAILED",
            `@bot/conversations: the timeout of conversation "${name}" failed`,
            { cause },
          );
          // to the bot.catch of the bot whose client the last update came with, in the
          // timeout's context; else the channel, or a process warning when nobody listens
          if (await reportToBot(built.ctx ?? { api }, error).catch(() => false)) return;
          if (channel.hasSubscribers) publish({ type: "error", name, key, error });
          else process.emitWarning(error);
        });
      },
      Math.max(0, at - clock.now()),
    );
    timers.set(key, handle);
  };
  const disarm = async (key: string) => {
    if (options.timeouts !== undefined) return options.timeouts.cancel(timeoutId(key));
    clearTimer(key);
  };

  const clear = (rec: Stored) => {
    delete rec.s;
    delete rec.d;
    delete rec.t;
    delete rec.i;
    delete rec.c;
  };
  const load = (ctx: C) =>
    (ctx as unknown as Record<string, Promise<Stored>>)[slotName] as Promise<Stored>;

  /** Runs the TIMEOUT handlers for `rec` on `ctx` and ends the conversation. */
  const timeOut = async (ctx: C, rec: Stored, key: string) => {
    const run: Run = { rec, key, root: name, path: [], data: rec.d ?? {}, view: undefined };
    Object.defineProperty(ctx, RUN, { configurable: true, writable: true, value: run });
    run.view = expose(ctx, run, name, rec.s);
    try {
      await runSteps(timeout, ctx);
    } finally {
      (ctx as WithRun)[RUN] = undefined;
    }
    const from = rec.s ?? null;
    const chat = rec.i;
    clear(rec);
    await reindex(ctx, chat, key, false);
    publish({ type: "transition", name, path: [], key, from, to: null, cause: "timeout" });
  };

  const fire = async (payload: TimeoutPayload, api: Context["api"], built: { ctx?: C }) => {
    if (
      typeof payload?.update !== "object" ||
      payload.update === null ||
      typeof payload.me?.id !== "number" ||
      typeof payload.at !== "number"
    ) {
      throw new ConversationError(
        "BOT_CONVERSATIONS_INVALID_OPTIONS",
        `@bot/conversations: a timeout of conversation "${name}" without its update, bot user or deadline`,
      );
    }
    const ctx = new Ctor(payload.update, api, payload.me);
    built.ctx = ctx;
    const key = keyOf(ctx);
    if (key === undefined || key !== payload.key) return false;
    let fired = false;
    await store(ctx, async () => {
      const rec = await load(ctx);
      if (rec.s === undefined || rec.t !== payload.at) return; // moved by a newer update, or ended
      fired = true;
      await timeOut(ctx, rec, key);
    });
    return fired;
  };
  const fireTimeout: FireTimeout = (payload, api) => fire(payload, api, {});
  options.timeouts?.register(name, fireTimeout);

  /** Moves the root conversation after a handler's outcome; returns whether it changed state. */
  const apply = async (ctx: C, run: Run, value: unknown, cause: TransitionEvent["cause"]) => {
    const { rec, key } = run;
    const from = rec.s ?? null;
    if (value === END) {
      const chat = rec.i;
      clear(rec);
      if (from !== null) {
        await reindex(ctx, chat, key, false);
        if (timeoutMs !== undefined) await disarm(key);
        publish({ type: "transition", name, path: [], key, from, to: null, cause });
      }
      return;
    }
    if (typeof value === "string") {
      if (!m.stateNames.has(value)) throw unknownState(name, value);
      if (rec.s !== value) delete rec.c; // a new parent state: its children start afresh
      rec.s = value;
    }
    if (rec.s === undefined) return; // an entry point that stayed: nothing starts
    rec.d = run.data;
    if (from === null) {
      rec.i = ctx.chat?.id;
      await reindex(ctx, rec.i, key, true);
    }
    if (timeoutMs !== undefined) {
      rec.t = clock.now() + timeoutMs;
      await arm(ctx, key, rec.t);
    }
    if (from !== rec.s)
      publish({ type: "transition", name, path: [], key, from, to: rec.s, cause });
  };

  const inner = async (ctx: C, key: string, next: () => Promise<void>): Promise<void> => {
    const rec = await load(ctx);
    if (rec === undefined) return next();
    if (rec.s !== undefined && rec.t !== undefined && rec.t <= clock.now()) {
      await timeOut(ctx, rec, key); // the deadline passed and no timer ran (e.g. a restart)
      if (timeoutMs !== undefined) await disarm(key);
    }
    const active = rec.s;
    const run: Run = {
      rec,
      key,
      root: name,
      path: [],
      data: active === undefined ? initial() : (rec.d ?? initial()),
      view: undefined,
    };
    Object.defineProperty(ctx, RUN, { configurable: true, writable: true, value: run });
    let result: { value: unknown; started: boolean } | undefined;
    try {
      result = await dispatch(m, ctx, run, active, initial);
    } finally {
      (ctx as WithRun)[RUN] = undefined;
    }
    if (result === undefined) {
      held(ctx).set(name, { run, apply: (value) => apply(ctx, run, value, "enter") });
      if (active !== undefined && unmatched === "error") {
        throw new ConversationError(
          "BOT_CONVERSATIONS_UNMATCHED",
          `@bot/conversations: conversation "${name}" in state "${active}" has no handler and no fallback for this update`,
        );
      }
      return next();
    }
    if (result.started && active !== undefined) {
      if (result.value === undefined) return; // a re-entry point that stayed: nothing changes
      delete rec.c; // restarted: children start afresh
    }
    await apply(ctx, run, result.value, "handler");
  };

  const middleware = ((ctx: C, next: () => Promise<void>) => {
    const key = keyOf(ctx);
    if (key === undefined || held(ctx).has(name)) return next();
    return store(ctx, () => inner(ctx, key, next));
  }) as Conversation<C, S, D>;

  const storageOf = (bot: ConversationsBot) => ownStorage ?? bot.storage;
  const botIdOf = (bot: ConversationsBot) => {
    const id = (bot.api as { botId?: unknown } | undefined)?.botId;
    return typeof id === "number" ? id : bot.botInfo.id;
  };
  const read = async (
    bot: ConversationsBot,
    key: string,
  ): Promise<ActiveConversation<D> | undefined> => {
    const entry = await storageOf(bot).get<Stored>(
      storageKey(botIdOf(bot), "session", slotName, key),
    );
    const rec = entry?.value;
    if (rec?.s === undefined) return undefined;
    return {
      name,
      key,
      state: rec.s,
      children: rec.c ?? {},
      data: (rec.d ?? {}) as D,
      deadline: rec.t,
    };
  };
  const synthetic = (bot: ConversationsBot, key: string, chatId: number | undefined): C => {
    const ctx = {
      update: { update_id: 0 },
      api: bot.api,
      me: bot.botInfo,
      chat: chatId === undefined ? undefined : { id: chatId },
    };
    Object.defineProperty(ctx, KEY_OVERRIDE, { value: key });
    return ctx as unknown as C;
  };

  Object.defineProperties(middleware, {
    name: { value: name },
    fireTimeout: { value: fireTimeout },
    active: {
      value: async (bot: ConversationsBot, where: ConversationWhere) => {
        const key = keyFor(where);
        let keys: string[];
        if (key !== undefined) keys = [key];
        else if (where.chatId !== undefined) {
          const entry = await storageOf(bot).get<Record<string, 1>>(
            storageKey(botIdOf(bot), "session", indexName, String(where.chatId)),
          );
          keys = Object.keys(entry?.value ?? {});
        } else keys = [];
        const found = await Promise.all(keys.map((k) => read(bot, k)));
        return found.filter((f) => f !== undefined);
      },
    },
    cancel: {
      value: async (bot: ConversationsBot, where: ConversationWhere) => {
        const key = keyFor(where);
        if (key === undefined) {
          throw new ConversationError(
            "BOT_CONVERSATIONS_INVALID_OPTIONS",
            `cancel needs the ${keyKind} of the conversation`,
          );
        }
        const ctx = synthetic(bot, key, where.chatId);
        let cancelled = false;
        await store(ctx, async () => {
          const rec = await load(ctx);
          const from = rec.s ?? null;
          if (from === null) return;
          cancelled = true;
          const chat = rec.i;
          clear(rec);
          await reindex(ctx, chat, key, false);
          if (timeoutMs !== undefined) await disarm(key);
          publish({ type: "transition", name, path: [], key, from, to: null, cause: "cancel" });
        });
        return cancelled;
      },
    },
    enter: {
      value: async (ctx: C, state: S, data?: D) => {
        if (!m.stateNames.has(state)) throw unknownState(name, state);
        if ((ctx as WithRun)[RUN]?.root === name) {
          throw new ConversationError(
            "BOT_CONVERSATIONS_INVALID_CALL",
            `@bot/conversations: enter() of conversation "${name}" from its own handler: return the state instead`,
          );
        }
        const holding = held(ctx).get(name);
        if (holding !== undefined) {
          holding.run.data = data ?? initial();
          return holding.apply(state);
        }
        const key = keyOf(ctx);
        if (key === undefined) {
          throw new ConversationError(
            "BOT_CONVERSATIONS_INVALID_OPTIONS",
            `this update has no ${keyKind} key`,
          );
        }
        held(ctx).set(name, undefined);
        await store(ctx, async () => {
          const rec = await load(ctx);
          const run: Run = {
            rec,
            key,
            root: name,
            path: [],
            data: data ?? initial(),
            view: undefined,
          };
          await apply(ctx, run, state, "enter");
        });
      },
    },
  });
  return middleware;
}

const HELD = Symbol("@bot/conversations.held");
/** The conversations whose record this update holds (they passed it on), by name. */
function held(
  ctx: object,
): Map<string, { run: Run; apply: (value: unknown) => Promise<void> } | undefined> {
  const holder = ctx as {
    [HELD]?: Map<string, { run: Run; apply: (value: unknown) => Promise<void> } | undefined>;
  };
  let map = holder[HELD];
  if (map === undefined) {
    map = new Map();
    Object.defineProperty(ctx, HELD, { configurable: true, value: map });
  }
  return map;
}
