import { type Channel, channel } from "node:diagnostics_channel";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Message, Update, User } from "@bot/types";
import { UserActor, type UserInit } from "./actors.js";
import { readParams } from "./body.js";
import { type Clock, systemClock } from "./clock.js";
import { ApiFailure, EmulatorError } from "./errors.js";
import type { EmulatorEvent } from "./events.js";
import { type FaultHandle, FaultPlan, type FaultRule } from "./faults.js";
import { sendError, sendFailure, sendJson } from "./http.js";
import type { CallContext, Host } from "./methods/context.js";
import { METHODS } from "./methods/index.js";
import { type EmulatorOptions, parseOptions } from "./options.js";
import { normalizeParams } from "./params.js";
import { type BotRecord, type ChatRecord, type MemberStatus, World } from "./state.js";
import { ChatWindow } from "./ui.js";
import { type WebhookConfig, WebhookDelivery, type WebhookTiming } from "./webhook.js";

/** Published once per Bot API call: `{ method, botId, status }` (never the token). */
export const callChannel: Channel = channel("@bot/emulator:call");

/** A bot created in the emulator. */
export interface EmulatorBot {
  /** The token to give the bot (`<id>:<secret>`). */
  readonly token: string;
  /** The bot's user id. */
  readonly id: number;
  /** The bot's username. */
  readonly username: string;
  /** The bot's first name. */
  readonly first_name: string;
  /** The bot as a `User` (what `getMe` returns). */
  readonly user: User;
}

/** A group, supergroup or channel created in the emulator. */
export interface EmulatorChat {
  /** The chat id. */
  readonly id: number;
  /** The chat as bots see it. */
  readonly chat: import("@bot/types").Chat;
  /**
   * Creates a forum topic (supergroups with `forum: true`).
   *
   * @param name The topic name.
   * @returns The topic's `message_thread_id`.
   */
  createTopic(name: string): number;
}

/** What `emu.chat(id)` shows: the chat's current messages as one bot sees them. */
export interface ChatView {
  readonly id: number;
  /** Current messages (deleted ones removed, edited ones in their latest form), oldest first. */
  readonly messages: Message[];
  /** @returns The newest message, or `undefined`. */
  last(): Message | undefined;
}

/** Options of {@link Emulator.waitFor}. */
export interface WaitOptions {
  /** Reject with `BOT_EMULATOR_TIMEOUT` after this long (default 5000). */
  readonly timeoutMs?: number;
}

type Target = { readonly token: string } | string | undefined;

/** A running emulator: a Bot API server plus the state and actors behind it. */
export class Emulator implements Host {
  /** The base URL, for example `http://127.0.0.1:54321`. */
  readonly url: string;
  /** The value for a client's `apiRoot` (same as {@link url}); calls go to `${apiRoot}/bot<token>/<method>`. */
  readonly apiRoot: string;
  /** The port it listens on. */
  readonly port: number;
  /** The clock message dates come from. */
  readonly clock: Clock;
  /** The longest long poll, in seconds. */
  readonly maxPollSeconds: number;
  /** The chat window's address (`${url}/`) when started with `ui: true`, else `undefined`. */
  readonly uiUrl: string | undefined;
  readonly #world: World;
  readonly #ui: ChatWindow | undefined;
  readonly #server: Server;
  readonly #faults = new FaultPlan();
  readonly #webhooks = new Map<number, WebhookDelivery>();
  readonly #timing: WebhookTiming;
  readonly #sockets = new Set<import("node:net").Socket>();
  #defaultBot: BotRecord | undefined;
  #closed = false;

  /** @internal Use {@link createEmulator}. */
  constructor(server: Server, world: World, options: EmulatorOptions) {
    this.#server = server;
    this.#world = world;
    this.clock = world.clock;
    this.maxPollSeconds = options.maxPollSeconds ?? 50;
    this.#timing = {
      deadlineMs: options.webhookDeadlineMs ?? 60_000,
      retryBaseMs: options.webhookRetryMs ?? 1_000,
      retryMaxMs: options.webhookRetryMaxMs ?? 60_000,
    };
    const address = server.address() as AddressInfo;
    this.port = address.port;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`;
    this.apiRoot = this.url;
    this.#ui =
      options.ui === true
        ? new ChatWindow({
            world,
            bindHost: address.address,
            defaultBot: () => this.#defaultBot,
          })
        : undefined;
    this.uiUrl = this.#ui === undefined ? undefined : `${this.url}/`;
    server.on("request", (req, res) => void this.#handle(req, res));
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  // ---- bots, users, chats ----

  /**
   * Creates a bot. The first one becomes the default bot for actors.
   *
   * @param info The bot's username and first name; `testEnvironment` puts it behind `/bot<token>/test/<method>`;
   *   `token` fixes the token (for a stable CLI or example run) instead of a random one.
   * @returns The bot with its token.
   */
  createBot(info: {
    username: string;
    first_name?: string;
    testEnvironment?: boolean;
    token?: string;
  }): EmulatorBot {
    if (typeof info?.username !== "string" || !/^[A-Za-z0-9_]{3,32}$/.test(info.username)) {
      throw new EmulatorError(
        "BOT_EMULATOR_INVALID_OPTIONS",
        "createBot needs a username of 3-32 letters, digits or _",
      );
    }
    if (info.token !== undefined) {
      if (typeof info.token !== "string" || !/^[1-9]\d{0,15}:[A-Za-z0-9_-]{8,}$/.test(info.token)) {
        throw new EmulatorError(
          "BOT_EMULATOR_INVALID_OPTIONS",
          "createBot token must look like <digits>:<letters, digits, _ or ->",
        );
      }
      const id = Number(info.token.slice(0, info.token.indexOf(":")));
      if (this.#world.bots.has(id) || this.#world.users.has(id)) {
        throw new EmulatorError(
          "BOT_EMULATOR_INVALID_OPTIONS",
          "createBot token's id is already taken",
        );
      }
    }
    const record = this.#world.addBot(
      { username: info.username, first_name: info.first_name ?? info.username },
      info.testEnvironment === true,
      info.token,
    );
    this.#defaultBot ??= record;
    return this.#publicBot(record);
  }

  #publicBot(record: BotRecord): EmulatorBot {
    const token = record.token;
    const bot = {
      id: record.id,
      username: record.user.username ?? "",
      first_name: record.user.first_name,
      user: record.user,
    };
    Object.defineProperty(bot, "token", { value: token, enumerable: false });
    Object.defineProperty(bot, Symbol.for("nodejs.util.inspect.custom"), {
      value: () => `EmulatorBot(@${bot.username}, id ${bot.id})`,
      enumerable: false,
    });
    return bot as EmulatorBot;
  }

  /**
   * Creates a user to act in tests.
   *
   * @param init The user's names and an optional bot to talk to by default.
   * @returns The actor.
   */
  user(init: UserInit): UserActor {
    if (typeof init?.first_name !== "string" || init.first_name === "") {
      throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "user needs a first_name");
    }
    const { bot, ...fields } = init;
    const user = this.#world.addUser(fields);
    return new UserActor(this.#world, user, {
      botFor: (b) => this.botRecord(b ?? bot),
    });
  }

  /** @internal Finds a bot by handle or token, else the default bot. */
  botRecord(target: Target): BotRecord {
    if (target === undefined) {
      if (this.#defaultBot === undefined)
        throw new EmulatorError("BOT_EMULATOR_NO_BOT", "create a bot first with emu.createBot()");
      return this.#defaultBot;
    }
    const token = typeof target === "string" ? target : target.token;
    const record = this.#world.botsByToken.get(token);
    if (record === undefined) throw new EmulatorError("BOT_EMULATOR_NO_BOT", "unknown bot");
    return record;
  }

  /**
   * Creates a basic group (or a supergroup) with members; the bots join as administrators.
   *
   * @param init Title, members (the first one is the creator), bots (default: the default bot), type and forum flag.
   * @returns The chat.
   */
  group(init: {
    title: string;
    members?: readonly UserActor[];
    bots?: readonly EmulatorBot[];
    type?: "group" | "supergroup";
    forum?: boolean;
    username?: string;
  }): EmulatorChat {
    const type = init.forum === true ? "supergroup" : (init.type ?? "group");
    const extra: { username?: string; is_forum?: boolean } = {};
    if (init.username !== undefined) extra.username = init.username;
    if (init.forum === true) extra.is_forum = true;
    const record = this.#world.addChat(type, init.title, extra);
    this.#seat(record, init.members, init.bots);
    return this.#publicChat(record);
  }

  /**
   * Creates a supergroup (shorthand for `group({ type: "supergroup" })`).
   *
   * @param init As for {@link group}.
   * @returns The chat.
   */
  supergroup(init: {
    title: string;
    members?: readonly UserActor[];
    bots?: readonly EmulatorBot[];
    forum?: boolean;
    username?: string;
  }): EmulatorChat {
    return this.group({ ...init, type: "supergroup" });
  }

  /**
   * Creates a channel; the bots join as administrators.
   *
   * @param init Title, optional username, subscribers and bots.
   * @returns The chat.
   */
  channel(init: {
    title: string;
    username?: string;
    members?: readonly UserActor[];
    bots?: readonly EmulatorBot[];
  }): EmulatorChat {
    const record = this.#world.addChat(
      "channel",
      init.title,
      init.username === undefined ? {} : { username: init.username },
    );
    this.#seat(record, init.members, init.bots);
    return this.#publicChat(record);
  }

  #seat(
    record: ChatRecord,
    members: readonly UserActor[] | undefined,
    bots: readonly EmulatorBot[] | undefined,
  ): void {
    for (const [i, m] of (members ?? []).entries())
      record.members.set(m.id, i === 0 ? "creator" : "member");
    const list = bots ?? (this.#defaultBot ? [this.#publicBot(this.#defaultBot)] : []);
    for (const b of list) record.members.set(this.botRecord(b).id, "administrator");
  }

  #publicChat(record: ChatRecord): EmulatorChat {
    return {
      id: record.chat.id,
      chat: record.chat,
      createTopic: (name: string) => {
        if (record.chat.is_forum !== true)
          throw new EmulatorError("BOT_EMULATOR_INVALID_OPTIONS", "topics need a forum supergroup");
        const id = Math.max(1, ...record.topics.keys()) + 1;
        record.topics.set(id, { message_thread_id: id, name, icon_color: 7322096 });
        return id;
      },
    };
  }

  /**
   * Sets a member's status in a group or channel.
   *
   * @param chat The chat.
   * @param member A user actor or a bot.
   * @param status The status.
   */
  setMember(chat: EmulatorChat, member: UserActor | EmulatorBot, status: MemberStatus): void {
    const record = this.#world.chats.get(chat.id);
    if (record === undefined) throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", "unknown chat");
    record.members.set(member.id, status);
  }

  /**
   * The messages of a chat as a bot sees them.
   *
   * @param chatId The chat id (a user's id for a private chat).
   * @param bot The bot (default: the default bot).
   * @returns A snapshot view.
   */
  chat(chatId: number, bot?: EmulatorBot): ChatView {
    const record = this.#world.chats.get(chatId);
    if (record === undefined)
      throw new EmulatorError("BOT_EMULATOR_NOT_FOUND", `unknown chat ${chatId}`);
    const box = this.#world.box(this.botRecord(bot).id, record.chat);
    const messages = [...box.messages.values()].sort((a, b) => a.message_id - b.message_id);
    return { id: chatId, messages, last: () => messages[messages.length - 1] };
  }

  /**
   * The updates queued for a bot and not yet confirmed or delivered.
   *
   * @param bot The bot (default: the default bot).
   * @returns A copy of the queue.
   */
  pendingUpdates(bot?: EmulatorBot): Update[] {
    return [...this.botRecord(bot).updates.pending];
  }

  /**
   * Every kept event, oldest first.
   *
   * @returns The log.
   */
  events(): EmulatorEvent[] {
    return this.#world.events.all();
  }

  /**
   * Waits until `check` returns a truthy value. It is called once at once (with no event) and then after every event.
   *
   * @param check Returns the value to resolve with, or a falsy value to keep waiting.
   * @param options The timeout.
   * @returns The first truthy value.
   */
  waitFor<T>(
    check: (event?: EmulatorEvent) => T | undefined | null | false,
    options: WaitOptions = {},
  ): Promise<T> {
    return waitOn(this.#world, check, options.timeoutMs ?? 5_000);
  }

  // ---- faults ----

  /**
   * Injects a fault for matching calls (by default the next one).
   *
   * @param rule Which calls (method, token, params) and what fault.
   * @returns A handle with `hits` and `remove()`.
   */
  inject(rule: FaultRule): FaultHandle {
    return this.#faults.add(rule);
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  // ---- Host ----

  /** @internal */
  async startWebhook(bot: BotRecord, config: WebhookConfig): Promise<void> {
    await this.stopWebhook(bot);
    this.#webhooks.set(
      bot.id,
      new WebhookDelivery(
        bot.updates,
        config,
        this.#timing,
        this.clock,
        (method, params) => void this.#internalCall(bot, method, params),
        (update, error) =>
          this.#world.events.emit({
            type: "webhook_attempt",
            botId: bot.id,
            updateId: update.update_id,
            error,
          }),
      ),
    );
  }

  /** @internal */
  async stopWebhook(bot: BotRecord): Promise<void> {
    const hook = this.#webhooks.get(bot.id);
    if (hook === undefined) return;
    this.#webhooks.delete(bot.id);
    await hook.stop();
  }

  /** @internal */
  webhook(bot: BotRecord): WebhookDelivery | undefined {
    return this.#webhooks.get(bot.id);
  }

  async #internalCall(bot: BotRecord, method: string, raw: Record<string, unknown>): Promise<void> {
    const entry = METHODS.get(method.toLowerCase());
    if (entry?.handler === undefined) return;
    try {
      const params = normalizeParams(entry.name, raw);
      const ctx: CallContext = {
        world: this.#world,
        host: this,
        bot,
        params,
        signal: AbortSignal.timeout(60_000),
      };
      const handler = entry.handler;
      await (this.#ui === undefined
        ? handler(ctx)
        : this.#ui.around(bot, entry.name, params, () => handler(ctx)));
    } catch {
      // The bot never learns the outcome of a webhook reply.
    }
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://emulator.local");
      const path = url.pathname;
      if (path.startsWith("/file/bot")) return this.#download(path, req, res);
      if (this.#ui?.matches(path)) return await this.#ui.handle(req, res, url);
      const m = /^\/bot([^/]+)\/(?:(test)\/)?([^/]+)\/?$/.exec(path);
      if (m === null) {
        req.resume();
        return sendFailure(res, 404, "Not Found");
      }
      const bot = this.#world.botsByToken.get(safeDecode(m[1] as string));
      if (bot === undefined || bot.testEnvironment !== (m[2] === "test")) {
        req.resume();
        return sendFailure(res, 401, "Unauthorized");
      }
      const methodLower = (m[3] as string).toLowerCase();
      const entry = METHODS.get(methodLower);
      if (entry === undefined) {
        req.resume();
        return sendFailure(res, 404, "Not Found: method not found");
      }
      if (entry.handler === undefined) {
        req.resume();
        return sendFailure(
          res,
          501,
          `Not Implemented: method ${entry.name} is not supported by the emulator`,
        );
      }
      await this.#call(bot, entry.name, entry.handler, req, res, url.searchParams);
    } catch (error) {
      sendError(res, error);
    }
  }

  async #call(
    bot: BotRecord,
    method: string,
    handler: NonNullable<ReturnType<typeof METHODS.get>>["handler"] & {},
    req: IncomingMessage,
    res: ServerResponse,
    search: URLSearchParams,
  ): Promise<void> {
    const raw = await readParams(req, search);
    const fault = this.#faults.take(method.toLowerCase(), bot.token, raw);
    const report = (status: number) => {
      if (callChannel.hasSubscribers) callChannel.publish({ method, botId: bot.id, status });
    };
    if (fault?.type === "flood") {
      report(429);
      return sendFailure(res, 429, `Too Many Requests: retry after ${fault.retryAfter}`, {
        retry_after: fault.retryAfter,
      });
    }
    if (fault?.type === "server" && fault.when !== "after") {
      report(fault.status ?? 500);
      return sendFailure(res, fault.status ?? 500, fault.description ?? "Internal Server Error");
    }
    if (fault?.type === "drop" && fault.when === "before") {
      report(0);
      req.socket.destroy();
      return;
    }
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const ctx: CallContext = {
      world: this.#world,
      host: this,
      bot,
      params: {},
      signal: controller.signal,
    };
    let result: unknown;
    let failure: unknown;
    try {
      (ctx as { params: Record<string, unknown> }).params = normalizeParams(
        method as Parameters<typeof normalizeParams>[0],
        raw,
      );
      result = await (this.#ui === undefined
        ? handler(ctx)
        : this.#ui.around(bot, method, ctx.params, () => handler(ctx)));
    } catch (error) {
      failure = error;
    }
    if (fault?.type === "drop") {
      report(0);
      req.socket.destroy();
      return;
    }
    if (fault?.type === "server") {
      report(fault.status ?? 500);
      return sendFailure(res, fault.status ?? 500, fault.description ?? "Internal Server Error");
    }
    if (fault?.type === "slow") await new Promise((r) => setTimeout(r, fault.delayMs));
    if (failure !== undefined) {
      report(failure instanceof ApiFailure ? failure.errorCode : 500);
      return sendError(res, failure);
    }
    report(200);
    sendJson(res, 200, { ok: true, result });
  }

  #download(path: string, req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const m = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    const bot = m ? this.#world.botsByToken.get(safeDecode(m[1] as string)) : undefined;
    if (m === null || bot === undefined) {
      sendFailure(res, 401, "Unauthorized");
      return;
    }
    const file = this.#world.filesByPath.get(safeDecode(m[2] as string));
    if (file === undefined) {
      sendFailure(res, 404, "Not Found");
      return;
    }
    const data = file.data ?? Buffer.alloc(0);
    res.writeHead(200, { "content-type": file.mimeType, "content-length": data.length });
    res.end(data);
  }

  /**
   * Stops the server: pending long polls are answered, webhooks stop, connections close.
   *
   * @returns Resolves when the server is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ui?.close();
    for (const bot of this.#world.bots.values()) bot.updates.release();
    await Promise.all([...this.#webhooks.values()].map((h) => h.stop()));
    this.#webhooks.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
      setTimeout(() => {
        for (const s of this.#sockets) s.destroy();
      }, 100).unref();
    });
  }
}

/**
 * Waits on the world's events.
 *
 * @param world The world.
 * @param check The check.
 * @param timeoutMs The timeout.
 * @returns The first truthy value of `check`.
 */
export function waitOn<T>(
  world: World,
  check: (event?: EmulatorEvent) => T | undefined | null | false,
  timeoutMs: number,
): Promise<T> {
  const first = check(undefined);
  if (first) return Promise.resolve(first);
  return new Promise<T>((resolve, reject) => {
    const off = world.events.on((event) => {
      let value: T | undefined | null | false;
      try {
        value = check(event);
      } catch (error) {
        off();
        clearTimeout(timer);
        reject(error);
        return;
      }
      if (value) {
        off();
        clearTimeout(timer);
        resolve(value);
      }
    });
    const timer = setTimeout(() => {
      off();
      reject(new EmulatorError("BOT_EMULATOR_TIMEOUT", `nothing matched within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

/**
 * Starts an emulator on 127.0.0.1 (an ephemeral port unless `port` is given).
 *
 * @param options Port, host, clock, webhook timing.
 * @returns The running emulator; call `close()` when done.
 */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const opts = parseOptions(options);
  const server = createServer({ keepAlive: true });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return new Emulator(
    server,
    new World(opts.clock ?? systemClock, opts.eventLimit ?? 10_000),
    opts,
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
