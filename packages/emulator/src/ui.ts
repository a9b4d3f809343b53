import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BotCommand, Update, User } from "@bot/types";
import { UserActor } from "./actors.js";
import { isUpload, readParams } from "./body.js";
import { ApiFailure, EmulatorError } from "./errors.js";
import type { EmulatorEvent } from "./events.js";
import type { BotRecord, ChatRecord, World } from "./state.js";

/** The page's Content-Security-Policy: its own scripts, styles and images only. */
export const UI_CSP: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every chat-window response. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": UI_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** The shipped page: path -> file in `ui/` and its content type. */
const ASSETS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ["/", ["index.html", "text/html; charset=utf-8"]],
  ["/ui/", ["index.html", "text/html; charset=utf-8"]],
  ["/ui/app.js", ["app.js", "text/javascript; charset=utf-8"]],
  ["/ui/render.js", ["render.js", "text/javascript; charset=utf-8"]],
  ["/ui/style.css", ["style.css", "text/css; charset=utf-8"]],
]);

/** Images the page may show inline; every other file is served as a download. */
const INLINE_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Methods whose calls change the command menu. */
const COMMAND_METHODS = new Set(["setMyCommands", "deleteMyCommands"]);

/** How many messages keep their raw updates and API calls. */
const TRACE_LIMIT = 5_000;

/** One Bot API call as the debug view shows it (uploads reduced to name, type and size). */
interface TracedCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** The raw updates and API calls that made a message what it is. */
interface Trace {
  readonly updates: Update[];
  readonly calls: TracedCall[];
}

/** What the chat window needs from the emulator. */
export interface ChatWindowHost {
  readonly world: World;
  /** The host the server is bound to (loopback unless told otherwise). */
  readonly bindHost: string;
  /** @returns The default bot, or `undefined` before one exists. */
  defaultBot(): BotRecord | undefined;
}

// Internal: a refused chat-window request, answered as its HTTP status and `{ error }` by
// `handle`. It never leaves this module, so it is no `EmulatorError` and has no stable code.
class UiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const bad = (message: string) => new UiError(400, message);

/**
 * The emulator's chat window: a static page under `/` and `/ui/`, and a small JSON and
 * server-sent-events API under `/ui/api/` that acts as users through {@link UserActor}s.
 * Bot tokens never leave it: bots are named by id, and every answer is scrubbed of tokens.
 */
export class ChatWindow {
  readonly #host: ChatWindowHost;
  readonly #world: World;
  readonly #assets = new Map<string, Buffer>();
  readonly #actors = new Map<number, UserActor>();
  readonly #traces = new Map<string, Trace>();
  readonly #keyboards = new Map<string, unknown>();
  readonly #streams = new Set<ServerResponse>();
  readonly #off: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #current: { bot: BotRecord; call: TracedCall; params: Record<string, unknown> } | undefined;

  /**
   * Starts listening to the emulator's events.
   *
   * @param host The emulator's world and defaults.
   */
  constructor(host: ChatWindowHost) {
    this.#host = host;
    this.#world = host.world;
    this.#off = this.#world.events.on((e) => this.#onEvent(e));
    this.#heartbeat = setInterval(() => {
      for (const s of this.#streams) s.write(": ping\n\n");
    }, 15_000);
    this.#heartbeat.unref();
  }

  /**
   * Whether a request path belongs to the chat window.
   *
   * @param path The URL path.
   * @returns `true` for `/` and `/ui/...`.
   */
  matches(path: string): boolean {
    return path === "/" || path === "/ui" || path.startsWith("/ui/");
  }

  /**
   * Runs a Bot API handler, remembering the call so the messages it makes can show it.
   * Message handlers are synchronous, so every event they emit happens inside `run`.
   *
   * @param bot The calling bot.
   * @param method The method name.
   * @param params The normalized parameters.
   * @param run Calls the handler.
   * @returns What the handler returned.
   */
  around<T>(bot: BotRecord, method: string, params: Record<string, unknown>, run: () => T): T {
    const previous = this.#current;
    this.#current = { bot, call: { method, params: sanitize(params) }, params };
    try {
      return run();
    } finally {
      this.#current = previous;
      if (COMMAND_METHODS.has(method)) this.#broadcast({ type: "commands", botId: bot.id });
    }
  }

  /** Ends the event streams and stops listening. */
  close(): void {
    this.#off();
    clearInterval(this.#heartbeat);
    for (const s of this.#streams) s.end();
    this.#streams.clear();
  }

  // ---- events ----

  #trace(botId: number, chatId: number, messageId: number): Trace {
    const key = `${botId}:${chatId}:${messageId}`;
    let trace = this.#traces.get(key);
    if (trace === undefined) {
      trace = { updates: [], calls: [] };
      this.#traces.set(key, trace);
      if (this.#traces.size > TRACE_LIMIT) {
        const oldest = this.#traces.keys().next().value as string;
        this.#traces.delete(oldest);
      }
    }
    return trace;
  }

  #onEvent(e: EmulatorEvent): void {
    const current = this.#current?.bot.id === e.botId ? this.#current : undefined;
    switch (e.type) {
      case "message":
      case "edit": {
        const trace = this.#trace(e.botId, e.chatId, e.message.message_id);
        if (current !== undefined) trace.calls.push(current.call);
        const out: Record<string, unknown> = {
          type: e.type,
          botId: e.botId,
          chatId: e.chatId,
          message: e.message,
        };
        const keyboard = e.type === "message" ? replyKeyboard(current?.params) : undefined;
        if (keyboard !== undefined) {
          this.#keyboards.set(`${e.botId}:${e.chatId}`, keyboard);
          out.keyboard = keyboard;
        }
        this.#broadcast(out);
        return;
      }
      case "delete": {
        if (current !== undefined)
          this.#trace(e.botId, e.chatId, e.messageId).calls.push(current.call);
        this.#broadcast({
          type: "delete",
          botId: e.botId,
          chatId: e.chatId,
          messageId: e.messageId,
        });
        return;
      }
      case "user_message": {
        const bot = this.#world.bots.get(e.botId);
        const last = bot?.updates.pending.at(-1);
        if (last !== undefined && (last.message === e.message || last.channel_post === e.message))
          this.#trace(e.botId, e.chatId, e.message.message_id).updates.push(last);
        this.#broadcast({
          type: "message",
          botId: e.botId,
          chatId: e.chatId,
          message: e.message,
        });
        return;
      }
      case "user_vote": {
        // The vote changed the poll's counts in place: show it as an edit.
        const bot = this.#world.bots.get(e.botId);
        const at = bot?.polls.get(e.pollId);
        const record = this.#world.chats.get(e.chatId);
        const message =
          at === undefined || bot === undefined || record === undefined
            ? undefined
            : this.#world.box(bot.id, record.chat).messages.get(at.messageId);
        if (message !== undefined)
          this.#broadcast({ type: "edit", botId: e.botId, chatId: e.chatId, message });
        return;
      }
      case "callback_answer":
        this.#broadcast({
          type: "callback_answer",
          botId: e.botId,
          queryId: e.queryId,
          text: e.text ?? null,
          showAlert: e.showAlert,
          url: e.url ?? null,
        });
        return;
      case "inline_answer":
        this.#broadcast({
          type: "inline_answer",
          botId: e.botId,
          queryId: e.queryId,
          results: e.results,
        });
        return;
      case "chat_action":
        this.#broadcast({
          type: "chat_action",
          botId: e.botId,
          chatId: e.chatId,
          action: e.action,
        });
        return;
      default:
        return;
    }
  }

  #broadcast(event: Record<string, unknown>): void {
    if (this.#streams.size === 0) return;
    const frame = `data: ${this.#scrub(JSON.stringify(event))}\n\n`;
    for (const s of this.#streams) s.write(frame);
  }

  /** Removes every bot token from text bound for the page (a bot could echo its own token). */
  #scrub(text: string): string {
    let out = text;
    for (const token of this.#world.botsByToken.keys())
      if (out.includes(token)) out = out.replaceAll(token, "[bot token]");
    return out;
  }

  // ---- HTTP ----

  /**
   * Answers a chat-window request.
   *
   * @param req The request.
   * @param res The response.
   * @param url The parsed URL.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      if (!this.#hostAllowed(req.headers.host)) {
        req.resume();
        return this.#json(res, 403, { error: "this host name is not allowed" });
      }
      const path = url.pathname;
      const method = req.method ?? "GET";
      if (method === "GET" || method === "HEAD") {
        req.resume();
        const asset = ASSETS.get(path);
        if (asset !== undefined) return this.#asset(res, asset);
        if (path === "/ui") {
          res.writeHead(308, { ...SECURITY_HEADERS, location: "/ui/" });
          return void res.end();
        }
        if (path === "/ui/api/state") return this.#json(res, 200, this.#state());
        if (path === "/ui/api/chat") return this.#json(res, 200, this.#chat(url.searchParams));
        if (path === "/ui/api/trace") return this.#json(res, 200, this.#traceOf(url.searchParams));
        if (path === "/ui/api/events") return this.#events(res);
        if (path.startsWith("/ui/api/files/"))
          return this.#file(res, path.slice("/ui/api/files/".length));
        return this.#json(res, 404, { error: "not found" });
      }
      if (method !== "POST") {
        req.resume();
        return this.#json(res, 405, { error: "method not allowed" });
      }
      if (!this.#sameOrigin(req)) {
        req.resume();
        return this.#json(res, 403, { error: "cross-origin requests are not allowed" });
      }
      if (path === "/ui/api/upload") return this.#json(res, 200, await this.#upload(req, url));
      const body = await readJson(req);
      if (path === "/ui/api/send") return this.#json(res, 200, this.#send(body));
      if (path === "/ui/api/click") return this.#json(res, 200, this.#click(body));
      if (path === "/ui/api/vote") return this.#json(res, 200, this.#vote(body));
      if (path === "/ui/api/inline") return this.#json(res, 200, this.#inline(body));
      if (path === "/ui/api/share") return this.#json(res, 200, this.#share(body));
      if (path === "/ui/api/users") return this.#json(res, 200, this.#addUser(body));
      if (path === "/ui/api/groups") return this.#json(res, 200, this.#addGroup(body));
      return this.#json(res, 404, { error: "not found" });
    } catch (error) {
      if (error instanceof UiError) return this.#json(res, error.status, { error: error.message });
      if (error instanceof EmulatorError) return this.#json(res, 400, { error: error.message });
      if (error instanceof ApiFailure)
        return this.#json(res, error.errorCode, { error: error.description });
      return this.#json(res, 500, { error: "internal error" });
    }
  }

  /** Accepts loopback names, and the bound host when it is not a wildcard (DNS rebinding guard). */
  #hostAllowed(header: string | undefined): boolean {
    const bind = this.#host.bindHost;
    if (bind === "0.0.0.0" || bind === "::") return true;
    if (header === undefined) return false;
    let name: string;
    try {
      name = new URL(`http://${header}`).hostname;
    } catch {
      return false;
    }
    const allowed = new Set(["127.0.0.1", "localhost", "[::1]", bind, `[${bind}]`]);
    return allowed.has(name.toLowerCase());
  }

  /** POSTs must come from the page itself: a custom header (forcing a CORS preflight) and no foreign Origin. */
  #sameOrigin(req: IncomingMessage): boolean {
    if (req.headers["x-emulator-ui"] !== "1") return false;
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin") return false;
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${req.headers.host}`;
  }

  #asset(res: ServerResponse, [file, type]: readonly [string, string]): void {
    let data = this.#assets.get(file);
    if (data === undefined) {
      data = readFileSync(new URL(`../ui/${file}`, import.meta.url));
      this.#assets.set(file, data);
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": type,
      "content-length": data.length,
    });
    res.end(data);
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const text = this.#scrub(JSON.stringify(body));
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  }

  #events(res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
    });
    res.write("retry: 1000\n\n");
    this.#streams.add(res);
    // Only the response's close means the page went away (the request "closes" once read).
    res.on("close", () => this.#streams.delete(res));
  }

  #file(res: ServerResponse, segment: string): void {
    let fileId: string;
    try {
      fileId = decodeURIComponent(segment);
    } catch {
      throw bad("malformed file id");
    }
    const file = this.#world.files.get(fileId);
    if (file === undefined) {
      this.#json(res, 404, { error: "file not found" });
      return;
    }
    const data = file.data ?? Buffer.alloc(0);
    const inline = INLINE_IMAGES.has(file.mimeType);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-security-policy": "default-src 'none'; sandbox",
      "content-type": inline ? file.mimeType : "application/octet-stream",
      "content-length": data.length,
      "content-disposition": inline
        ? "inline"
        : `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
    });
    res.end(data);
  }

  // ---- reading ----

  #state(): unknown {
    const bots = [...this.#world.bots.values()].map((b) => ({
      id: b.id,
      username: b.user.username ?? "",
      first_name: b.user.first_name,
    }));
    const users = [...this.#world.users.values()].filter((u) => !u.is_bot);
    const chats = [...this.#world.chats.values()]
      .filter((c) => c.chat.type === "group" || c.chat.type === "supergroup")
      .map((c) => ({
        id: c.chat.id,
        type: c.chat.type,
        title: c.chat.title ?? "",
        members: [...c.members]
          .filter(([, s]) => s !== "left" && s !== "kicked")
          .map(([id, status]) => ({ id, status })),
      }));
    return { bots, users, chats, defaultBot: this.#host.defaultBot()?.id ?? null };
  }

  #chat(q: URLSearchParams): unknown {
    const bot = this.#bot(q.get("bot"));
    const record = this.#chatRecord(q.get("chat"));
    const user = this.#world.users.get(Number(q.get("user")));
    const box = this.#world.box(bot.id, record.chat);
    const messages = [...box.messages.values()].sort((a, b) => a.message_id - b.message_id);
    return {
      messages,
      keyboard: this.#keyboards.get(`${bot.id}:${record.chat.id}`) ?? null,
      commands: commandsFor(bot, record, user),
    };
  }

  #traceOf(q: URLSearchParams): unknown {
    const bot = this.#bot(q.get("bot"));
    const chat = int(q.get("chat"), "chat");
    const message = int(q.get("message"), "message");
    return this.#traces.get(`${bot.id}:${chat}:${message}`) ?? { updates: [], calls: [] };
  }

  #bot(id: unknown): BotRecord {
    const bot = this.#world.bots.get(int(id, "bot"));
    if (bot === undefined) throw new UiError(404, "unknown bot");
    return bot;
  }

  #chatRecord(id: unknown): ChatRecord {
    const chatId = int(id, "chat");
    const user = this.#world.users.get(chatId);
    // A private chat can be opened before its first message.
    if (user !== undefined && !user.is_bot) return this.#world.privateChat(user);
    const record = this.#world.chats.get(chatId);
    if (record === undefined) throw new UiError(404, "unknown chat");
    return record;
  }

  #actor(id: unknown): UserActor {
    const userId = int(id, "user");
    const user = this.#world.users.get(userId);
    if (user === undefined || user.is_bot) throw new UiError(404, "unknown user");
    let actor = this.#actors.get(userId);
    if (actor === undefined) {
      actor = new UserActor(this.#world, user, {
        botFor: (b) => {
          const record =
            typeof b === "object" ? this.#world.botsByToken.get(b.token) : this.#host.defaultBot();
          if (record === undefined) throw new EmulatorError("BOT_EMULATOR_NO_BOT", "unknown bot");
          return record;
        },
      });
      this.#actors.set(userId, actor);
    }
    return actor;
  }

  // ---- acting ----

  /** Where a user's message goes: the private chat with the bot, or a group. */
  #target(body: Record<string, unknown>): { bot: BotRecord; chat?: number } {
    const bot = this.#bot(body.bot);
    const chat = int(body.chat, "chat");
    return chat === int(body.user, "user") ? { bot } : { bot, chat };
  }

  #send(body: Record<string, unknown>): unknown {
    const actor = this.#actor(body.user);
    const { bot, chat } = this.#target(body);
    const text = body.text;
    if (typeof text !== "string" || text.trim() === "" || text.length > 4096)
      throw bad("text must be 1-4096 characters");
    const replyTo = body.replyTo === undefined ? undefined : int(body.replyTo, "replyTo");
    const message = actor.send(text, {
      bot: { token: bot.token },
      ...(chat === undefined ? {} : { chat }),
      ...(replyTo === undefined ? {} : { replyTo }),
    });
    return { message_id: message.message_id };
  }

  async #upload(req: IncomingMessage, url: URL): Promise<unknown> {
    if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data")) {
      req.resume();
      throw bad("expected multipart/form-data");
    }
    const params = await readParams(req, url.searchParams);
    const file = params.file;
    if (!isUpload(file) || file.data.length === 0) throw bad("no file in the request");
    const actor = this.#actor(params.user);
    const { bot, chat } = this.#target(params);
    const caption =
      typeof params.caption === "string" && params.caption !== "" ? params.caption : undefined;
    const options = {
      bot: { token: bot.token },
      ...(chat === undefined ? {} : { chat }),
      ...(caption === undefined ? {} : { caption }),
    };
    const asPhoto = params.as !== "document" && INLINE_IMAGES.has(file.mimeType);
    const upload = { data: file.data, filename: file.filename, mimeType: file.mimeType };
    const message = asPhoto
      ? actor.sendPhoto(upload, options)
      : actor.sendDocument(upload, options);
    return { message_id: message.message_id };
  }

  #click(body: Record<string, unknown>): unknown {
    const actor = this.#actor(body.user);
    const bot = this.#bot(body.bot);
    const record = this.#chatRecord(body.chat);
    const id = int(body.message, "message");
    const message = this.#world.box(bot.id, record.chat).messages.get(id);
    if (message === undefined) throw new UiError(404, "unknown message");
    if (typeof body.data !== "string" || body.data === "") throw bad("data must be a string");
    const query = actor.click(body.data, {
      message,
      bot: { token: bot.token },
      chat: record.chat.id,
    });
    const update = bot.updates.pending.findLast((u) => u.callback_query?.id === query.id);
    if (update !== undefined) this.#trace(bot.id, record.chat.id, id).updates.push(update);
    return { queryId: query.id };
  }

  #vote(body: Record<string, unknown>): unknown {
    const actor = this.#actor(body.user);
    const bot = this.#bot(body.bot);
    const record = this.#chatRecord(body.chat);
    const id = int(body.message, "message");
    const message = this.#world.box(bot.id, record.chat).messages.get(id);
    if (message?.poll === undefined) throw new UiError(404, "unknown poll");
    if (!Array.isArray(body.options)) throw bad("options must list option ids");
    const options = body.options.map((o) => int(o, "option"));
    const pollId = message.poll.id;
    const poll = actor.vote(message, options);
    const trace = this.#trace(bot.id, record.chat.id, id);
    for (const u of bot.updates.pending.slice(-2))
      if (u.poll_answer?.poll_id === pollId || u.poll?.id === pollId) trace.updates.push(u);
    return { total_voter_count: poll.total_voter_count };
  }

  /** Types an inline query (`@bot query`); the bot's answer comes as an `inline_answer` event. */
  #inline(body: Record<string, unknown>): unknown {
    const actor = this.#actor(body.user);
    const bot = this.#bot(body.bot);
    const query = body.query;
    if (typeof query !== "string" || query.length > 256)
      throw bad("query must be a string of up to 256 characters");
    const q = actor.inline(query, { bot: { token: bot.token } });
    return { queryId: q.id };
  }

  /** A reply-keyboard button that shares the user's contact or a location. */
  #share(body: Record<string, unknown>): unknown {
    const actor = this.#actor(body.user);
    const { bot, chat } = this.#target(body);
    const options = { bot: { token: bot.token }, ...(chat === undefined ? {} : { chat }) };
    let message: { message_id: number };
    if (body.what === "contact") message = actor.sendContact(undefined, options);
    else if (body.what === "location") {
      const lat = typeof body.latitude === "number" ? body.latitude : 51.5007;
      const lon = typeof body.longitude === "number" ? body.longitude : -0.1246;
      message = actor.sendLocation(lat, lon, options);
    } else throw bad('what must be "contact" or "location"');
    return { message_id: message.message_id };
  }

  #addUser(body: Record<string, unknown>): unknown {
    const first = body.first_name;
    if (typeof first !== "string" || first.trim() === "" || first.length > 64)
      throw bad("first_name must be 1-64 characters");
    const fields: Omit<User, "id" | "is_bot"> = { first_name: first.trim() };
    if (typeof body.username === "string" && body.username !== "") {
      if (!/^[A-Za-z0-9_]{3,32}$/.test(body.username))
        throw bad("username must be 3-32 letters, digits or _");
      fields.username = body.username;
    }
    const user = this.#world.addUser(fields);
    this.#broadcast({ type: "state" });
    return user;
  }

  #addGroup(body: Record<string, unknown>): unknown {
    const title = body.title;
    if (typeof title !== "string" || title.trim() === "" || title.length > 128)
      throw bad("title must be 1-128 characters");
    const bot = this.#bot(body.bot);
    if (!Array.isArray(body.members) || body.members.length === 0)
      throw bad("members must list user ids");
    const members = body.members.map((m) => this.#actor(m).user);
    const record = this.#world.addChat(
      body.supergroup === true ? "supergroup" : "group",
      title.trim(),
      {},
    );
    for (const [i, u] of members.entries())
      record.members.set(u.id, i === 0 ? "creator" : "member");
    record.members.set(bot.id, "administrator");
    this.#broadcast({ type: "state" });
    return { id: record.chat.id };
  }
}

function int(value: unknown, name: string): number {
  const n = typeof value === "string" && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw bad(`${name} must be an integer id`);
  return n;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
    req.resume();
    throw bad("expected application/json");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new UiError(413, "request too large");
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw bad("malformed JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw bad("expected a JSON object");
  return parsed as Record<string, unknown>;
}

/** Replaces uploads with their name, type and size, and drops secrets, for the debug view. */
function sanitize(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === "secret_token") continue;
    out[k] = isUpload(v) ? { upload: v.filename, mime_type: v.mimeType, size: v.data.length } : v;
  }
  return out;
}

/**
 * The reply keyboard a send call sets: the markup, `null` for a removal, `undefined` for no change.
 *
 * @param params The call's normalized parameters.
 * @returns The keyboard state.
 */
function replyKeyboard(params: Record<string, unknown> | undefined): unknown {
  const markup = params?.reply_markup;
  if (typeof markup !== "object" || markup === null) return undefined;
  const m = markup as Record<string, unknown>;
  if (Array.isArray(m.keyboard)) return m;
  if (m.remove_keyboard === true) return null;
  return undefined;
}

/**
 * The commands a user sees in a chat, by Telegram's scope order (chat member, chat, admins,
 * chat kind, default), preferring the user's language.
 *
 * @param bot The bot.
 * @param record The chat.
 * @param user The user looking (for member scopes and language).
 * @returns The command list (possibly empty).
 */
export function commandsFor(
  bot: BotRecord,
  record: ChatRecord,
  user: User | undefined,
): BotCommand[] {
  const chatId = record.chat.id;
  const isPrivate = record.chat.type === "private";
  const status = user === undefined ? undefined : record.members.get(user.id);
  const admin = status === "creator" || status === "administrator";
  const scopes: ((s: Record<string, unknown>) => boolean)[] = [
    (s) => s.type === "chat_member" && Number(s.chat_id) === chatId && s.user_id === user?.id,
    (s) => s.type === "chat" && Number(s.chat_id) === chatId,
    (s) => !isPrivate && admin && s.type === "chat_administrators" && Number(s.chat_id) === chatId,
    (s) => !isPrivate && admin && s.type === "all_chat_administrators",
    (s) => (isPrivate ? s.type === "all_private_chats" : s.type === "all_group_chats"),
    (s) => s.type === "default",
  ];
  const entries = [...bot.commands].map(([key, list]) => {
    const bar = key.lastIndexOf("|");
    let scope: Record<string, unknown> = {};
    try {
      scope = JSON.parse(key.slice(0, bar)) as Record<string, unknown>;
    } catch {
      // Not a scope we wrote.
    }
    return { scope, lang: key.slice(bar + 1), list };
  });
  const langs = [user?.language_code ?? "", ""];
  for (const match of scopes) {
    for (const lang of langs) {
      const hit = entries.find((e) => e.lang === lang && match(e.scope));
      if (hit !== undefined) return hit.list;
    }
  }
  return [];
}
