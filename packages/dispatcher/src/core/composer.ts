import { CHAT_TYPES, type Chat, UPDATE_KINDS, type UpdateKind } from "@bot/types";
import { normaliseCommands, parseCommand } from "./command.js";
import type { Context } from "./context.js";
import { BotError, DispatcherError, HandlerStop } from "./errors.js";
import {
  type CamelCase,
  compileFilter,
  type Filter,
  type FilterQuery,
  TEXT_UPDATE_KINDS,
  updateKindOf,
} from "./filter.js";
import type { Middleware, MiddlewareFn, NextFunction } from "./middleware.js";
import { type AnyCtx, type Fn, isThenable, passNext, runSteps, type Step, settle } from "./run.js";
import { compileTriggers, type Trigger, type TriggerMatch } from "./trigger.js";

type PayloadTest = ((payload: Record<string, unknown>) => boolean) | null;
type CtxTest = (ctx: AnyCtx, payload: Record<string, unknown> | undefined) => unknown;

interface Node {
  /** The kinds this node can act on; `null` means any kind. */
  readonly kinds: readonly string[] | null;
  readonly tests?: ReadonlyMap<string, PayloadTest>;
  readonly test?: CtxTest;
  readonly body?: Fn | Composer<AnyCtx>;
  readonly inline?: Composer<AnyCtx>;
  readonly commands?: readonly string[];
  readonly wrap?: (inner: Fn) => Fn;
  readonly groups?: Map<number, Composer<AnyCtx>>;
}

/** The context inside `command` handlers: a message with a command; `ctx.match` holds the arguments. */
export type CommandContext<C extends Context> = Filter<C, ":entities:bot_command"> & {
  match: string;
};
/** The context inside `hears` handlers. */
export type HearsContext<C extends Context, T> = Filter<C, ":text" | ":caption"> & {
  match: TriggerMatch<T>;
};
/** The context inside `callbackQuery` handlers. */
export type CallbackQueryContext<C extends Context, T> = Filter<C, "callback_query:data"> & {
  match: TriggerMatch<T>;
};
/** The context inside `inlineQuery` handlers. */
export type InlineQueryContext<C extends Context, T> = Filter<C, "inline_query"> & {
  match: TriggerMatch<T>;
};
/** The context inside `chatType` handlers. */
export type ChatTypeContext<C extends Context, T extends Chat["type"]> = C & {
  readonly chat: Chat & { type: T };
  readonly chatId: number;
};

/** Sugar for every update kind: `bot.editedMessage(h)` is `bot.on("edited_message", h)`. */
export type KindSugar<C extends Context> = {
  [K in Exclude<UpdateKind, "callback_query" | "inline_query"> as CamelCase<K>]: (
    ...middleware: Middleware<Filter<C, K>>[]
  ) => Composer<Filter<C, K>>;
};

let version = 0;
let nodesOf: (c: Composer<AnyCtx>) => readonly Node[];
let stepsOf: (c: Composer<AnyCtx>, kind: string) => readonly Step[];

/**
 * The compiled steps of a composer for one update kind (built on first use, rebuilt after any
 * registration). Internal: not exported from the package.
 *
 * @param c The composer.
 * @param kind The update kind.
 * @returns The steps.
 */
export function compiledSteps(c: Composer<AnyCtx>, kind: string): readonly Step[] {
  return stepsOf(c, kind);
}

/** Kinds a catch-all handler asks for: all except the ones Telegram only sends when named. */
const OPT_IN_KINDS: readonly string[] = [
  "chat_member",
  "message_reaction",
  "message_reaction_count",
];
const ALL_KINDS = Object.keys(UPDATE_KINDS) as UpdateKind[];

/**
 * A tree of middleware with routing verbs. Handlers are indexed by update kind (and commands by
 * name) the first time an update of a kind arrives, so an update only visits the middleware that
 * can act on it, in the order it was registered.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the kind sugar (interface below) is added to the prototype at the end of this file
export class Composer<C extends Context> {
  #nodes: Node[] = [];
  #compiled = new Map<string, readonly Step[]>();
  #version = -1;
  #groups: Map<number, Composer<AnyCtx>> | undefined;

  static {
    nodesOf = (c) => c.#nodes;
    stepsOf = (c, kind) => c.#stepsFor(kind);
  }

  /**
   * Creates a composer holding some middleware.
   *
   * @param middleware Middleware to run, in order.
   */
  constructor(...middleware: Middleware<C>[]) {
    // A new composer is in no compiled tree yet, so no cache needs to be invalidated (this keeps
    // `lazy`, which builds a composer per update, from forcing recompilation).
    for (const m of middleware) this.#nodes.push(toNode(m));
  }

  #add(node: Node): void {
    this.#nodes.push(node);
    version++;
  }

  #child<D extends Context>(middleware: readonly Middleware<D>[]): Composer<D> {
    return new Composer<D>(...middleware);
  }

  /**
   * Returns the compiled middleware of this composer (usable in any other composer or bot).
   *
   * @returns A middleware function.
   */
  middleware(): MiddlewareFn<C> {
    return (ctx, next) => runSteps(this.#stepsFor(updateKindOf(ctx.update) ?? ""), ctx, 0, next);
  }

  #stepsFor(kind: string): readonly Step[] {
    if (this.#version !== version) {
      this.#compiled.clear();
      this.#version = version;
    }
    let steps = this.#compiled.get(kind);
    if (steps === undefined) {
      steps = compile(this, kind);
      this.#compiled.set(kind, steps);
    }
    return steps;
  }

  /**
   * Adds middleware that runs for every update.
   *
   * @param middleware Middleware (functions, composers, plugins).
   * @returns A composer for more middleware at this position.
   */
  use(...middleware: Middleware<C>[]): Composer<C> {
    const child = this.#child(middleware);
    this.#add({ kinds: null, inline: child });
    return child;
  }

  /**
   * Runs middleware only for updates that match filter queries (an array means "or"), with the
   * context narrowed accordingly.
   *
   * @param query A filter query such as `"message:text"`, or several.
   * @param middleware The handlers.
   * @returns A composer for the matching updates (chain to require more: "and").
   * @throws {DispatcherError} `INVALID_FILTER` for an unknown kind or field.
   */
  on<Q extends FilterQuery>(
    query: Q | readonly Q[],
    ...middleware: Middleware<Filter<C, Q>>[]
  ): Composer<Filter<C, Q>> {
    const f = compileFilter(query);
    const child = this.#child(middleware);
    this.#add({ kinds: f.kinds, tests: f.tests, body: child });
    return child;
  }

  /**
   * Runs middleware only when a predicate holds; a type guard narrows the context.
   *
   * @param predicate A (maybe async) predicate or type guard.
   * @param middleware The handlers.
   * @returns A composer for the matching updates.
   */
  filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Middleware<D>[]): Composer<D>;
  filter(predicate: (ctx: C) => unknown, ...middleware: Middleware<C>[]): Composer<C>;
  filter(predicate: (ctx: C) => unknown, ...middleware: Middleware<C>[]): Composer<C> {
    const child = this.#child(middleware);
    this.#add({ kinds: null, test: predicate, body: child });
    return child;
  }

  /**
   * Runs middleware only when a predicate does not hold.
   *
   * @param predicate A (maybe async) predicate.
   * @param middleware The handlers.
   * @returns A composer for the other updates.
   */
  drop(predicate: (ctx: C) => unknown, ...middleware: Middleware<C>[]): Composer<C> {
    return this.filter(
      (ctx) => {
        const r = predicate(ctx);
        return isThenable(r) ? Promise.resolve(r).then((v) => !v) : !r;
      },
      ...middleware,
    );
  }

  /**
   * Handles commands (`/start`, `/start@thisbot`; `@otherbot` is ignored). `ctx.match` holds the
   * arguments (the deep-link payload for `/start`). Several names may share one handler. A
   * command costs one map lookup however many commands are registered.
   *
   * @param command One name (without `/`) or several.
   * @param middleware The handlers.
   * @returns A composer for those commands.
   * @throws {DispatcherError} `INVALID_TRIGGER` for a name Telegram would never send.
   */
  command(
    command: string | readonly string[],
    ...middleware: Middleware<CommandContext<C>>[]
  ): Composer<CommandContext<C>> {
    const names = normaliseCommands(command);
    const child = this.#child(middleware);
    this.#add({ kinds: TEXT_UPDATE_KINDS, commands: names, body: child });
    return child;
  }

  /**
   * Handles messages whose text (or caption) equals a string or matches a regular expression;
   * `ctx.match` holds the string or the match array.
   *
   * @param trigger A string, a RegExp, or several.
   * @param middleware The handlers.
   * @returns A composer for the matching messages.
   */
  hears<T extends Trigger>(
    trigger: T | readonly T[],
    ...middleware: Middleware<HearsContext<C, T>>[]
  ): Composer<HearsContext<C, T>> {
    const match = compileTriggers(trigger);
    const child = this.#child(middleware);
    const test: CtxTest = (ctx, p) => {
      const m = p as { text?: string; caption?: string };
      const r = match(m.text ?? m.caption);
      if (r === undefined) return false;
      ctx.match = r;
      return true;
    };
    this.#add({ kinds: TEXT_UPDATE_KINDS, test, body: child });
    return child;
  }

  /**
   * Handles callback queries whose data equals a string or matches a regular expression.
   *
   * @param trigger A string, a RegExp, or several.
   * @param middleware The handlers.
   * @returns A composer for the matching queries.
   */
  callbackQuery<T extends Trigger>(
    trigger: T | readonly T[],
    ...middleware: Middleware<CallbackQueryContext<C, T>>[]
  ): Composer<CallbackQueryContext<C, T>> {
    return this.#payloadTrigger("callback_query", "data", trigger, middleware);
  }

  /**
   * Handles inline queries whose query equals a string or matches a regular expression.
   *
   * @param trigger A string, a RegExp, or several.
   * @param middleware The handlers.
   * @returns A composer for the matching queries.
   */
  inlineQuery<T extends Trigger>(
    trigger: T | readonly T[],
    ...middleware: Middleware<InlineQueryContext<C, T>>[]
  ): Composer<InlineQueryContext<C, T>> {
    return this.#payloadTrigger("inline_query", "query", trigger, middleware);
  }

  #payloadTrigger<D extends Context>(
    kind: string,
    field: string,
    trigger: Trigger | readonly Trigger[],
    middleware: readonly Middleware<D>[],
  ): Composer<D> {
    const match = compileTriggers(trigger);
    const child = this.#child(middleware);
    const test: CtxTest = (ctx, p) => {
      const r = match((p as Record<string, string | undefined>)[field]);
      if (r === undefined) return false;
      ctx.match = r;
      return true;
    };
    this.#add({ kinds: [kind], test, body: child });
    return child;
  }

  /**
   * Handles updates from chats of some types (`"private"`, `"group"`, ...).
   *
   * @param type One chat type or several.
   * @param middleware The handlers.
   * @returns A composer for those chats.
   */
  chatType<T extends Chat["type"]>(
    type: T | readonly T[],
    ...middleware: Middleware<ChatTypeContext<C, T>>[]
  ): Composer<ChatTypeContext<C, T>> {
    const types: readonly string[] = typeof type === "string" ? [type] : type;
    for (const t of types) {
      if (!(CHAT_TYPES as readonly string[]).includes(t)) {
        throw new DispatcherError(
          "INVALID_TRIGGER",
          `unknown chat type ${JSON.stringify(t)}; use one of ${CHAT_TYPES.join(", ")}`,
        );
      }
    }
    return this.filter(
      (ctx): ctx is ChatTypeContext<C, T> => {
        const t = ctx.chat?.type;
        return t !== undefined && types.includes(t);
      },
      ...middleware,
    );
  }

  /**
   * Handles reactions newly added to a message (needs `message_reaction` updates).
   *
   * @param emoji One emoji or several.
   * @param middleware The handlers.
   * @returns A composer for those reactions.
   */
  reaction(
    emoji: string | readonly string[],
    ...middleware: Middleware<Filter<C, "message_reaction">>[]
  ): Composer<Filter<C, "message_reaction">> {
    const wanted: readonly string[] = typeof emoji === "string" ? [emoji] : emoji;
    const child = this.#child(middleware);
    const key = (r: { type: string; emoji?: string; custom_emoji_id?: string }) =>
      r.emoji ?? r.custom_emoji_id ?? r.type;
    const test: CtxTest = (_ctx, p) => {
      const u = p as { old_reaction: { type: string }[]; new_reaction: { type: string }[] };
      const old = new Set(u.old_reaction.map(key));
      return u.new_reaction.some((r) => !old.has(key(r)) && wanted.includes(key(r)));
    };
    this.#add({ kinds: ["message_reaction"], test, body: child });
    return child;
  }

  /**
   * Runs one of two middleware depending on a predicate.
   *
   * @param predicate A (maybe async) predicate.
   * @param onTrue Runs when it holds.
   * @param onFalse Runs otherwise.
   * @returns This composer.
   */
  branch(predicate: (ctx: C) => unknown, onTrue: Middleware<C>, onFalse: Middleware<C>): this {
    const t = toFn(onTrue);
    const f = toFn(onFalse);
    this.#add({
      kinds: null,
      body: (ctx, next) => {
        const r = predicate(ctx);
        return isThenable(r)
          ? Promise.resolve(r).then((v) => (v ? t : f)(ctx, next))
          : (r ? t : f)(ctx, next);
      },
    });
    return this;
  }

  /**
   * Picks middleware by a key the router computes (falls back when there is no route).
   *
   * @param router Computes the route key (maybe async).
   * @param routes Middleware by key.
   * @param fallback Runs when the key has no route (default: pass on).
   * @returns This composer.
   */
  route<R extends Record<string, Middleware<C>>>(
    router: (ctx: C) => keyof R | undefined | Promise<keyof R | undefined>,
    routes: R,
    fallback?: Middleware<C>,
  ): this {
    const table = new Map<PropertyKey, Fn>();
    for (const k of Object.keys(routes)) table.set(k, toFn(routes[k] as Middleware<C>));
    const fb = fallback === undefined ? undefined : toFn(fallback);
    this.#add({
      kinds: null,
      body: async (ctx, next) => {
        const key = await router(ctx);
        const fn = (key === undefined ? undefined : table.get(key)) ?? fb;
        return fn === undefined ? next() : fn(ctx, next);
      },
    });
    return this;
  }

  /**
   * Builds middleware per update, at run time (e.g. per-chat feature flags).
   *
   * @param factory Returns the middleware for this context (maybe async, maybe several).
   * @returns This composer.
   */
  lazy(
    factory: (
      ctx: C,
    ) =>
      | Middleware<C>
      | readonly Middleware<C>[]
      | Promise<Middleware<C> | readonly Middleware<C>[]>,
  ): this {
    this.#add({
      kinds: null,
      body: async (ctx, next) => {
        const m = await factory(ctx);
        const c = new Composer<C>(
          ...(Array.isArray(m) ? (m as readonly Middleware<C>[]) : [m as Middleware<C>]),
        );
        return c.middleware()(ctx, next);
      },
    });
    return this;
  }

  /**
   * Catches errors thrown by the given middleware (not by what runs after it) and hands them to
   * `handler`, which may call `next` to go on.
   *
   * @param handler Receives the error (wrapped with the context) and `next`.
   * @param middleware The protected middleware.
   * @returns A composer for more protected middleware.
   */
  errorBoundary(
    handler: (error: BotError<C>, next: NextFunction) => unknown,
    ...middleware: Middleware<C>[]
  ): Composer<C> {
    const child = this.#child(middleware);
    const wrap =
      (inner: Fn): Fn =>
      async (ctx, next) => {
        let passed = false;
        try {
          await settle(() =>
            inner(ctx, () => {
              passed = true;
              return Promise.resolve();
            }),
          );
        } catch (e) {
          if (e instanceof HandlerStop) throw e;
          await handler(new BotError<C>(e, ctx, ctx.update), next);
          return;
        }
        if (passed) await next();
      };
    this.#add({ kinds: null, wrap, body: child });
    return child;
  }

  /**
   * Runs middleware concurrently with the rest of the chain, without waiting for it.
   *
   * @param middleware The forked middleware.
   * @returns A composer for more forked middleware.
   */
  fork(...middleware: Middleware<C>[]): Composer<C> {
    const child = this.#child(middleware);
    const wrap =
      (inner: Fn): Fn =>
      (ctx, next) =>
        Promise.all([settle(() => inner(ctx, passNext)), next()]);
    this.#add({ kinds: null, wrap, body: child });
    return child;
  }

  /**
   * Returns the handler group `n` (python-telegram-bot style). Within a group only the first
   * matching handler runs; groups run in ascending order; throwing {@link HandlerStop} skips the
   * later groups. The groups sit where `group` was first called.
   *
   * @param n The group number (may be negative).
   * @returns The composer of that group (register handlers on it).
   */
  group(n = 0): Composer<C> {
    if (this.#groups === undefined) {
      this.#groups = new Map();
      this.#add({ kinds: null, groups: this.#groups });
    }
    let g = this.#groups.get(n);
    if (g === undefined) {
      g = new Composer<AnyCtx>();
      this.#groups.set(n, g);
      version++;
    }
    return g;
  }

  /**
   * Adds a handler to a handler group (python-telegram-bot's `add_handler`).
   *
   * @param handler The handler (a composer built with `on`/`command`/... matches selectively).
   * @param group The group number.
   * @returns This composer.
   */
  addHandler(handler: Middleware<C>, group = 0): this {
    this.group(group).use(handler);
    return this;
  }
}

export interface Composer<C extends Context> extends KindSugar<C> {}

for (const kind of ALL_KINDS) {
  if (kind === "callback_query" || kind === "inline_query") continue;
  const name = kind.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  Object.defineProperty(Composer.prototype, name, {
    value: function (this: Composer<Context>, ...middleware: Middleware<AnyCtx>[]) {
      return this.on(kind, ...middleware);
    },
    writable: true,
    configurable: true,
  });
}

function toFn<C>(m: Middleware<C>): Fn {
  return typeof m === "function" ? (m as Fn) : (m.middleware() as Fn);
}

function toNode<C>(m: Middleware<C>): Node {
  if (m instanceof Composer) return { kinds: null, inline: m };
  if (typeof m === "function") return { kinds: null, body: m as Fn };
  if (typeof m === "object" && m !== null && typeof m.middleware === "function")
    return { kinds: null, body: m.middleware() as Fn };
  throw new TypeError(
    "@bot/dispatcher: middleware must be a function or an object with a middleware() method",
  );
}

function compile(c: Composer<AnyCtx>, kind: string): Step[] {
  const out: Step[] = [];
  compileInto(nodesOf(c), kind, out);
  return out;
}

function asFn(body: Fn | Composer<AnyCtx>, kind: string): Fn | undefined {
  if (!(body instanceof Composer)) return body;
  const steps = compile(body, kind);
  if (steps.length === 0) return undefined;
  const only = steps.length === 1 ? (steps[0] as Step).fixed : undefined;
  if (only !== undefined) return only;
  return (ctx, next) => runSteps(steps, ctx, 0, next);
}

function compileInto(nodes: readonly Node[], kind: string, out: Step[]): void {
  let table: Map<string, Fn[]> | undefined;
  for (const node of nodes) {
    if (node.inline !== undefined) {
      table = undefined;
      compileInto(nodesOf(node.inline), kind, out);
      continue;
    }
    if (node.kinds !== null && !node.kinds.includes(kind)) continue;
    if (node.groups !== undefined) {
      table = undefined;
      out.push(groupsStep(node.groups, kind));
      continue;
    }
    const inner = node.body === undefined ? undefined : asFn(node.body, kind);
    const fn: Fn =
      node.wrap !== undefined ? node.wrap(inner ?? passThrough) : (inner ?? passThrough);
    if (node.commands !== undefined) {
      if (table === undefined) {
        table = new Map();
        out.push(commandStep(table, kind));
      }
      for (const name of node.commands) {
        const list = table.get(name) ?? [];
        if (!list.includes(fn)) list.push(fn);
        table.set(name, list);
      }
      continue;
    }
    table = undefined;
    out.push(selector(node, kind, fn));
  }
}

function passThrough(_ctx: AnyCtx, next: NextFunction): Promise<void> {
  return next();
}

function selector(node: Node, kind: string, fn: Fn): Step {
  const pt = node.tests?.get(kind) ?? null;
  const t = node.test;
  if (t === undefined) {
    if (pt === null) return always(fn);
    return (ctx) => (pt(ctx.update[kind]) ? fn : undefined);
  }
  const hasPayload = node.kinds !== null;
  return (ctx) => {
    const p = hasPayload ? ctx.update[kind] : undefined;
    if (pt !== null && !pt(p)) return undefined;
    const r = t(ctx, p);
    if (isThenable(r)) return Promise.resolve(r).then((v) => (v ? fn : undefined));
    return r ? fn : undefined;
  };
}

function always(fn: Fn): Step {
  const step: Step = () => fn;
  step.fixed = fn;
  return step;
}

function commandStep(table: Map<string, Fn[]>, kind: string): Step {
  let chains: Map<string, Fn> | undefined;
  const build = (): Map<string, Fn> => {
    const m = new Map<string, Fn>();
    for (const [name, fns] of table) {
      const steps = fns.map(always);
      m.set(
        name,
        fns.length === 1
          ? (fns[0] as Fn)
          : (c: AnyCtx, next: NextFunction) => runSteps(steps, c, 0, next),
      );
    }
    return m;
  };
  return (ctx) => {
    const m = ctx.update[kind] as { text?: string; entities?: [] };
    const cmd = parseCommand(m.text, m.entities);
    if (cmd === undefined) return undefined;
    chains ??= build();
    const fn = chains.get(cmd.name);
    if (fn === undefined) return undefined;
    if (
      cmd.username !== undefined &&
      cmd.username.toLowerCase() !== String(ctx.me.username).toLowerCase()
    )
      return undefined;
    ctx.match = cmd.args;
    return fn;
  };
}

function groupsStep(groups: Map<number, Composer<AnyCtx>>, kind: string): Step {
  const ordered = [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, g]) => compile(g, kind))
    .filter((s) => s.length > 0);
  if (ordered.length === 0) return () => undefined;
  const run = async (ctx: AnyCtx, g: number, next: NextFunction): Promise<void> => {
    for (; g < ordered.length; g++) {
      const steps = ordered[g] as readonly Step[];
      let fn: Fn | undefined;
      for (const s of steps) {
        fn = await s(ctx);
        if (fn !== undefined) break;
      }
      if (fn === undefined) continue;
      let advanced = false;
      const at = g;
      const cont: NextFunction = () => {
        if (advanced) return Promise.resolve();
        advanced = true;
        return run(ctx, at + 1, next);
      };
      try {
        await fn(ctx, cont);
      } catch (e) {
        if (e instanceof HandlerStop) return;
        throw e;
      }
      return cont();
    }
    return next();
  };
  return always((ctx, next) => run(ctx, 0, next));
}

/**
 * The update kinds the middleware of a composer can act on, for `allowed_updates`.
 *
 * @param c The composer.
 * @returns The kinds, in `UPDATE_KINDS` order.
 */
export function kindsOf(c: Composer<AnyCtx>): UpdateKind[] {
  const named = new Set<string>();
  const all = collect(nodesOf(c), named);
  return ALL_KINDS.filter((k) => named.has(k) || (all && !OPT_IN_KINDS.includes(k)));
}

function collect(nodes: readonly Node[], named: Set<string>): boolean {
  let all = false;
  for (const n of nodes) {
    if (n.inline !== undefined) all = collect(nodesOf(n.inline), named) || all;
    else if (n.groups !== undefined)
      for (const g of n.groups.values()) all = collect(nodesOf(g), named) || all;
    else if (n.kinds !== null) for (const k of n.kinds) named.add(k);
    else if (n.body instanceof Composer) all = collect(nodesOf(n.body), named) || all;
    else all = true;
  }
  return all;
}
