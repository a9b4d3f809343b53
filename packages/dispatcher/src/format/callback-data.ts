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
});

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
        "CALLBACK_DATA_INVALID_OPTIONS",
        "callbackData: prefix must be 1-32 characters without ':'",
      );
    }
    if (typeof schema !== "object" || schema === null || (schema as { async?: unknown }).async) {
      throw new FormatError(
        "CALLBACK_DATA_INVALID_OPTIONS",
        "callbackData: schema must be a synchronous valibot schema",
      );
    }
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new FormatError(
        "CALLBACK_DATA_INVALID_OPTIONS",
        `callbackData: ${parsed.issues.map((i) => i.message).join("; ")}`,
      );
    }
    const { secret, tagBytes = 8, storage, ttlMs = DEFAULT_TTL_MS } = parsed.output;
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
        "CALLBACK_DATA_INVALID_VALUE",
        `callbackData "${this.prefix}": ${checked.issues.map((i) => i.message).join("; ")}`,
      );
    }
  }

  /** Prefixes and signs a payload; returns it with its size in bytes. */
  #seal(payload: string): [string, number] {
    const data =
      this.#secret === undefined
        ? `${this.prefix}:${payload}`
        : `${this.prefix}:${this.#tag(`${this.prefix}:${payload}`)}${payload}`;
    return [data, Buffer.byteLength(data)];
  }

  #tooLong(bytes: number): FormatError {
    return new FormatError(
      "CALLBACK_DATA_TOO_LONG",
      `callbackData "${this.prefix}": packed data is ${bytes} bytes; the limit is ${CALLBACK_DATA_MAX_BYTES}`,
    );
  }

  #storageKey(id: string): string {
    return `cbdata:${this.prefix}:${id}`;
  }

  /**
   * Packs a value into `callback_data`.
   *
   * @param value The value, checked against the schema.
   * @returns The data, at most 64 bytes of UTF-8.
   */
  pack(value: v.InferInput<S>): string {
    this.#check(value);
    const [data, bytes] = this.#seal(this.#encode(value));
    if (bytes > CALLBACK_DATA_MAX_BYTES) throw this.#tooLong(bytes);
    return data;
  }

  /**
   * Packs a value like `pack`, but stores a value that does not fit in 64 bytes in the
   * configured `storage` and packs a short random key instead.
   *
   * @param value The value, checked against the schema.
   * @returns The data, at most 64 bytes of UTF-8.
   */
  async packAsync(value: v.InferInput<S>): Promise<string> {
    this.#check(value);
    const payload = this.#encode(value);
    const [data, bytes] = this.#seal(payload);
    if (bytes <= CALLBACK_DATA_MAX_BYTES) return data;
    if (this.#storage === undefined) throw this.#tooLong(bytes);
    const id = randomBytes(12).toString("base64url");
    await this.#storage.set(this.#storageKey(id), payload, { ttlMs: this.#ttlMs });
    return this.#seal(`~${id}`)[0];
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
   * @returns The value, as the schema outputs it.
   */
  unpack(data: string | undefined): v.InferOutput<S> {
    const result = this.safeUnpack(data);
    if (!result.success) throw result.error;
    return result.output;
  }

  #fail(
    code: "CALLBACK_DATA_MALFORMED" | "CALLBACK_DATA_BAD_SIGNATURE" | "CALLBACK_DATA_EXPIRED",
    why: string,
  ): { success: false; error: FormatError } {
    return {
      success: false,
      error: new FormatError(code, `callbackData "${this.prefix}": ${why}`),
    };
  }

  /** Checks prefix and signature; returns the payload, or a failure. */
  #open(data: string | undefined): string | { success: false; error: FormatError } {
    if (data === undefined || !this.owns(data)) {
      return this.#fail("CALLBACK_DATA_MALFORMED", "data has another prefix");
    }
    let payload = data.slice(this.prefix.length + 1);
    if (this.#secret !== undefined) {
      const tag = payload.slice(0, this.#tagChars);
      payload = payload.slice(this.#tagChars);
      const expected = Buffer.from(this.#tag(`${this.prefix}:${payload}`));
      const given = Buffer.from(tag);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return this.#fail("CALLBACK_DATA_BAD_SIGNATURE", "the signature does not match");
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
      return this.#fail("CALLBACK_DATA_MALFORMED", "the payload cannot be decoded");
    }
    const parsed = v.safeParse(this.#schema, decoded);
    if (!parsed.success) {
      return this.#fail("CALLBACK_DATA_MALFORMED", parsed.issues.map((i) => i.message).join("; "));
    }
    return { success: true, output: parsed.output };
  }

  /**
   * Unpacks and validates callback data without throwing. Data that `packAsync` put in
   * storage fails here with `CALLBACK_DATA_MALFORMED`; use `unpackAsync` for it.
   *
   * @param data The callback data.
   * @returns `{ success: true, output }` or `{ success: false, error }`.
   */
  safeUnpack(
    data: string | undefined,
  ): { success: true; output: v.InferOutput<S> } | { success: false; error: FormatError } {
    const payload = this.#open(data);
    if (typeof payload !== "string") return payload;
    if (payload.startsWith("~")) {
      return this.#fail("CALLBACK_DATA_MALFORMED", "stored data needs unpackAsync");
    }
    return this.#finish(payload);
  }

  /**
   * Unpacks and validates callback data, loading it from storage if `packAsync` stored it.
   *
   * @param data The callback data from `ctx.callbackQuery.data`.
   * @returns The value, as the schema outputs it.
   */
  async unpackAsync(data: string | undefined): Promise<v.InferOutput<S>> {
    let payload = this.#open(data);
    if (typeof payload !== "string") throw payload.error;
    const overflow = OVERFLOW_ID.exec(payload);
    if (overflow !== null) {
      if (this.#storage === undefined) {
        throw this.#fail("CALLBACK_DATA_MALFORMED", "stored data but no storage").error;
      }
      const entry = await this.#storage.get(this.#storageKey(overflow[1] as string));
      if (entry === undefined || typeof entry.value !== "string") {
        throw this.#fail("CALLBACK_DATA_EXPIRED", "the stored value is gone").error;
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
      const payload = this.#open(data);
      if (typeof payload !== "string") return false;
      if (OVERFLOW_ID.test(payload)) return pairs.length === 0;
      const r = this.#finish(payload);
      if (!r.success) return false;
      if (pairs.length === 0) return true;
      const out = r.output as Record<string, unknown>;
      return pairs.every(([k, want]) => Object.is(out[k], want));
    };
  }
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
