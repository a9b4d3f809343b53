import { inspect } from "node:util";
import type { Update } from "@bot/types";
import fc from "fast-check";
import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { callbackData, FormatError, InlineKeyboard, MemoryStorage } from "../src/index.js";

const SECRET = "canary-secret-0123456789abcdef";

function expectFormatError(fn: () => unknown, code: string): FormatError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as FormatError).code).toBe(code);
  return caught as FormatError;
}

const Vote = v.object({ id: v.number(), up: v.boolean(), note: v.optional(v.string()) });

function cbUpdate(data: string | undefined, userId = 1, chatId?: number): { update: Update } {
  return {
    update: {
      update_id: 1,
      callback_query: {
        id: "q",
        from: { id: userId, is_bot: false, first_name: "A" },
        chat_instance: "c",
        ...(chatId === undefined
          ? {}
          : {
              message: { message_id: 5, date: 1, chat: { id: chatId, type: "group", title: "g" } },
            }),
        ...(data === undefined ? {} : { data }),
      },
    },
  } as { update: Update };
}

describe("callbackData", () => {
  it("packs objects compactly by field position and unpacks them validated", () => {
    const vote = callbackData("vote", Vote);
    expect(vote.pack({ id: 7, up: true })).toBe("vote:7,true");
    expect(vote.pack({ id: 7, up: false, note: 'a,"b"]' })).toBe('vote:7,false,"a,\\"b\\"]"');
    expect(vote.unpack("vote:7,true")).toStrictEqual({ id: 7, up: true });
    expect(vote.unpack('vote:7,false,"a,\\"b\\"]"')).toStrictEqual({
      id: 7,
      up: false,
      note: 'a,"b"]',
    });
    const data = vote.pack({ id: 1, up: true, note: "👍 ok" });
    expect(() => InlineKeyboard.text("x", data)).not.toThrow();
    expect(vote.pattern.test(data)).toBe(true);
  });

  it("round-trips non-object schemas as JSON", () => {
    const page = callbackData("page", v.pipe(v.number(), v.integer(), v.minValue(1)));
    expect(page.pack(3)).toBe("page:3");
    expect(page.unpack("page:3")).toBe(3);
    const tags = callbackData("t", v.array(v.picklist(["a", "b"])));
    expect(tags.unpack(tags.pack(["a", "b"]))).toStrictEqual(["a", "b"]);
  });

  it("rejects values the schema rejects and data over 64 bytes", () => {
    const vote = callbackData("vote", Vote);
    expectFormatError(
      () => vote.pack({ id: "7" } as never),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_VALUE",
    );
    const e = expectFormatError(
      () => vote.pack({ id: 1, up: true, note: "é".repeat(30) }),
      "BOT_DISPATCHER_CALLBACK_DATA_TOO_LONG",
    );
    expect(e.message).toMatch(/bytes; the limit is 64/);
    expect(() =>
      vote.pack({ id: 1, up: true, note: "a".repeat(64 - 'vote:1,true,""'.length) }),
    ).not.toThrow();
  });

  it("rejects foreign, malformed and schema-breaking data with a typed error", () => {
    const vote = callbackData("vote", Vote);
    for (const bad of [
      "other:1,true",
      "vote:",
      "vote:1,true,",
      "vote:x,true",
      "vote:1,true,3",
      'vote:1,true,"x",4',
      undefined,
    ]) {
      expectFormatError(() => vote.unpack(bad), "BOT_DISPATCHER_CALLBACK_DATA_MALFORMED");
    }
    expect(vote.safeUnpack("vote:{").success).toBe(false);
  });

  it("signs with a truncated HMAC and refuses forged or altered data", () => {
    const vote = callbackData("vote", Vote, { secret: SECRET });
    const data = vote.pack({ id: 7, up: true });
    expect(data).toMatch(/^vote:[A-Za-z0-9_-]{11}7,true$/);
    expect(vote.unpack(data)).toStrictEqual({ id: 7, up: true });
    expectFormatError(
      () => vote.unpack(data.replace("7,true", "8,true")),
      "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE",
    );
    expectFormatError(
      () => vote.unpack("vote:7,true"),
      "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE",
    );
    const other = callbackData("vote", Vote, { secret: `${SECRET}x` });
    expectFormatError(() => other.unpack(data), "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE");
    const short = callbackData("vote", Vote, {
      secret: new TextEncoder().encode(SECRET),
      tagBytes: 4,
    });
    expect(short.pack({ id: 7, up: true })).toMatch(/^vote:[A-Za-z0-9_-]{6}7,true$/);
    expect(short.unpack(short.pack({ id: 7, up: true }))).toStrictEqual({ id: 7, up: true });
  });

  it("never shows the secret in errors, inspect or JSON", () => {
    const vote = callbackData("vote", Vote, { secret: SECRET });
    expect(inspect(vote, { depth: 5, showHidden: true })).not.toContain(SECRET);
    expect(JSON.stringify(vote)).not.toContain(SECRET);
    const e = expectFormatError(
      () => callbackData("v", Vote, { secret: "short-canary" }),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
    );
    expect(`${e.message} ${e.stack}`).not.toContain("short-canary");
    expect(e.message).toMatch(/^@bot\/dispatcher: callbackData: secret must be at least 16 bytes/);
  });

  it("validates its options", () => {
    expectFormatError(() => callbackData("", Vote), "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS");
    expectFormatError(
      () => callbackData("a:b", Vote),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
    );
    expectFormatError(
      () => callbackData("a", Vote, { secret: SECRET, tagBytes: 2 }),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
    );
    expectFormatError(
      () => callbackData("a", v.pipeAsync(v.string()) as never),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
    );
  });

  it("filters updates by prefix, signature and field values", () => {
    const vote = callbackData("vote", Vote, { secret: SECRET });
    const up = vote.filter({ up: true });
    const any = vote.filter();
    expect(up(cbUpdate(vote.pack({ id: 1, up: true })))).toBe(true);
    expect(up(cbUpdate(vote.pack({ id: 1, up: false })))).toBe(false);
    expect(any(cbUpdate(vote.pack({ id: 1, up: false })))).toBe(true);
    expect(any(cbUpdate("vote:AAAAAAAAAAA1,true"))).toBe(false);
    expect(any(cbUpdate("other:1"))).toBe(false);
    expect(any(cbUpdate(undefined))).toBe(false);
    expect(any({ update: { update_id: 2 } })).toBe(false);
  });

  it("keeps optional fields and escaping prefixes in the pattern", () => {
    const c = callbackData(
      "a.b",
      v.object({ x: v.optional(v.number()), y: v.optional(v.number()) }),
    );
    expect(c.pack({ y: 2 })).toBe("a.b:,2");
    expect(c.unpack("a.b:,2")).toStrictEqual({ y: 2 });
    expect(c.pack({})).toBe("a.b:");
    expect(c.pattern.test("aXb:1")).toBe(false);
  });

  it("round-trips any value that fits, signed or not, and refuses the rest with a typed error", () => {
    const plain = callbackData("p", Vote);
    const signed = callbackData("s", Vote, { secret: SECRET });
    const value = fc.record(
      {
        id: fc.double({ noNaN: true, noDefaultInfinity: true }),
        up: fc.boolean(),
        note: fc.string({ unit: "binary", maxLength: 40 }),
      },
      { requiredKeys: ["id", "up"] },
    );
    fc.assert(
      fc.property(value, (val) => {
        for (const codec of [plain, signed]) {
          let data: string;
          try {
            data = codec.pack(val);
          } catch (err) {
            expect((err as FormatError).code).toBe("BOT_DISPATCHER_CALLBACK_DATA_TOO_LONG");
            continue;
          }
          expect(new TextEncoder().encode(data).length).toBeLessThanOrEqual(64);
          const back = codec.unpack(data);
          expect(back).toStrictEqual(JSON.parse(JSON.stringify(val)));
        }
      }),
    );
  });

  it("packAsync keeps long values in storage behind a short key, until the TTL", async () => {
    let now = 1_000_000;
    const storage = new MemoryStorage({ now: () => now });
    const Note = v.object({ id: v.number(), note: v.string() });
    const codec = callbackData("note", Note, { secret: SECRET, storage, ttlMs: 60_000 });
    const long = { id: 1, note: "x".repeat(200) };
    expectFormatError(() => codec.pack(long), "BOT_DISPATCHER_CALLBACK_DATA_TOO_LONG");
    const data = await codec.packAsync(long);
    expect(data).toMatch(/^note:[A-Za-z0-9_-]{11}~[A-Za-z0-9_-]{16}$/);
    expect(() => InlineKeyboard.text("x", data)).not.toThrow();
    expect(await codec.unpackAsync(data)).toStrictEqual(long);
    // Short values stay inline, and unpackAsync reads both kinds.
    const short = await codec.packAsync({ id: 2, note: "hi" });
    expect(short.endsWith('2,"hi"')).toBe(true);
    expect(await codec.unpackAsync(short)).toStrictEqual({ id: 2, note: "hi" });
    // The sync API and the filter know stored data only by prefix and signature.
    expect(codec.safeUnpack(data)).toMatchObject({
      success: false,
      error: { code: "BOT_DISPATCHER_CALLBACK_DATA_MALFORMED" },
    });
    expect(codec.filter()(cbUpdate(data))).toBe(true);
    expect(codec.filter({ id: 1 })(cbUpdate(data))).toBe(false);
    // A forged key fails the signature before storage is read. (The last character is changed to
    // one it is not: a fixed replacement equals the signature's own last character 1 time in 64.)
    const last = data.endsWith("A") ? "B" : "A";
    await expect(codec.unpackAsync(`${data.slice(0, -1)}${last}`)).rejects.toMatchObject({
      code: "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE",
    });
    now += 60_001;
    await expect(codec.unpackAsync(data)).rejects.toMatchObject({
      code: "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED",
    });
  });

  it("packAsync without storage fails like pack, and storage must look like a Storage", async () => {
    const codec = callbackData("n", v.string());
    await expect(codec.packAsync("x".repeat(100))).rejects.toMatchObject({
      code: "BOT_DISPATCHER_CALLBACK_DATA_TOO_LONG",
    });
    expect(await codec.unpackAsync(await codec.packAsync("ok"))).toBe("ok");
    await expect(codec.unpackAsync("n:~AAAAAAAAAAAAAAAA")).rejects.toMatchObject({
      code: "BOT_DISPATCHER_CALLBACK_DATA_MALFORMED",
    });
    expectFormatError(
      () => callbackData("n", v.string(), { storage: {} as never }),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
    );
    expectFormatError(
      () => callbackData("n", v.string(), { ttlMs: 0 }),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
    );
  });

  it("binds signed data to the chat and user it was issued for", () => {
    const codec = callbackData("vote", Vote, { secret: SECRET, bind: "chat-and-user" });
    const alice = { chatId: -10, from: { id: 1 } };
    const data = codec.pack({ id: 7, up: true }, alice);
    expect(codec.unpack(data, alice)).toStrictEqual({ id: 7, up: true });
    expect(codec.safeUnpack(data, { chatId: -10, from: { id: 2 } })).toMatchObject({
      success: false,
      error: { code: "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE" },
    });
    expect(codec.safeUnpack(data, { chatId: -11, from: { id: 1 } })).toMatchObject({
      success: false,
      error: { code: "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE" },
    });
    expect(codec.safeUnpack(data)).toMatchObject({ success: false });
    expect(codec.filter()(cbUpdate(data, 1, -10))).toBe(true);
    expect(codec.filter()(cbUpdate(data, 2, -10))).toBe(false);
    expect(codec.filter()(cbUpdate(data, 1, -11))).toBe(false);
    expectFormatError(
      () => codec.pack({ id: 7, up: true }),
      "BOT_DISPATCHER_CALLBACK_DATA_INVALID_VALUE",
    );
    const byUser = callbackData("u", Vote, { secret: SECRET, bind: "user" });
    const anywhere = byUser.pack({ id: 1, up: false }, { from: { id: 3 } });
    expect(byUser.filter()(cbUpdate(anywhere, 3, -99))).toBe(true);
    expect(byUser.filter()(cbUpdate(anywhere, 4, -99))).toBe(false);
  });

  describe("expiry and stale buttons", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("signed data expires: unpack says BOT_DISPATCHER_CALLBACK_DATA_EXPIRED, expired() recognises it, filter() does not match", async () => {
      vi.useFakeTimers({ toFake: ["Date"], now: 1_700_000_000_000 });
      const codec = callbackData("vote", Vote, { secret: SECRET, expiresInMs: 60_000 });
      const data = codec.pack({ id: 7, up: true });
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(codec.unpack(data)).toStrictEqual({ id: 7, up: true });
      expect(await codec.expired()(cbUpdate(data))).toBe(false);
      vi.setSystemTime(1_700_000_000_000 + 61_000);
      expectFormatError(() => codec.unpack(data), "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED");
      expect(await codec.expired()(cbUpdate(data))).toBe(true);
      expect(codec.filter()(cbUpdate(data))).toBe(false);
      // a forged expiry breaks the signature, and forged data is not "stale"
      const forged = data.replace(/^(vote:.{11})[0-9a-z]+\./, "$1zzzzzzz.");
      expectFormatError(() => codec.unpack(forged), "BOT_DISPATCHER_CALLBACK_DATA_BAD_SIGNATURE");
      expect(await codec.expired()(cbUpdate(forged))).toBe(false);
    });

    it("clearStored makes every stored value stale; forget removes one", async () => {
      const storage = new MemoryStorage();
      const Note = v.object({ id: v.number(), note: v.string() });
      const codec = callbackData("note", Note, { secret: SECRET, storage });
      const one = await codec.packAsync({ id: 1, note: "x".repeat(100) });
      const two = await codec.packAsync({ id: 2, note: "y".repeat(100) });
      expect(await codec.expired()(cbUpdate(one))).toBe(false);
      expect(await codec.forget(one)).toBe(true);
      await expect(codec.unpackAsync(one)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED",
      });
      expect(await codec.expired()(cbUpdate(one))).toBe(true);
      expect(await codec.unpackAsync(two)).toMatchObject({ id: 2 });
      await codec.clearStored();
      await expect(codec.unpackAsync(two)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED",
      });
      expect(await codec.expired()(cbUpdate(two))).toBe(true);
      const three = await codec.packAsync({ id: 3, note: "z".repeat(100) });
      expect(await codec.unpackAsync(three)).toMatchObject({ id: 3 });
      await codec.clearStored();
      await expect(codec.unpackAsync(three)).rejects.toMatchObject({
        code: "BOT_DISPATCHER_CALLBACK_DATA_EXPIRED",
      });
    });

    it("bind and expiresInMs need a secret; clearStored needs storage", async () => {
      expectFormatError(
        () => callbackData("n", v.string(), { bind: "user" }),
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
      );
      expectFormatError(
        () => callbackData("n", v.string(), { expiresInMs: 60_000 }),
        "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
      );
      await expect(callbackData("n", v.string()).clearStored()).rejects.toMatchObject({
        code: "BOT_DISPATCHER_CALLBACK_DATA_INVALID_OPTIONS",
      });
    });
  });
});
