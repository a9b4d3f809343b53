/**
 * Typed callback-data codecs: a prefix, a valibot schema, a compact encoding that must fit in
 * 64 bytes, and optional HMAC signing, since a client can send data the bot never issued.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Update } from "@bot/types";
import * as v from "valibot";
import type { Storage } from "../runtime/storage.js";
import { FormatError } from "./errors.js";
import { CALLBACK_DATA_MAX_BYTES } from "./inline-keyboard.js";

/** Options of {@link callbackData}. */
export interface CallbackDataOptions {
  /** A key of at least 16 bytes to sign packed data with HMAC-SHA-256; unsigned when omitted. */
  readonly secret?: string | Uint8Array | undefined;
  /** Bytes of the HMAC kept in the data, 4-32; 8 by default (11 characters). */
  readonly tagBytes?: number | undefined;
  /**
   * Where `packAsync` keeps values too long for 64 bytes, behind a random 16-character key.
   * Without it, `packAsync` fails like `pack` does.
   */
  readonly storage?: Storage | undefined;
  /** How long stored values live, in milliseconds; 30 days by default. */
  readonly ttlMs?: number | undefined;
  /**
   * Binds signed data to where it was issued (needs `secret`): `"chat"`, `"user"` or
   * `"chat-and-user"`. `pack(value, ctx)` signs the chat and/or user of `ctx` into the data, and
   * unpacking in another chat or by another user fails with
   * `BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE`.
   */
  readonly bind?: "chat" | "user" | "chat-and-user" | undefined;
  /**
   * How long packed data stays valid, in milliseconds (needs `secret`): the expiry is signed
   * into the data (7 characters), and later it unpacks as `BOT_DISPATCHER_CALLBACK_DATA_EXPIRED`.
   */
  readonly expiresInMs?: number | undefined;
}

/** Where data is packed or unpacked: a `Context`, or its chat id and user. */
export interface CallbackScope {
  /** The chat the button is in. */
  readonly chatId?: number | undefined;
  /** The user who gets (or presses) the button. */
  readonly from?: { readonly id: number } | undefined;
}

const DEFAULT_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const OVERFLOW_ID = /^~([A-Za-z0-9_-]{16})$/;

const OptionsSchema = v.object({
  secret: v.optional(
    v.union(
      [
        v.pipe(
          v.string(),
          v.check((s) => Buffer.byteLength(s) >= 16, "secret must be at least 16 bytes"),
        ),
        v.pipe(
          v.instance(Uint8Array),
          v.check((b) => b.byteLength >= 16, "secret must be at least 16 bytes"),
        ),
      ],
      "secret must be a string or Uint8Array of at least 16 bytes",
    ),
  ),
  tagBytes: v.optional(
    v.pipe(
      v.number("tagBytes must be a number"),
      v.integer("tagBytes must be an integer"),
      v.minValue(4, "tagBytes must be at least 4"),
      v.maxValue(32, "tagBytes must be at most 32"),
    ),
  ),
  storage: v.optional(
    v.custom<Storage>(
      (s) =>
        typeof s === "object" &&
        s !== null &&
        typeof (s as Storage).get === "function" &&
        typeof (s as Storage).set === "function",
      "storage must implement the Storage interface",
    ),
  ),
  ttlMs: v.optional(
    v.pipe(
      v.number("ttlMs must be a number"),
      v.integer("ttlMs must be an integer"),
      v.minValue(1, "ttlMs must be positive"),
    ),
  ),
  bind: v.optional(
    v.picklist(["chat", "user", "chat-and-user"], 'bind must be "chat", "user" or "chat-and-user"'),
  ),
  expiresInMs: v.optional(
    v.pipe(
      v.number("expiresInMs must be a number"),
      v.integer("expiresInMs must be an integer"),
      v.minValue(1000, "expiresInMs must be at least 1000"),
    ),
  ),
});

const EXPIRY = /^([0-9a-z]{1,9})\./;

const PREFIX = /^[^:]{1,32}$/;

/** The structural context a codec filter reads: anything with the update, like `Context`. */
export interface UpdateHolder {
  /** The update being handled. */
  readonly update: Update;
}

type ObjectLike = { readonly type: string; readonly entries?: Record<string, unknown> };

function positionalKeys(schema: v.GenericSchema): readonly string[] | undefined {
  const s = schema as unknown as ObjectLike;
  if ((s.type === "object" || s.type === "strict_object") && typeof s.entries === "object") {
    return Object.keys(s.entries);
  }
  return undefined;
}

/** Splits `a,"b,c",[1,2]` at top-level commas, honouring JSON strings and brackets. */
function splitTopLevel(payload: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < payload.length && payload.charCodeAt(i) !== 34; i++) {
        if (payload.charCodeAt(i) === 92 /* \ */) i++;
      }
    } else if (c === 91 || c === 123 /* [ { */) {
      depth++;
    } else if (c === 93 || c === 125 /* ] } */) {
      depth--;
    } else if (c === 44 /* , */ && depth === 0) {
      out.push(payload.slice(start, i));
      start = i + 1;
    }
  }
  out.push(payload.slice(start));
  return out;
}

/**
 * A codec for one kind of callback data: `pack` a typed value into a `callback_data` string
 * and `unpack` it back, validated. Build one with {@link callbackData}.
 */
export class CallbackDataCodec<S extends v.GenericSchema> {
  /** The prefix that marks this codec's data. */
  readonly prefix: string;
  /** Matches this codec's data; usable as `bot.callbackQuery(codec.pattern, ...)`. */
  readonly pattern: RegExp;
  readonly #schema: S;
  readonly #keys: readonly string[] | undefined;
  readonly #secret: Buffer | undefined;
  readonly #tagBytes: number;
  readonly #tagChars: number;
  readonly #storage: Storage | undefined;
  readonly #ttlMs: number;
  readonly #bind: "chat" | "user" | "chat-and-user" | undefined;
  readonly #expiresInMs: number | undefined;

  /**
   * Creates a codec; prefer {@link callbackData}.
   *
   * @param prefix A 1-32 character prefix without `:`, unique among the bot's codecs.
   * @param schema A synchronous valibot schema for the value.
   * @param options Signing options.
   */
  constructor(prefix: string, schema: S, options: CallbackDataOptions = {}) {
    if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
        "callbackData: prefix must be 1-32 characters without ':'",
      );
    }
    if (typeof schema !== "object" || schema === null || (schema as { async?: unknown }).async) {
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
        "callbackData: schema must be a synchronous valibot schema",
      );
    }
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
        `callbackData: ${parsed.issues.map((i) => i.message).join("; ")}`,
      );
    }
    const {
      secret,
      tagBytes = 8,
      storage,
      ttlMs = DEFAULT_TTL_MS,
      bind,
      expiresInMs,
    } = parsed.output;
    if (secret === undefined && (bind !== undefined || expiresInMs !== undefined)) {
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
        "callbackData: bind and expiresInMs need a secret (unsigned data can be forged)",
      );
    }
    this.#bind = bind;
    this.#expiresInMs = expiresInMs;
    this.#storage = storage;
    this.#ttlMs = ttlMs;
    this.prefix = prefix;
    this.pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`);
    this.#schema = schema;
    this.#keys = positionalKeys(schema);
    this.#secret = secret === undefined ? undefined : Buffer.from(secret);
    this.#tagBytes = tagBytes;
    this.#tagChars = Math.ceil((tagBytes * 4) / 3);
  }

  #tag(body: string): string {
    const mac = createHmac("sha256", this.#secret as Buffer)
      .update(body)
      .digest();
    return mac.subarray(0, this.#tagBytes).toString("base64url");
  }

  #encode(value: unknown): string {
    const keys = this.#keys;
    if (keys === undefined) return JSON.stringify(value) ?? "";
    const record = value as Record<string, unknown>;
    const parts = keys.map((k) => (record[k] === undefined ? "" : JSON.stringify(record[k])));
    let end = parts.length;
    while (end > 0 && parts[end - 1] === "") end--;
    return parts.slice(0, end).join(",");
  }

  #decode(payload: string): unknown {
    const keys = this.#keys;
    if (keys === undefined) return payload === "" ? undefined : JSON.parse(payload);
    const parts = payload === "" ? [] : splitTopLevel(payload);
    if (parts.length > keys.length) throw new Error("too many fields");
    // pack never writes trailing empty fields: accept only that canonical form.
    if (parts.length > 0 && parts[parts.length - 1] === "") throw new Error("trailing field");
    const out: Record<string, unknown> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (part !== "") out[keys[i] as string] = JSON.parse(part);
    }
    return out;
  }

  #check(value: unknown): void {
    const checked = v.safeParse(this.#schema, value);
    if (!checked.success) {
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_VALUE",
        `callbackData "${this.prefix}": ${checked.issues.map((i) => i.message).join("; ")}`,
      );
    }
  }

  /** What the signature covers besides the data: the bound chat and user. */
  #binding(scope: CallbackScope | undefined, packing: boolean): string {
    const bind = this.#bind;
    if (bind === undefined) return "";
    const chat = scope?.chatId;
    const user = scope?.from?.id;
    const needChat = bind !== "user";
    const needUser = bind !== "chat";
    if ((needChat && chat === undefined) || (needUser && user === undefined)) {
      if (!packing) return "\u0000unbound";
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_VALUE",
        `callbackData "${this.prefix}": bound to the ${bind}, so pack(value, ctx) needs a context with ${needChat && chat === undefined ? "a chat" : "a user"}`,
      );
    }
    return `${needChat ? `\u0000c${chat}` : ""}${needUser ? `\u0000u${user}` : ""}`;
  }

  /** Prefixes, dates and signs a payload; returns it with its size in bytes. */
  #seal(payload: string, scope: CallbackScope | undefined): [string, number] {
    if (this.#secret === undefined) {
      const plain = `${this.prefix}:${payload}`;
      return [plain, Buffer.byteLength(plain)];
    }
    const expires =
      this.#expiresInMs === undefined
        ? ""
        : `${Math.ceil((Date.now() + this.#expiresInMs) / 1000).toString(36)}.`;
    const body = `${expires}${payload}`;
    const tag = this.#tag(`${this.prefix}:${body}${this.#binding(scope, true)}`);
    const data = `${this.prefix}:${tag}${body}`;
    return [data, Buffer.byteLength(data)];
  }

  #tooLong(bytes: number): FormatError {
    return new FormatError(
      "BOT_DISPATCHER_CALLBACK_DATA_TOO_LONG",
      `callbackData "${this.prefix}": packed data is ${bytes} bytes; the limit is ${CALLBACK_DATA_MAX_BYTES}`,
    );
  }

  #storageKey(generation: number, id: string): string {
    // generation 0 keeps the key of values stored before `clearStored` existed
    return generation === 0
      ? `cbdata:${this.prefix}:${id}`
      : `cbdata:${this.prefix}:${generation}:${id}`;
  }

  #generationKey(): string {
    return `cbdata:${this.prefix}:generation`;
  }

  async #generation(storage: Storage): Promise<number> {
    const entry = await storage.get(this.#generationKey());
    return typeof entry?.value === "number" ? entry.value : 0;
  }

  /**
   * Makes every value `packAsync` stored so far unreachable: their buttons unpack as
   * `BOT_DISPATCHER_CALLBACK_DATA_EXPIRED` and `expired()` recognises them. The old values stay in
   * storage until their `ttlMs` runs out. Shared by every process on the same storage.
   *
   * @returns A promise settled when the store was cleared.
   * @throws {FormatError} `BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS` when the codec has no
   *   storage.
   */
  async clearStored(): Promise<void> {
    const storage = this.#needStorage();
    for (;;) {
      const entry = await storage.get<number>(this.#generationKey());
      const next = (typeof entry?.value === "number" ? entry.value : 0) + 1;
      if (entry === undefined) {
        if (await storage.setIfAbsent(this.#generationKey(), next)) return;
      } else if (await storage.compareAndSet(this.#generationKey(), entry.version, next)) {
        return;
      }
    }
  }

  /**
   * Deletes the value one button's data points to (for one-shot buttons); other data is left.
   *
   * @param data The callback data.
   * @returns Whether a stored value was deleted.
   */
  async forget(data: string | undefined): Promise<boolean> {
    const storage = this.#needStorage();
    const payload = this.#open(data, undefined, false);
    if (typeof payload !== "string") return false;
    const overflow = OVERFLOW_ID.exec(payload);
    if (overflow === null) return false;
    const generation = await this.#generation(storage);
    return storage.delete(this.#storageKey(generation, overflow[1] as string));
  }

  #needStorage(): Storage {
    if (this.#storage === undefined) {
      throw new FormatError(
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
        `callbackData "${this.prefix}": this codec has no storage`,
      );
    }
    return this.#storage;
  }

  /**
   * Packs a value into `callback_data`.
   *
   * @param value The value, checked against the schema.
   * @param scope Where the button is issued (a `Context`): needed when the codec binds data.
   * @returns The data, at most 64 bytes of UTF-8.
   */
  pack(value: v.InferInput<S>, scope?: CallbackScope): string {
    this.#check(value);
    const [data, bytes] = this.#seal(this.#encode(value), scope);
    if (bytes > CALLBACK_DATA_MAX_BYTES) throw this.#tooLong(bytes);
    return data;
  }

  /**
   * Packs a value like `pack`, but stores a value that does not fit in 64 bytes in the
   * configured `storage` and packs a short random key instead.
   *
   * @param value The value, checked against the schema.
   * @param scope Where the button is issued (a `Context`): needed when the codec binds data.
   * @returns The data, at most 64 bytes of UTF-8.
   */
  async packAsync(value: v.InferInput<S>, scope?: CallbackScope): Promise<string> {
    this.#check(value);
    const payload = this.#encode(value);
    const [data, bytes] = this.#seal(payload, scope);
    if (bytes <= CALLBACK_DATA_MAX_BYTES) return data;
    if (this.#storage === undefined) throw this.#tooLong(bytes);
    const id = randomBytes(12).toString("base64url");
    const generation = await this.#generation(this.#storage);
    await this.#storage.set(this.#storageKey(generation, id), payload, { ttlMs: this.#ttlMs });
    return this.#seal(`~${id}`, scope)[0];
  }

  /**
   * Tells whether data carries this codec's prefix (without checking it further).
   *
   * @param data The callback data.
   * @returns Whether the prefix matches.
   */
  owns(data: string | undefined): boolean {
    return typeof data === "string" && data.startsWith(`${this.prefix}:`);
  }

  /**
   * Unpacks and validates callback data.
   *
   * @param data The callback data from `ctx.callbackQuery.data`.
   * @param scope Where the button was pressed (a `Context`): needed when the codec binds data.
   * @returns The value, as the schema outputs it.
   */
  unpack(data: string | undefined, scope?: CallbackScope): v.InferOutput<S> {
    const result = this.safeUnpack(data, scope);
    if (!result.success) throw result.error;
    return result.output;
  }

  #fail(
    code:
      | "BOT_DISPATCHER_CALLBACK_DATA_MALFORMED"
      | "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE"
      | "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED",
    why: string,
  ): { success: false; error: FormatError } {
    return {
      success: false,
      error: new FormatError(code, `callbackData "${this.prefix}": ${why}`),
    };
  }

  /**
   * Checks prefix, signature (with the binding of `scope`) and expiry; returns the payload, or
   * a failure. `checkBinding: false` skips the binding (for `forget`, which only reads the id).
   */
  #open(
    data: string | undefined,
    scope: CallbackScope | undefined,
    checkBinding = true,
  ): string | { success: false; error: FormatError } {
    if (data === undefined || !this.owns(data)) {
      return this.#fail("BOT_DISPATCHER_CALLBACK_DATA_MALFORMED", "data has another prefix");
    }
    let payload = data.slice(this.prefix.length + 1);
    if (this.#secret !== undefined) {
      const tag = payload.slice(0, this.#tagChars);
      payload = payload.slice(this.#tagChars);
      if (checkBinding || this.#bind === undefined) {
        const binding = this.#binding(scope, false);
        const expected = Buffer.from(this.#tag(`${this.prefix}:${payload}${binding}`));
        const given = Buffer.from(tag);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return this.#fail(
            "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE",
            this.#bind === undefined
              ? "the signature does not match"
              : `the signature does not match (or the button was issued to another ${this.#bind})`,
          );
        }
      }
      if (this.#expiresInMs !== undefined) {
        const m = EXPIRY.exec(payload);
        if (m === null)
          return this.#fail("BOT_DISPATCHER_CALLBACK_DATA_MALFORMED", "the expiry is missing");
        if (Number.parseInt(m[1] as string, 36) * 1000 < Date.now()) {
          return this.#fail("BOT_DISPATCHER_CALLBACK_DATA_EXPIRED", "the button has expired");
        }
        payload = payload.slice(m[0].length);
      }
    }
    return payload;
  }

  #finish(
    payload: string,
  ): { success: true; output: v.InferOutput<S> } | { success: false; error: FormatError } {
    let decoded: unknown;
    try {
      decoded = this.#decode(payload);
    } catch {
      return this.#fail("BOT_DISPATCHER_CALLBACK_DATA_MALFORMED", "the payload cannot be decoded");
    }
    const parsed = v.safeParse(this.#schema, decoded);
    if (!parsed.success) {
      return this.#fail(
        "BOT_DISPATCHER_CALLBACK_DATA_MALFORMED",
        parsed.issues.map((i) => i.message).join("; "),
      );
    }
    return { success: true, output: parsed.output };
  }

  /**
   * Unpacks and validates callback data without throwing. Data that `packAsync` put in
   * storage fails here with `BOT_DISPATCHER_CALLBACK_DATA_MALFORMED`; use `unpackAsync` for it.
   *
   * @param data The callback data.
   * @param scope Where the button was pressed (a `Context`): needed when the codec binds data.
   * @returns `{ success: true, output }` or `{ success: false, error }`.
   */
  safeUnpack(
    data: string | undefined,
    scope?: CallbackScope,
  ): { success: true; output: v.InferOutput<S> } | { success: false; error: FormatError } {
    const payload = this.#open(data, scope);
    if (typeof payload !== "string") return payload;
    if (payload.startsWith("~")) {
      return this.#fail("BOT_DISPATCHER_CALLBACK_DATA_MALFORMED", "stored data needs unpackAsync");
    }
    return this.#finish(payload);
  }

  /**
   * Unpacks and validates callback data, loading it from storage if `packAsync` stored it.
   *
   * @param data The callback data from `ctx.callbackQuery.data`.
   * @param scope Where the button was pressed (a `Context`): needed when the codec binds data.
   * @returns The value, as the schema outputs it.
   */
  async unpackAsync(data: string | undefined, scope?: CallbackScope): Promise<v.InferOutput<S>> {
    let payload = this.#open(data, scope);
    if (typeof payload !== "string") throw payload.error;
    const overflow = OVERFLOW_ID.exec(payload);
    if (overflow !== null) {
      if (this.#storage === undefined) {
        throw this.#fail("BOT_DISPATCHER_CALLBACK_DATA_MALFORMED", "stored data but no storage")
          .error;
      }
      const generation = await this.#generation(this.#storage);
      const entry = await this.#storage.get(this.#storageKey(generation, overflow[1] as string));
      if (entry === undefined || typeof entry.value !== "string") {
        throw this.#fail("BOT_DISPATCHER_CALLBACK_DATA_EXPIRED", "the stored value is gone").error;
      }
      payload = entry.value;
    }
    const result = this.#finish(payload);
    if (!result.success) throw result.error;
    return result.output;
  }

  /**
   * Makes a predicate for `bot.filter`: the update is a callback query whose data this codec
   * unpacks (signature included) and, if given, whose value has the listed fields. Data kept
   * in storage by `packAsync` passes on prefix and signature alone, and only without `match`.
   *
   * @param match Fields the unpacked value must equal (compared with `Object.is`).
   * @returns The predicate.
   */
  filter(match?: Partial<v.InferOutput<S>>): (ctx: UpdateHolder) => boolean {
    const pairs = match === undefined ? [] : Object.entries(match as object);
    return (ctx) => {
      const data = ctx.update.callback_query?.data;
      if (!this.owns(data)) return false;
      const payload = this.#open(data, scopeOf(ctx));
      if (typeof payload !== "string") return false;
      if (OVERFLOW_ID.test(payload)) return pairs.length === 0;
      const r = this.#finish(payload);
      if (!r.success) return false;
      if (pairs.length === 0) return true;
      const out = r.output as Record<string, unknown>;
      return pairs.every(([k, want]) => Object.is(out[k], want));
    };
  }

  /**
   * Makes a predicate for `bot.filter` that recognises this codec's stale buttons: data that is
   * past its `expiresInMs`, or whose stored value is gone (its `ttlMs` ran out, `forget` or
   * `clearStored` removed it). Register it before the handler of `filter()`, to answer
   * "this button has expired" instead of ignoring the press. Forged data is not stale.
   *
   * @returns The predicate (async for stored data: it reads the storage).
   */
  expired(): (ctx: UpdateHolder) => boolean | Promise<boolean> {
    return (ctx) => {
      const data = ctx.update.callback_query?.data;
      if (!this.owns(data)) return false;
      const payload = this.#open(data, scopeOf(ctx));
      if (typeof payload !== "string")
        return payload.error.code === "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED";
      const overflow = OVERFLOW_ID.exec(payload);
      const storage = this.#storage;
      if (overflow === null || storage === undefined) return false;
      return this.#generation(storage).then(async (generation) => {
        const entry = await storage.get(this.#storageKey(generation, overflow[1] as string));
        return entry === undefined;
      });
    };
  }
}

function scopeOf(ctx: UpdateHolder): CallbackScope {
  const q = ctx.update.callback_query;
  return { chatId: q?.message?.chat.id, from: q?.from };
}

/**
 * Creates a typed callback-data codec.
 *
 * @example
 * const vote = callbackData("vote", v.object({ id: v.number(), up: v.boolean() }), { secret });
 * keyboard.text("👍", vote.pack({ id: 7, up: true }));
 * bot.callbackQuery(vote.pattern, (ctx) => vote.unpack(ctx.callbackQuery.data));
 * @param prefix A 1-32 character prefix without `:`.
 * @param schema A synchronous valibot schema for the value.
 * @param options Signing (`secret`, `tagBytes`) and overflow storage (`storage`, `ttlMs`).
 * @returns The codec.
 */
export function callbackData<S extends v.GenericSchema>(
  prefix: string,
  schema: S,
  options?: CallbackDataOptions,
): CallbackDataCodec<S> {
  return new CallbackDataCodec(prefix, schema, options);
}
