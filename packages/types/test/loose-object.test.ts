import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { arrayFast, looseObjectFast } from "../src/loose-object.ts";

const inner = {
  id: v.pipe(v.number(), v.integer()),
  name: v.optional(v.string()),
};
const entries = (
  obj: (e: v.ObjectEntries) => v.GenericSchema,
  arr: (item: v.GenericSchema) => v.GenericSchema,
) => ({
  kind: v.literal("a"),
  count: v.number(),
  label: v.optional(v.string()),
  child: v.optional(obj(inner)),
  list: v.optional(arr(obj(inner))),
  grid: v.optional(arr(arr(v.number()))),
});
const fast = looseObjectFast(entries((e) => looseObjectFast(e), arrayFast));
const reference = v.looseObject(entries((e) => v.looseObject(e), v.array));

const value = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant("a"),
  fc.record(
    { id: fc.oneof(fc.integer(), fc.string()), name: fc.oneof(fc.string(), fc.integer()) },
    { requiredKeys: [] },
  ),
);
const input = fc.oneof(
  value,
  fc.dictionary(
    fc.constantFrom(
      "kind",
      "count",
      "label",
      "child",
      "list",
      "extra",
      "__proto__",
      "constructor",
      "prototype",
      "toString",
    ),
    fc.oneof(value, fc.array(value, { maxLength: 3 })),
  ),
  fc.record({ kind: fc.constant("a"), count: fc.integer(), label: fc.string() }),
);

function outcome(schema: v.GenericSchema, data: unknown) {
  const r = v.safeParse(schema, data);
  return r.success
    ? { ok: true, output: r.output }
    : {
        ok: false,
        issues: r.issues.map((i) => ({ message: i.message, path: i.path?.map((p) => p.key) })),
      };
}

describe("looseObjectFast", () => {
  it("gives exactly valibot's looseObject results: outputs, issues and paths", () => {
    fc.assert(
      fc.property(input, (data) => {
        expect(outcome(fast, data)).toEqual(outcome(reference, data));
      }),
      { numRuns: 3000 },
    );
  });

  it("drops __proto__, prototype and constructor keys", () => {
    const data = JSON.parse(
      '{"kind":"a","count":1,"__proto__":{"x":1},"constructor":1,"prototype":2,"extra":3}',
    );
    const r = v.parse(fast, data) as Record<string, unknown>;
    expect(Object.keys(r).sort()).toEqual(["count", "extra", "kind"]);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });

  it("returns a valid input as it is, without copying", () => {
    const data = {
      kind: "a",
      count: 1,
      child: { id: 1 },
      list: [{ id: 2, name: "x" }],
      grid: [[1, 2]],
      extra: { y: 1 },
    };
    const out = v.parse(fast, data) as typeof data;
    expect(out).toBe(data);
    expect(out.list).toBe(data.list);
  });

  it("copies only what it must when a nested key has to be dropped", () => {
    const data = JSON.parse(
      '{"kind":"a","count":1,"child":{"id":1,"__proto__":{"x":1}},"extra":[1]}',
    );
    const out = v.parse(fast, data) as Record<string, Record<string, unknown>>;
    expect(out).not.toBe(data);
    expect(Object.hasOwn(out.child!, "__proto__")).toBe(false);
    expect(out.extra).toBe(data.extra);
  });

  it("works inside variant", () => {
    const a = looseObjectFast({ type: v.literal("a"), x: v.number() });
    const b = looseObjectFast({ type: v.literal("b"), y: v.string() });
    const schema = v.variant("type", [a, b] as never) as v.GenericSchema;
    expect(v.safeParse(schema, { type: "b", y: "ok" }).success).toBe(true);
    expect(v.safeParse(schema, { type: "b", y: 1 }).success).toBe(false);
    expect(v.safeParse(schema, { type: "c" }).success).toBe(false);
  });
});

describe("looseObjectFast: nested failures", () => {
  type Node = { id: unknown; tags?: unknown; next?: unknown };
  const fastNode: v.GenericSchema = looseObjectFast({
    id: v.pipe(v.number(), v.integer()),
    tags: v.optional(arrayFast(v.string())),
    next: v.optional(v.lazy(() => fastNode)),
  });
  const refNode: v.GenericSchema = v.looseObject({
    id: v.pipe(v.number(), v.integer()),
    tags: v.optional(v.array(v.string())),
    next: v.optional(v.lazy(() => refNode)),
  });
  const build = (depth: number, bad: number, what: number): Node => {
    let node: Node = { id: 0, tags: ["a"] };
    for (let i = 1; i <= depth; i++) node = { id: i, tags: ["a", "b"], next: node };
    let at: Node = node;
    for (let i = 0; i < bad % (depth + 1); i++) at = at.next as Node;
    if (what === 0) at.id = "x";
    else if (what === 1) at.tags = ["a", 2];
    else if (what === 2) delete (at as Partial<Node>).id;
    return node;
  };

  it("gives valibot's issues and paths for a bad field at any depth, in one retry", () => {
    fc.assert(
      fc.property(fc.nat(20), fc.nat(), fc.nat(3), (depth, bad, what) => {
        const data = build(depth, bad, what);
        expect(outcome(fastNode, data)).toEqual(outcome(refNode, data));
      }),
      { numRuns: 500 },
    );
  });

  it("an array at the root keeps the retry to one pass", () => {
    const list = arrayFast(fastNode);
    const data = [build(3, 0, 3), build(5, 2, 0)];
    expect(outcome(list, data)).toEqual(outcome(v.array(refNode), data));
  });
});
