import type { Chat } from "@bot/types";
import { CHAT_TYPES } from "@bot/types";
import { normaliseCommands } from "./command.js";
import { compileNodes } from "./compile.js";
import type { Context } from "./context.js";
import { BotError, DispatcherError, HandlerStop } from "./errors.js";
import {
  compileFilter,
  type Filter,
  type FilterQuery,
  TEXT_UPDATE_KINDS,
  updateKindOf,
} from "./filter.js";
import { HandlerGroups, handlerNode } from "./handler-groups.js";
import type { Middleware, MiddlewareFn, NextFunction } from "./middleware.js";
import { type Fn, isThenable, passNext, runSteps, settle } from "./run.js";
import { type ContextTest, MiddlewareTree, type Node, type TreeNode } from "./tree.js";
import { compileTriggers, type Trigger, type TriggerMatch } from "./trigger.js";

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

/**
 * A tree of middleware with routing verbs.
 *
 * **Registration order is the order of evaluation.** An update goes through the middleware in
 * the order it was registered, and the first handler that matches and does not call `next()`
 * ends it: a `command("start")` registered after `on("message:text")` is never reached unless
 * that handler calls `next()`. Compiled dispatch only skips what cannot match: handlers are
 * indexed by update kind (and commands by name) the first time an update of a kind arrives, so
 * an update visits only the middleware that can act on it, still in registration order.
 */
export class Composer<C extends Context> {
  /** The registrations of this composer (shared with the compiler and `Bot`). */
  protected readonly tree: MiddlewareTree;
  #groups: HandlerGroups | undefined;
  readonly #groupComposers = new Map<number, Composer<C>>();

  /**
   * Creates a composer holding some middleware.
   *
   * @param middleware Middleware to run, in order.
   */
  constructor(...middleware: Middleware<C>[]) {
    this.tree = new MiddlewareTree();
    for (const m of middleware) this.tree.add(Composer.#node(m));
  }

  /** Adds a verb's node holding a new child composer, and returns the child. */
  #child<D extends Context>(
    middleware: readonly Middleware<D>[],
    make: (tree: MiddlewareTree) => TreeNode,
  ): Composer<D> {
    const child = new Composer<D>(...middleware);
    const node = make(child.tree);
    child.tree.origin = { node, parent: this.tree };
    this.tree.add(node);
    return child;
  }

  static #node<D>(m: Middleware<D>): Node {
    if (m instanceof Composer) return { type: "use", tree: m.tree };
    if (typeof m === "function") return { type: "fn", fn: m as Fn };
    if (typeof m === "object" && m !== null && typeof m.middleware === "function")
      return { type: "fn", fn: m.middleware() as Fn };
    throw new TypeError(
      "@bot/dispatcher: middleware must be a function or an object with a middleware() method",
    );
  }

  /**
   * Returns the compiled middleware of this composer (usable in any other composer or bot).
   *
   * @returns A middleware function.
   */
  middleware(): MiddlewareFn<C> {
    const tree = this.tree;
    return (ctx, next) => runSteps(tree.steps(updateKindOf(ctx.update) ?? ""), ctx, 0, next);
  }

  /**
   * Adds middleware that runs for every update.
   *
   * @param middleware Middleware (functions, composers, plugins).
   * @returns A composer for more middleware at this position.
   */
  use(...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer<C>(...middleware);
    this.tree.add({ type: "use", tree: child.tree });
    return child;
  }

  /**
   * Runs middleware only for updates that match filter queries (an array means "or"), with the
   * context narrowed accordingly.
   *
   * @param query A filter query such as `"message:text"`, or several.
   * @param middleware The handlers.
   * @returns A composer for the matching updates (chain to require more: "and").
   * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_FILTER` for an unknown kind or field.
   */
  on<Q extends FilterQuery>(
    query: Q | readonly Q[],
    ...middleware: Middleware<Filter<C, Q>>[]
  ): Composer<Filter<C, Q>> {
    const f = compileFilter(query);
    return this.#child(middleware, (tree) => ({
      type: "filter",
      kinds: f.kinds,
      tests: f.tests,
      tree,
    }));
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
    return this.#child(middleware, (tree) => ({
      type: "filter",
      kinds: null,
      test: predicate as ContextTest,
      tree,
    }));
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
   * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_TRIGGER` for a name Telegram would never
   *   send.
   */
  command(
    command: string | readonly string[],
    ...middleware: Middleware<CommandContext<C>>[]
  ): Composer<CommandContext<C>> {
    const names = normaliseCommands(command);
    return this.#child(middleware, (tree) => ({ type: "command", names, tree }));
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
    const test: ContextTest = (ctx, p) => {
      const m = p as { text?: string; caption?: string };
      const r = match(m.text ?? m.caption);
      if (r === undefined) return false;
      (ctx as Context).match = r;
      return true;
    };
    return this.#child(middleware, (tree) => ({
      type: "filter",
      kinds: TEXT_UPDATE_KINDS,
      test,
      tree,
    }));
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
    const test: ContextTest = (ctx, p) => {
      const r = match((p as Record<string, string | undefined>)[field]);
      if (r === undefined) return false;
      (ctx as Context).match = r;
      return true;
    };
    return this.#child(middleware, (tree) => ({ type: "filter", kinds: [kind], test, tree }));
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
          "BOT_DISPATCHER_INVALID_TRIGGER",
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
    const key = (r: { type: string; emoji?: string; custom_emoji_id?: string }) =>
      r.emoji ?? r.custom_emoji_id ?? r.type;
    const test: ContextTest = (_ctx, p) => {
      const u = p as { old_reaction: { type: string }[]; new_reaction: { type: string }[] };
      const old = new Set(u.old_reaction.map(key));
      return u.new_reaction.some((r) => !old.has(key(r)) && wanted.includes(key(r)));
    };
    return this.#child(middleware, (tree) => ({
      type: "filter",
      kinds: ["message_reaction"],
      test,
      tree,
    }));
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
    const fn: MiddlewareFn<C> = (ctx, next) => {
      const r = predicate(ctx);
      return isThenable(r)
        ? Promise.resolve(r).then((v) => (v ? t : f)(ctx, next))
        : (r ? t : f)(ctx, next);
    };
    this.tree.add({ type: "fn", fn: fn as Fn });
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
    const fn: MiddlewareFn<C> = async (ctx, next) => {
      const key = await router(ctx);
      const route = (key === undefined ? undefined : table.get(key)) ?? fb;
      return route === undefined ? next() : route(ctx, next);
    };
    this.tree.add({ type: "fn", fn: fn as Fn });
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
    const fn: MiddlewareFn<C> = async (ctx, next) => {
      const m = await factory(ctx);
      const list = Array.isArray(m) ? (m as readonly Middleware<C>[]) : [m as Middleware<C>];
      // compiled once for this update, in no tree: nothing is cached or linked per update
      const steps = compileNodes(list.map(Composer.#node), updateKindOf(ctx.update) ?? "");
      return runSteps(steps, ctx, 0, next);
    };
    this.tree.add({ type: "fn", fn: fn as Fn });
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
    return this.#child(middleware, (tree) => ({ type: "wrap", wrap, tree }));
  }

  /**
   * Runs middleware concurrently with the rest of the chain, without waiting for it.
   *
   * @param middleware The forked middleware.
   * @returns A composer for more forked middleware.
   */
  fork(...middleware: Middleware<C>[]): Composer<C> {
    const wrap =
      (inner: Fn): Fn =>
      (ctx, next) =>
        Promise.all([settle(() => inner(ctx, passNext)), next()]);
    return this.#child(middleware, (tree) => ({ type: "wrap", wrap, tree }));
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
      this.#groups = new HandlerGroups();
      this.tree.add({ type: "groups", groups: this.#groups });
    }
    let g = this.#groupComposers.get(n);
    if (g === undefined) {
      g = new Composer<C>();
      this.#groupComposers.set(n, g);
      this.#groups.add(n, g.tree);
    }
    return g;
  }

  /**
   * Adds a handler to a handler group (python-telegram-bot's `add_handler`).
   *
   * A composer returned by a verb keeps the filters that created it:
   * `addHandler(new Composer().command("start", h))` runs `h` for `/start` only.
   *
   * @param handler Middleware, or a composer returned by `on`/`command`/`hears`/....
   * @param group The group number.
   * @returns This composer.
   */
  addHandler<D extends C>(handler: Middleware<C> | Composer<D>, group = 0): this {
    this.group(group).tree.add(
      handler instanceof Composer
        ? handlerNode(handler.tree)
        : Composer.#node(handler as Middleware<C>),
    );
    return this;
  }
}

function toFn<C>(m: Middleware<C>): Fn {
  return typeof m === "function" ? (m as Fn) : (m.middleware() as Fn);
}
