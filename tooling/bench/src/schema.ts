import { safeParseUpdate } from "@bot/types/schemas";
import { messageUpdate1k } from "./fixtures.ts";
import { type BenchResult, measure } from "./harness.ts";

/**
 * Microseconds to validate a typical 1 KB message update with `@bot/types/schemas`,
 * next to `JSON.parse` of the same update's text as a yardstick.
 *
 * @param opts How many validations per run and how many runs.
 * @returns One result per subject, in µs/op (lower is better).
 */
export async function benchSchema(
  opts: { ops?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const ops = opts.ops ?? 200_000;
  const runs = opts.runs ?? 5;
  const text = JSON.stringify(messageUpdate1k());
  const parsed = JSON.parse(text);
  const bytes = Buffer.byteLength(text);
  let sink = 0;
  const schema = await measure(
    "schema",
    "@bot/types schemas",
    "µs/op",
    runs,
    () => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) if (safeParseUpdate(parsed).success) sink++;
      return Number(process.hrtime.bigint() - t) / 1e3 / ops;
    },
    false,
  );
  const json = await measure(
    "schema",
    "JSON.parse (yardstick)",
    "µs/op",
    runs,
    () => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) sink += JSON.parse(text).update_id;
      return Number(process.hrtime.bigint() - t) / 1e3 / ops;
    },
    false,
  );
  if (sink === 0) throw new Error("bench: nothing validated");
  return [{ ...schema, extra: { updateBytes: bytes } }, json];
}
