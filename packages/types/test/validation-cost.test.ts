import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCleanUpdate } from "../src/generated/guards.ts";
import { MAX_OBJECT_DEPTH, safeParseUpdate } from "../src/schemas.ts";

// The cost of validation is measured in operations, never in time: every object and array
// of the input is wrapped in a Proxy that counts each property read, key listing, `in` and
// prototype lookup. The meter throws once a budget linear in the input's size is spent, so
// an input that would take exponential work fails fast instead of blocking the run.

class BudgetExceeded extends Error {}

interface Meter {
  ops: number;
  budget: number;
}

/** Per value of the input: a valid update costs about 12 operations per value (the guard reads
 * each field of the schema once), a refused one up to 30 (guard, fast pass, slow pass). */
const OPS_PER_VALUE = 100;

function metered<T>(value: T, meter: Meter): T {
  if (typeof value !== "object" || value === null) return value;
  const target = (
    Array.isArray(value)
      ? value.map((x) => metered(x, meter))
      : Object.fromEntries(Object.entries(value).map(([k, x]) => [k, metered(x, meter)]))
  ) as object;
  const tick = () => {
    meter.ops++;
    if (meter.ops > meter.budget) throw new BudgetExceeded(`more than ${meter.budget} operations`);
  };
  return new Proxy(target, {
    get: (t, k, r) => {
      tick();
      return Reflect.get(t, k, r);
    },
    has: (t, k) => {
      tick();
      return Reflect.has(t, k);
    },
    ownKeys: (t) => {
      tick();
      return Reflect.ownKeys(t);
    },
    getOwnPropertyDescriptor: (t, k) => {
      tick();
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    getPrototypeOf: (t) => {
      tick();
      return Reflect.getPrototypeOf(t);
    },
  }) as T;
}

/** How many values (objects, arrays, primitives) a JSON value holds. */
function size(value: unknown): number {
  if (typeof value !== "object" || value === null) return 1;
  return 1 + Object.values(value).reduce<number>((n, x) => n + size(x), 0);
}

/** Validates `input` under a meter; returns the result and the operations spent. */
function measure(input: unknown) {
  const meter: Meter = { ops: 0, budget: OPS_PER_VALUE * size(input) };
  const result = safeParseUpdate(metered(input, meter));
  return { result, ops: meter.ops, values: size(input) };
}

type Json = Record<string, unknown>;
const chat = () => ({ id: -100123, type: "supergroup", title: "g" });
const from = () => ({ id: 42, is_bot: false, first_name: "Zoë" });

/** A message whose `reply_to_message` (or `pinned_message`) chain is `links.length` deep. */
function chain(links: readonly ("reply_to_message" | "pinned_message")[]): Json {
  let m: Json = { message_id: 1, date: 1, chat: chat(), from: from(), text: "leaf" };
  for (let i = links.length - 1; i >= 0; i--) {
    m = {
      message_id: i + 2,
      date: 1,
      chat: chat(),
      from: from(),
      text: "x",
      entities: [{ type: "bold", offset: 0, length: 1 }],
      [links[i] as string]: m,
    };
  }
  return { update_id: 1, message: m };
}

/** The message `level` links below the update's message. */
function messageAt(update: Json, links: readonly string[], level: number): Json {
  let m = update.message as Json;
  for (let i = 0; i < level; i++) m = m[links[i] as string] as Json;
  return m;
}

const WRONG: Record<string, unknown> = {
  text: 5,
  message_id: "1",
  date: 1.5,
  chat: null,
  entities: [{ type: "bold", offset: "0", length: 1 }],
  from: { id: 42, is_bot: "no", first_name: "Zoë" },
};

describe("validation cost is linear in the input (operations, not time)", () => {
  it("the issue's case: 16 nested reply_to_message, one wrong-typed field at the bottom", () => {
    const links = Array.from({ length: 16 }, () => "reply_to_message" as const);
    const update = chain(links);
    messageAt(update, links, 16).text = 5;
    expect(JSON.stringify(update).length).toBeLessThan(4_000);
    const { result, ops, values } = measure(update);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.code).toBe("BOT_TYPES_INVALID_UPDATE");
    expect(result.error.path).toBe(`message.${"reply_to_message.".repeat(16)}text`);
    expect(ops).toBeLessThanOrEqual(OPS_PER_VALUE * values);
  });

  it("fuzz: nested chains with one wrong field anywhere stay within the budget", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("reply_to_message" as const, "pinned_message" as const), {
          minLength: 0,
          maxLength: MAX_OBJECT_DEPTH - 4,
        }),
        fc.option(fc.record({ level: fc.nat(), field: fc.constantFrom(...Object.keys(WRONG)) }), {
          freq: 4,
        }),
        (links, corruption) => {
          const update = chain(links);
          let expectedPath: string | undefined;
          if (corruption !== null) {
            const level = corruption.level % (links.length + 1);
            messageAt(update, links, level)[corruption.field] = WRONG[corruption.field];
            expectedPath = ["message", ...links.slice(0, level), corruption.field].join(".");
          }
          const { result, ops, values } = measure(update);
          expect(ops).toBeLessThanOrEqual(OPS_PER_VALUE * values);
          expect(result.success).toBe(expectedPath === undefined);
          if (!result.success) {
            expect(result.error.code).toBe("BOT_TYPES_INVALID_UPDATE");
            expect(result.error.path.startsWith(expectedPath as string)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("fuzz: arbitrary JSON under the update's fields stays within the budget", () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("reply_to_message" as const, "pinned_message" as const), {
          maxLength: 12,
        }),
        fc.nat(),
        fc.constantFrom("text", "chat", "from", "entities", "photo", "reply_markup", "quote"),
        json,
        (links, level, field, value) => {
          const update = chain(links);
          messageAt(update, links, level % (links.length + 1))[field] = value;
          const { ops, values } = measure(update);
          expect(ops).toBeLessThanOrEqual(OPS_PER_VALUE * values);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(`objects nested deeper than MAX_OBJECT_DEPTH (${MAX_OBJECT_DEPTH})`, () => {
  // The update is level 1 and its message level 2; with n links the last message is at
  // n + 2 and its `chat` and `from` at n + 3.
  const replies = (n: number) => Array.from({ length: n }, () => "reply_to_message" as const);

  it("accepts the deepest allowed chain, on the fast path too", () => {
    const ok = chain(replies(MAX_OBJECT_DEPTH - 3));
    expect(isCleanUpdate(ok)).toBe(true);
    expect(safeParseUpdate(ok).success).toBe(true);
  });

  it("refuses one level more with BOT_TYPES_UPDATE_TOO_DEEP and the path of the deep object", () => {
    const update = chain(replies(MAX_OBJECT_DEPTH - 2));
    expect(isCleanUpdate(update)).toBe(false);
    const { result, ops, values } = measure(update);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.code).toBe("BOT_TYPES_UPDATE_TOO_DEEP");
    expect(result.error.message).toContain(`deeper than ${MAX_OBJECT_DEPTH} levels`);
    // The object at level 33 is 32 keys below the update.
    expect(result.error.path.split(".")).toHaveLength(MAX_OBJECT_DEPTH);
    expect(result.error.path.startsWith("message.reply_to_message.")).toBe(true);
    expect(ops).toBeLessThanOrEqual(OPS_PER_VALUE * values);
  });

  it("refuses a 12,000-deep valid chain with a typed error, not a stack overflow", () => {
    let m: Json = { message_id: 1, date: 1, chat: { id: 1, type: "private" } };
    for (let i = 0; i < 12_000; i++) {
      m = { message_id: 1, date: 1, chat: { id: 1, type: "private" }, reply_to_message: m };
    }
    let result: ReturnType<typeof safeParseUpdate> | undefined;
    expect(() => {
      result = safeParseUpdate({ update_id: 1, message: m });
    }).not.toThrow();
    expect(result?.success).toBe(false);
    if (result?.success !== false) return;
    expect(result.error.code).toBe("BOT_TYPES_UPDATE_TOO_DEEP");
  });
});

describe("Integer fields are safe integers; update_id is not negative", () => {
  for (const bad of [-5, 1e300, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuses update_id ${bad} with a typed error and its path`, () => {
      expect(isCleanUpdate({ update_id: bad })).toBe(false);
      const result = safeParseUpdate({ update_id: bad });
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error.code).toBe("BOT_TYPES_INVALID_UPDATE");
      expect(result.error.path).toBe("update_id");
    });
  }

  it("accepts update_id 0 and 2^53 - 1", () => {
    for (const ok of [0, Number.MAX_SAFE_INTEGER]) {
      expect(isCleanUpdate({ update_id: ok })).toBe(true);
      expect(safeParseUpdate({ update_id: ok }).success).toBe(true);
    }
  });

  it("refuses an unsafe integer in a nested Integer field, with its path", () => {
    for (const bad of [2 ** 53, -(2 ** 53), 1e300]) {
      const update = chain([]);
      (update.message as Json).message_id = bad;
      expect(isCleanUpdate(update)).toBe(false);
      const result = safeParseUpdate(update);
      expect(result.success).toBe(false);
      if (!result.success) expect(result.error.path).toBe("message.message_id");
    }
    const negative = chain([]);
    expect(safeParseUpdate(negative).success).toBe(true); // chat.id -100123 stays valid
  });
});
