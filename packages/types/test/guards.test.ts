import { readFileSync } from "node:fs";
import { specPath } from "@bot/codegen";
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { isCleanUpdate } from "../src/generated/guards.ts";
import { UPDATE_KINDS, UPDATE_PAYLOAD_TYPES, type UpdateKind } from "../src/index.ts";
import { UpdateSchema } from "../src/schemas.ts";
import { sampler } from "./samples.ts";

const spec = JSON.parse(readFileSync(specPath(), "utf8"));
const sample = sampler(spec);
const kinds = Object.keys(UPDATE_KINDS) as UpdateKind[];
const valid = kinds.map((kind) => ({ update_id: 1, [kind]: sample(UPDATE_PAYLOAD_TYPES[kind]) }));

/** Every path to a value inside a JSON value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [
    prefix,
    ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], [...prefix, k])),
  ];
}

function setAt(root: unknown, path: (string | number)[], next: unknown): unknown {
  if (path.length === 0) return next;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = next;
  return copy;
}

const replacement = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constant(JSON.parse('{"__proto__":{"x":1}}')),
  fc.constantFrom("creator", "user", "private", "photo", 0),
);

describe("generated guards (the fast path of safeParseUpdate)", () => {
  it("accept a valid update of every kind", () => {
    for (const u of valid) expect(isCleanUpdate(u)).toBe(true);
  });

  it("never accept what the schema rejects or would change (property)", () => {
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.nat(), replacement, (k, p, next) => {
        const base = valid[k];
        const all = paths(base);
        const mutated = setAt(base, all[p % all.length] as (string | number)[], next);
        if (isCleanUpdate(mutated)) {
          const r = v.safeParse(UpdateSchema, mutated);
          expect(r.success).toBe(true);
          if (r.success) expect(r.output).toEqual(mutated);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("never accept an object that holds a __proto__, constructor or prototype key (property)", () => {
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.nat(),
        fc.constantFrom("__proto__", "constructor", "prototype"),
        fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant({}), fc.constant([])),
        (k, p, key, value) => {
          const base = valid[k];
          const objects = paths(base).filter((path) => {
            const at = path.reduce<unknown>((o, seg) => (o as Record<string, unknown>)[seg], base);
            return typeof at === "object" && at !== null && !Array.isArray(at);
          });
          const path = objects[p % objects.length] as (string | number)[];
          // Through JSON text, as from the wire: the key is an own data property.
          const text = JSON.stringify(base);
          const mutated = JSON.parse(text);
          const target = path.reduce((o, seg) => o[seg], mutated);
          Object.defineProperty(target, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          const wire = JSON.parse(JSON.stringify(mutated));
          expect(isCleanUpdate(wire)).toBe(false);
          expect(isCleanUpdate(mutated)).toBe(false);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("check unknown union members for forbidden keys too", () => {
    const u = JSON.parse(
      '{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"forward_origin":{"type":"future","date":1,"__proto__":{"x":1}}}}',
    );
    expect(isCleanUpdate(u)).toBe(false);
    const clean = JSON.parse(
      '{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"forward_origin":{"type":"future","date":1}}}',
    );
    expect(isCleanUpdate(clean)).toBe(true);
  });

  it("leave objects with forbidden keys to the schema", () => {
    const u = JSON.parse(
      '{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private","constructor":1}}}',
    );
    expect(isCleanUpdate(u)).toBe(false);
    expect(v.safeParse(UpdateSchema, u).success).toBe(true);
  });

  it("reject a wrong type deep inside", () => {
    const u = structuredClone(valid[0]) as unknown as { message: { chat: { id: unknown } } };
    u.message.chat.id = "1";
    expect(isCleanUpdate(u)).toBe(false);
  });
});
