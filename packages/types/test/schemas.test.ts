import { readFileSync } from "node:fs";
import { specPath } from "@bot/codegen";
import { describe, expect, it } from "vitest";
import { UPDATE_KINDS, UPDATE_PAYLOAD_TYPES, type UpdateKind } from "../src/index.ts";
import {
  ChatMemberSchema,
  MessageSchema,
  parseUpdate,
  safeParseUpdate,
  UpdateValidationError,
} from "../src/schemas.ts";
import { sampler } from "./samples.ts";

const spec = JSON.parse(readFileSync(specPath(), "utf8"));
const sample = sampler(spec);
const kinds = Object.keys(UPDATE_KINDS) as UpdateKind[];

function updateOf(kind: UpdateKind, payload: unknown = sample(UPDATE_PAYLOAD_TYPES[kind])) {
  return { update_id: 100, [kind]: payload };
}

/** The first required field of the kind's payload, and a value of the wrong type for it. */
function firstRequired(kind: UpdateKind): { name: string; wrong: unknown } {
  const t = spec.types[UPDATE_PAYLOAD_TYPES[kind]];
  const f = t.fields.find((x: { required: boolean }) => x.required);
  const primitive = f.types[0] === "String" ? 12345 : "not-the-right-type";
  return { name: f.name, wrong: primitive };
}

const realistic = {
  update_id: 7001,
  message: {
    message_id: 12,
    from: { id: 42, is_bot: false, first_name: "Zoë", username: "zoe", language_code: "en" },
    chat: { id: 42, type: "private", first_name: "Zoë", username: "zoe" },
    date: 1_764_000_000,
    text: "/start ref_abc 👋",
    entities: [{ type: "bot_command", offset: 0, length: 6 }],
    reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] },
    forward_origin: {
      type: "user",
      date: 1,
      sender_user: { id: 9, is_bot: false, first_name: "X" },
    },
    pinned_message: { chat: { id: 42, type: "private" }, message_id: 3, date: 0 },
  },
};

describe("UpdateSchema: every update kind", () => {
  it("covers all 27 update kinds of the spec", () => {
    expect(kinds).toHaveLength(27);
  });

  for (const kind of kinds) {
    describe(kind, () => {
      it("accepts a valid update", () => {
        const result = safeParseUpdate(updateOf(kind));
        expect(result.success, result.success ? "" : result.error.message).toBe(true);
      });

      it("keeps unknown extra fields (Telegram adds fields often)", () => {
        const payload = {
          ...(sample(UPDATE_PAYLOAD_TYPES[kind]) as object),
          field_from_the_future: { a: 1 },
        };
        const result = safeParseUpdate(updateOf(kind, payload));
        expect(result.success).toBe(true);
        if (result.success) {
          expect(
            (result.output as unknown as Record<string, Record<string, unknown>>)[kind]
              ?.field_from_the_future,
          ).toEqual({ a: 1 });
        }
      });

      it("rejects a wrong type with the path of the bad field", () => {
        const { name, wrong } = firstRequired(kind);
        const payload = { ...(sample(UPDATE_PAYLOAD_TYPES[kind]) as object), [name]: wrong };
        const result = safeParseUpdate(updateOf(kind, payload));
        expect(result.success).toBe(false);
        if (!result.success) expect(result.error.path).toBe(`${kind}.${name}`);
      });

      it("rejects a missing required field", () => {
        const { name } = firstRequired(kind);
        const payload = { ...(sample(UPDATE_PAYLOAD_TYPES[kind]) as Record<string, unknown>) };
        delete payload[name];
        const result = safeParseUpdate(updateOf(kind, payload));
        expect(result.success).toBe(false);
        if (!result.success) expect(result.error.path).toBe(`${kind}.${name}`);
      });

      it("rejects a payload that is not an object", () => {
        const result = safeParseUpdate(updateOf(kind, "hello"));
        expect(result.success).toBe(false);
        if (!result.success) expect(result.error.path).toBe(kind);
      });
    });
  }
});

describe("UpdateSchema: details", () => {
  it("accepts a realistic message update and keeps its values", () => {
    const update = parseUpdate(realistic);
    expect(update.message?.text).toBe("/start ref_abc 👋");
    expect(update.message?.forward_origin?.type).toBe("user");
    expect(update.message?.pinned_message?.date).toBe(0);
  });

  it("rejects a non-object, a missing update_id and a fractional update_id", () => {
    expect(safeParseUpdate(null).success).toBe(false);
    expect(safeParseUpdate("{}").success).toBe(false);
    expect(safeParseUpdate({ message: realistic.message }).success).toBe(false);
    expect(safeParseUpdate({ update_id: 1.5 }).success).toBe(false);
  });

  it("names deep paths", () => {
    const bad = structuredClone(realistic);
    (bad.message.from as Record<string, unknown>).id = "42";
    const result = safeParseUpdate(bad);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.path).toBe("message.from.id");
  });

  it("validates known union members strictly and accepts unknown members", () => {
    const knownButBroken = structuredClone(realistic);
    delete (knownButBroken.message.forward_origin as Record<string, unknown>).sender_user;
    const r1 = safeParseUpdate(knownButBroken);
    expect(r1.success).toBe(false);
    if (!r1.success) expect(r1.error.path).toBe("message.forward_origin.sender_user");

    const future = structuredClone(realistic);
    (future.message as Record<string, unknown>).forward_origin = { type: "spaceship", date: 5 };
    expect(safeParseUpdate(future).success).toBe(true);
  });

  it("tells inaccessible messages apart by date 0", () => {
    const m = structuredClone(realistic);
    (m.message as Record<string, unknown>).pinned_message = {
      chat: { id: 1, type: "group" },
      message_id: 1,
      date: 5,
    };
    // date 5 means a full Message, which needs more fields than this
    expect(safeParseUpdate(m).success).toBe(true);
    const broken = structuredClone(realistic);
    (broken.message as Record<string, unknown>).pinned_message = { message_id: 1, date: 0 };
    expect(safeParseUpdate(broken).success).toBe(false);
  });

  it("never lets __proto__ reach an object prototype", () => {
    const hostile = JSON.parse(
      '{"update_id":1,"__proto__":{"polluted":true},"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private","__proto__":{"polluted":true}},"constructor":{"prototype":{"polluted":true}}}}',
    );
    const result = safeParseUpdate(hostile);
    expect(result.success).toBe(true);
    if (result.success) {
      expect(Object.getPrototypeOf(result.output)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(result.output.message?.chat)).toBe(Object.prototype);
      expect((result.output as unknown as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.hasOwn(result.output.message ?? {}, "constructor")).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("throws a branded, coded error from parseUpdate", () => {
    let caught: unknown;
    try {
      parseUpdate({ update_id: "x" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UpdateValidationError);
    expect((caught as UpdateValidationError).code).toBe("BOT_TYPES_INVALID_UPDATE");
    expect((caught as UpdateValidationError).path).toBe("update_id");
    expect(new Error("x")).not.toBeInstanceOf(UpdateValidationError);
  });

  it("exports schemas for nested types", () => {
    expect(MessageSchema.type).toBe("loose_object");
    expect(ChatMemberSchema).toBeDefined();
  });
});
