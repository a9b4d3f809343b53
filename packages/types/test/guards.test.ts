import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { isCleanUpdate } from "../src/generated/guards.ts";
import { UPDATE_KINDS, UPDATE_PAYLOAD_TYPES, type UpdateKind } from "../src/index.ts";
import { UpdateSchema } from "../src/schemas.ts";
import { sampler } from "./samples.ts";
import { specPath } from "./spec-path.ts";

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
