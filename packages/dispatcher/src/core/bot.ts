import diagnostics from "node:diagnostics_channel";
import { Client, type ClientOptions } from "@bot/client";
import type { Update, UpdateKind } from "@bot/types";
import * as v from "valibot";
import { registerBotScope } from "../runtime/bot-scope.js";
import { causedByStorageOutage, UpdateNotConfirmedError } from "../runtime/errors.js";
import { MemoryStorage } from "../runtime/memory-storage.js";
import { Poller } from "../runtime/poller.js";
import type { PollingHost, PollingOptions } from "../runtime/polling-options.js";
import type { Storage } from "../runtime/storage.js";
import { runWork, type UpdateSource, type WorkOptions } from "../runtime/work.js";
import { allowedKinds } from "./allowed-updates.js";
import type { BotInfo } from "./api.js";
import { Composer } from "./composer.js";
import {
  Context,
  type ContextClassOption,
  type ContextConstructor,
  type HandleUpdateOptions,
} from "./context.js";
import { BotError, DispatcherError, type ErrorSource, HandlerStop } from "./errors.js";
import { updateKindOf } from "./filter.js";
import { isThenable, runSteps } from "./run.js";

/** The `diagnostics_channel` where the bot publishes `{ type: "error", error }` events. */
export const DISPATCHER_CHANNEL = "@bot/dispatcher:bot";

/** Options of {@link Bot}. */
export interface BotOptions<C extends Context> {
  /** A ready client (tests and benchmarks point one at a local server). Default: a new `Client(token, clientOptions)`. */
  client?: Client | undefined;
  /** Options for the client the bot builds. */
  clientOptions?: ClientOptions | undefined;
  /** The bot's own user; when given, `init()` makes no request. */
  botInfo?: BotInfo | undefined;
  /** The default storage for sessions and dedup. Default: a `MemoryStorage`. */
  storage?: Storage | undefined;
  /**
   * A custom context class (a subclass of {@link Context}); `C` may add flavors on top of it.
   * Default: {@link Context}.
   */
  contextConstructor?: ContextClassOption<C> | undefined;
}

/** Receives every error: handler errors with their context, polling and session errors without. */
export type ErrorHandler<C> = (error: BotError<C>) => unknown;

const fn = (what: string) =>
  v.custom<unknown>((x) => typeof x === "function", `@bot/dispatcher: ${what} must be a function`);
const obj = (what: string) =>
  v.custom<unknown>(
    (x) => typeof x === "object" && x !== null,
    `@bot/dispatcher: ${what} must be an object`,
  );

const OptionsSchema = v.object(
  {
    client: v.optional(
      v.custom<unknown>(
        (x) =>
          x instanceof Client ||
          (typeof x === "object" &&
            x !== null &&
            typeof (x as { call?: unknown }).call === "function"),
        "@bot/dispatcher: client must be a @bot/client Client",
      ),
    ),
    clientOptions: v.optional(obj("clientOptions")),
    botInfo: v.optional(
      v.looseObject(
        {
          id: v.pipe(
            v.number("@bot/dispatcher: botInfo.id must be a number"),
            v.integer("@bot/dispatcher: botInfo.id must be an integer"),
          ),
          is_bot: v.boolean("@bot/dispatcher: botInfo.is_bot must be a boolean"),
          first_name: v.string("@bot/dispatcher: botInfo.first_name must be a string"),
          username: v.string("@bot/dispatcher: botInfo.username must be a string"),
        },
        "@bot/dispatcher: botInfo must be the getMe result",
      ),
    ),
    storage: v.optional(obj("storage")),
    contextConstructor: v.optional(fn("contextConstructor")),
  },
  "@bot/dispatcher: options must be an object",
);

/**
 * A bot: the client, the middleware tree, the storage and the error handler. Register handlers
 * with the {@link Composer} verbs, then `start()` long polling or feed `handleUpdate` from a webhook.
 */
export class Bot<C extends Context = Context> extends Composer<C> implements PollingHost {
  /** The API client, shared by every context. */
  readonly api: Client;
  /** The default storage for sessions and dedup. */
  readonly storage: Storage;
  #me: BotInfo | undefined;
  #init: Promise<void> | undefined;
  #Ctx: ContextConstructor<C>;
  #onError: ErrorHandler<C> = defaultErrorHandler;
  #poller: Poller | undefined;
  readonly #stopHooks: (() => unknown)[] = [];
  #stopped: Promise<void> | undefined;
  /** Running `work()` calls: `stop()` aborts them and waits. */
  readonly #workers = new Map<AbortController, Promise<void>>();
  #channel = diagnostics.channel(DISPATCHER_CHANNEL);

  /**
   * Creates a bot. Nothing is fetched until `init()`, `start()` or the first update.
   *
   * @param token The bot token (ignored when `options.client` is given). It is never printed.
   * @param options Client, bot info, storage and context class.
   * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_OPTIONS` for a missing token or bad options.
   */
  constructor(token: string, options: BotOptions<C> = {}) {
    super();
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new DispatcherError(
        "BOT_DISPATCHER_INVALID_OPTIONS",
        (parsed.issues[0]?.message ?? "invalid options").replace(/^@bot\/dispatcher: /, ""),
      );
    }
    if (options.client === undefined && (typeof token !== "string" || token.length === 0)) {
      throw new DispatcherError(
        "BOT_DISPATCHER_INVALID_OPTIONS",
        "a bot token (or a client) is required",
      );
    }
    this.api = options.client ?? new Client(token, options.clientOptions);
    this.storage = options.storage ?? new MemoryStorage();
    const botId = (this.api as { botId?: unknown }).botId;
    registerBotScope(this.api, {
      storage: this.storage,
      botId: typeof botId === "number" ? botId : undefined,
      report: (error, ctx) => this.reportError(error, ctx as C),
    });
    this.#me = options.botInfo;
    // the class builds C's own members; the flavors in C are added by middleware at run time
    this.#Ctx = (options.contextConstructor ?? Context) as unknown as ContextConstructor<C>;
  }

  /**
   * The bot's own user (after `init()` or with `botInfo`).
   *
   * @throws {DispatcherError} `BOT_DISPATCHER_NOT_INITIALIZED` before that.
   */
  get botInfo(): BotInfo {
    if (this.#me === undefined)
      throw new DispatcherError(
        "BOT_DISPATCHER_NOT_INITIALIZED",
        "call `await bot.init()` first, or pass `botInfo`",
      );
    return this.#me;
  }
  /** Same as {@link Bot.botInfo}. */
  get me(): BotInfo {
    return this.botInfo;
  }
  /** Whether the bot knows its own user. */
  get isInited(): boolean {
    return this.#me !== undefined;
  }

  /**
   * Fetches the bot's own user with `getMe`, once (concurrent calls share one request; nothing
   * is fetched when `botInfo` was given).
   *
   * @returns A promise settled when the bot knows its user.
   */
  init(): Promise<void> {
    if (this.#me !== undefined) return Promise.resolve();
    this.#init ??= this.api.getMe().then(
      (me) => {
        this.#me = me as BotInfo;
      },
      (e: unknown) => {
        this.#init = undefined;
        throw e;
      },
    );
    return this.#init;
  }

  /**
   * Sets the error handler. It receives every handler error (with the context) and every
   * polling, session or job error reported through {@link Bot.reportError}.
   *
   * @param handler The handler; if it throws, `handleUpdate` rejects.
   * @returns This bot.
   */
  catch(handler: ErrorHandler<C>): this {
    if (typeof handler !== "function")
      throw new DispatcherError("BOT_DISPATCHER_INVALID_OPTIONS", "bot.catch needs a function");
    this.#onError = handler;
    return this;
  }

  /**
   * Runs the middleware for one update (the entry point for webhooks and tests). Handler errors
   * go to `bot.catch`; this rejects only if the error handler itself throws (or `init` fails),
   * or, after `bot.catch` got the error, with an {@link UpdateNotConfirmedError} when the error
   * was a storage outage (`isStorageUnavailable` on it or its `cause`): a session could not be
   * read or written, so the update was not handled and must be delivered again. An adapter must
   * then not confirm it (polling leaves its offset, a webhook answers 5xx).
   *
   * @param update The update.
   * @param options An abort signal and a webhook reply sink.
   * @returns A promise settled when the middleware finished.
   */
  handleUpdate(update: Update, options?: HandleUpdateOptions): Promise<void> {
    const me = this.#me;
    if (me === undefined) return this.init().then(() => this.handleUpdate(update, options));
    let ctx: C | undefined;
    try {
      ctx = new this.#Ctx(update, this.api, me, options);
      const r = runSteps(this.tree.steps(updateKindOf(update) ?? ""), ctx, 0, undefined);
      if (!isThenable(r)) return RESOLVED;
      const c = ctx;
      return Promise.resolve(r).then(noop, (e: unknown) => this.#fail(e, c, update));
    } catch (e) {
      return this.#fail(e, ctx, update);
    }
  }

  #fail(e: unknown, ctx: C | undefined, update: Update): Promise<void> {
    if (e instanceof HandlerStop) return RESOLVED;
    const error =
      e instanceof BotError && e.ctx === ctx
        ? (e as BotError<C>)
        : new BotError<C>(e, ctx, update, "handler");
    try {
      const delivered = Promise.resolve(this.#deliver(error));
      if (!causedByStorageOutage(e)) return delivered;
      // Reported; now tell the adapter not to confirm the update, so it is delivered again.
      return delivered.then(() => {
        throw new UpdateNotConfirmedError(update.update_id, e);
      });
    } catch (thrown) {
      return Promise.reject(thrown);
    }
  }

  /**
   * Reports an error from outside the middleware (polling, sessions, jobs) to `bot.catch`.
   * Never throws: if the error handler fails too, both are logged.
   *
   * @param error The error.
   * @param where The context or update it concerns, if any.
   * @param source Where it came from (default: `"other"`, or `"polling"` with an update).
   * @returns A promise settled when the handler finished.
   */
  async reportError(error: unknown, where?: C | Update, source?: ErrorSource): Promise<void> {
    const ctx = where instanceof Context ? (where as C) : undefined;
    const update = ctx?.update ?? (where as Update | undefined);
    const wrapped =
      error instanceof BotError
        ? (error as BotError<C>)
        : new BotError<C>(
            error,
            ctx,
            update,
            source ?? (ctx ? "handler" : update ? "polling" : "other"),
          );
    try {
      await this.#deliver(wrapped);
    } catch (e) {
      defaultErrorHandler(new BotError(e, undefined, update, "other"));
    }
  }

  async #deliver(error: BotError<C>): Promise<void> {
    if (this.#channel.hasSubscribers) this.#channel.publish({ type: "error", error });
    await this.#onError(error);
  }

  /**
   * The update kinds the registered handlers need, for `allowed_updates`. Handlers on specific
   * kinds ask for those; a catch-all middleware asks for every kind Telegram sends by default
   * (`chat_member`, `message_reaction` and `message_reaction_count` only when named).
   *
   * @returns The kinds.
   */
  allowedUpdates(): UpdateKind[] {
    return allowedKinds(this.tree);
  }

  /**
   * Starts long polling (see `PollingOptions`: `handlerTimeoutMs`, `graceMs`, `dedup`,
   * `onStart`, ...). Resolves when polling stopped gracefully and nothing of it runs any more.
   *
   * @example
   * ```ts
   * await bot.start({ onStart: (me) => console.log(`@${me.username} is live`) });
   * ```
   * @param options Polling options.
   * @returns A promise settled when polling ended.
   */
  async start(options?: PollingOptions): Promise<void> {
    const poller = new Poller(this, options);
    this.#poller = poller;
    this.#stopped = undefined;
    try {
      await poller.start();
    } finally {
      if (this.#poller === poller) this.#poller = undefined;
      await this.#stopOnce();
    }
  }

  /**
   * Runs the updates of a durable source (e.g. `RedisUpdateQueue` of
   * `@bot/persistence-redis/queue`) in this process, next to any number of other worker
   * processes: each chat in order, different chats in parallel up to `concurrency`, each update
   * acknowledged only after its handler finished, with the `update_id` dedup on the bot's storage
   * so a rerun after a crash does not repeat a finished handler. Resolves when `bot.stop()` (or
   * `options.signal`) stopped it gracefully.
   *
   * @example
   * ```ts
   * await bot.work(new RedisUpdateQueue({ client, name: "bot", partitions: 16 }), { concurrency: 20 });
   * ```
   * @param source The source.
   * @param options Concurrency, grace, dedup, signal.
   * @returns A promise settled when the worker stopped.
   */
  async work(source: UpdateSource, options: WorkOptions = {}): Promise<void> {
    const controller = new AbortController();
    const outer = options.signal;
    const onAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    outer?.addEventListener("abort", onAbort, { once: true });
    this.#stopped = undefined;
    const running = runWork(this, source, options, controller.signal);
    this.#workers.set(controller, running);
    try {
      await running;
    } finally {
      outer?.removeEventListener("abort", onAbort);
      this.#workers.delete(controller);
      if (this.#workers.size === 0 && this.#poller === undefined) await this.#stopOnce();
    }
  }

  /**
   * Registers a function run when the bot stops: after polling ended, by `bot.stop()` or by a
   * signal (SIGINT/SIGTERM), once per stop, in registration order. `@bot/jobs` uses it so a bot
   * that stops stops its jobs too. An error a hook throws goes to `bot.catch`.
   *
   * @example
   * ```ts
   * bot.onStop(() => db.close());
   * ```
   * @param fn The function, awaited.
   * @returns A function that removes it.
   */
  onStop(fn: () => unknown): () => void {
    this.#stopHooks.push(fn);
    return () => {
      const i = this.#stopHooks.indexOf(fn);
      if (i >= 0) this.#stopHooks.splice(i, 1);
    };
  }

  #stopOnce(): Promise<void> {
    this.#stopped ??= this.#runStopHooks();
    return this.#stopped;
  }

  async #runStopHooks(): Promise<void> {
    for (const fn of [...this.#stopHooks]) {
      try {
        await fn();
      } catch (error) {
        await this.reportError(error);
      }
    }
  }

  /**
   * Stops long polling gracefully: no more fetching, updates not started stay unconfirmed (so
   * Telegram resends them), running handlers finish (up to the grace period, then their
   * `ctx.signal` aborts), finished updates are confirmed. Called from a handler (a `/shutdown`
   * command), it only starts the stop, so that handler can finish and be confirmed.
   *
   * @returns A promise settled when polling stopped (at once when called from a handler).
   */
  async stop(): Promise<void> {
    if (this.#workers.size > 0) {
      const running = [...this.#workers];
      for (const [controller] of running) controller.abort();
      await Promise.allSettled(running.map(([, p]) => p));
    }
    const poller = this.#poller;
    await poller?.stop();
    if (poller && this.#poller === poller) return; // called from a handler: start() runs the hooks
    await this.#stopOnce();
  }

  /** Whether long polling runs. */
  get isRunning(): boolean {
    return this.#poller?.running ?? false;
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
function noop(): void {}

function defaultErrorHandler(error: BotError<unknown>): void {
  const inner = error.error;
  const detail = inner instanceof Error ? `${inner.name}: ${inner.message}` : String(error.message);
  const code =
    typeof inner === "object" && inner !== null && "code" in inner
      ? ` [${String((inner as { code: unknown }).code)}]`
      : "";
  console.error(
    `@bot/dispatcher: unhandled error (${error.source}${error.update ? ` in update ${error.update.update_id}` : ""})${code}: ${detail}`,
  );
}
