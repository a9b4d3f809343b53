import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { messageUpdate, SECRET, testBot, withWebhook } from "./helpers.js";

const valid = JSON.stringify(messageUpdate(1));

/** Wrong types at paths the schema checks. */
const wrongTypeAtValidPath = fc
  .tuple(
    fc.constantFrom(
      "update_id",
      "message.message_id",
      "message.date",
      "message.chat",
      "message.chat.id",
      "message.chat.type",
      "message.text",
      "message.from.id",
      "message.from.is_bot",
    ),
    fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer()),
      fc.object(),
      fc.double(),
    ),
  )
  .filter(([path, value]) => {
    // Keep only values that really are the wrong type for that field.
    if (path.endsWith("type") || path.endsWith("text")) return typeof value !== "string";
    if (path.endsWith("is_bot")) return typeof value !== "boolean";
    if (path.endsWith(".chat"))
      return (
        typeof value !== "object" || value === null || Array.isArray(value) || !("id" in value)
      );
    return typeof value !== "number" || !Number.isInteger(value);
  })
  .map(([path, value]) => {
    const u = JSON.parse(valid) as Record<string, unknown>;
    const keys = path.split(".");
    let at = u;
    for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
    at[keys.at(-1) as string] = value;
    return JSON.stringify(u);
  });

const protoKeys = fc
  .tuple(
    fc.constantFrom("__proto__", "constructor", "\\u005f_proto__"),
    fc.constantFrom("", "message", "message.chat"),
  )
  .map(([key, where]) => {
    const poison = key === "constructor" ? '{"prototype":{"polluted":1}}' : '{"polluted":1}';
    const inner = `"${key}":${poison}`;
    if (where === "") return `{"update_id":1,${inner}}`;
    if (where === "message")
      return `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},${inner}}}`;
    return `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private",${inner}}}}`;
  });

const deepNesting = fc
  .integer({ min: 1_000, max: 20_000 })
  .map((n) => `{"update_id":1,"message":${"[".repeat(n)}${"]".repeat(n)}}`);

/** Random JSON that is not an update: scalars, arrays, objects without an integer update_id. */
const randomJson = fc
  .jsonValue()
  .filter(
    (v) =>
      typeof v !== "object" ||
      v === null ||
      Array.isArray(v) ||
      !Number.isInteger((v as Record<string, unknown>).update_id),
  )
  .map((v) => JSON.stringify(v));

const randomBytes = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString("latin1"));

const hostileBody = fc.oneof(randomJson, randomBytes, deepNesting, protoKeys, wrongTypeAtValidPath);

const wrongSecret = fc.oneof(
  fc.constant(undefined),
  fc.constant(""),
  fc.constant(SECRET.slice(1)),
  fc.constant(`${SECRET}x`),
  fc.constant(SECRET.toLowerCase()),
  fc.string({ maxLength: 300 }).filter((s) => s !== SECRET),
);

/** One hostile request: a good secret with a hostile body, or a wrong secret with any body. */
const hostileRequest = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ secret: fc.constant<string | undefined>(SECRET), body: hostileBody }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ secret: wrongSecret, body: fc.oneof(hostileBody, fc.constant(valid)) }),
  },
);

describe("fuzz: hostile requests", () => {
  it("answers 10,000 hostile requests with 4xx and runs no handler", async () => {
    const bot = testBot();
    const { app } = await withWebhook(bot, { delivery: "await" });
    const statuses = new Map<number, number>();
    let count = 0;
    await fc.assert(
      fc.asyncProperty(hostileRequest, async ({ secret, body }) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        // Header values must be valid HTTP: drop what Node would refuse to send.
        if (secret !== undefined && /^[\t\x20-\x7e]*$/.test(secret))
          headers["x-telegram-bot-api-secret-token"] = secret;
        const res = await app.inject({ method: "POST", url: "/hook", headers, payload: body });
        count += 1;
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 10_000 },
    );
    expect(count).toBe(10_000);
    expect(bot.runs).toHaveLength(0);
    expect(Object.prototype).not.toHaveProperty("polluted");
    // The same app still serves a good update afterwards: nothing crashed.
    const ok = await app.inject({
      method: "POST",
      url: "/hook",
      headers: { "x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json" },
      payload: valid,
    });
    expect(ok.statusCode).toBe(200);
    expect(bot.runs).toHaveLength(1);
    await app.close();
  }, 120_000);
});
