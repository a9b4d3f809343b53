import * as v from "valibot";

/** An object schema whose output is the Bot API type `O`; unknown keys are kept. */
export type ObjectSchemaOf<O> = v.LooseObjectSchema<v.ObjectEntries, undefined> &
  v.GenericSchema<unknown, O>;

type Run = (
  dataset: { value: unknown; typed?: boolean },
  config: v.Config<v.BaseIssue<unknown>>,
) => {
  value: unknown;
  typed?: boolean;
  issues?: unknown[];
};

const OPTIONAL = new Set(["optional", "exact_optional", "nullish"]);

const isForbidden = (key: string): boolean =>
  key === "__proto__" || key === "prototype" || key === "constructor";

/**
 * A valibot `looseObject` with a faster run for valid input.
 *
 * valibot's own run visits every entry of the schema; a Bot API `Message` has
 * about 170 optional fields of which a real message carries ten. This run visits
 * the input's keys instead and checks the required ones, so the cost follows the
 * size of the input. Any problem falls back to valibot's own run, so issues,
 * their paths and their messages are exactly valibot's.
 *
 * A valid object is returned as it is, without a copy (the output is the input),
 * unless a `__proto__`, `prototype` or `constructor` key must be dropped or a
 * nested schema changed a value; then the object is copied without those keys.
 *
 * @param entries The object's entries.
 * @returns The schema; usable anywhere a `looseObject` is (including `variant`).
 */
/* @__NO_SIDE_EFFECTS__ */
export function looseObjectFast<O>(entries: v.ObjectEntries): ObjectSchemaOf<O> {
  const schema = v.looseObject(entries);
  const slow = (schema["~run"] as unknown as Run).bind(schema);
  const known = new Map(Object.entries(entries) as [string, { "~run": Run }][]);
  const required = Object.keys(entries).filter((k) => !OPTIONAL.has(entries[k]!.type));
  const fast: Run = (dataset, config) => {
    const input = dataset.value as Record<string, unknown> | null;
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      return slow(dataset, config);
    }
    let out: Record<string, unknown> | undefined;
    for (const key in input) {
      if (!Object.hasOwn(input, key)) continue;
      const value = input[key];
      let next = value;
      const drop = isForbidden(key);
      const entry = known.get(key);
      if (entry !== undefined) {
        const result = entry["~run"]({ value }, config);
        if (result.issues) return slow(dataset, config);
        next = result.value;
      }
      if (out === undefined && (drop || next !== value)) out = copyBefore(input, key);
      if (out !== undefined && !drop) out[key] = next;
    }
    for (let i = 0; i < required.length; i++) {
      if (!Object.hasOwn(input, required[i] as string)) return slow(dataset, config);
    }
    dataset.typed = true;
    dataset.value = out ?? input;
    return dataset;
  };
  (schema as unknown as { "~run": Run })["~run"] = fast;
  return schema as never;
}

/** The own, allowed keys of `input` that come before `stop`, copied. */
function copyBefore(input: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in input) {
    if (key === stop) break;
    if (Object.hasOwn(input, key) && !isForbidden(key)) out[key] = input[key];
  }
  return out;
}

/**
 * A valibot `array` whose run returns a valid array as it is, without a copy,
 * unless an item schema changed an item. Any problem falls back to valibot's own
 * run, so issues are exactly valibot's.
 *
 * @param item The item schema.
 * @returns The schema.
 */
/* @__NO_SIDE_EFFECTS__ */
export function arrayFast<S extends v.GenericSchema>(item: S): v.ArraySchema<S, undefined> {
  const schema = v.array(item);
  const slow = (schema["~run"] as unknown as Run).bind(schema);
  const itemRun = (item as unknown as { "~run": Run })["~run"].bind(item);
  const fast: Run = (dataset, config) => {
    const input = dataset.value;
    if (!Array.isArray(input)) return slow(dataset, config);
    let out: unknown[] | undefined;
    for (let i = 0; i < input.length; i++) {
      const value = input[i];
      const result = itemRun({ value }, config);
      if (result.issues) return slow(dataset, config);
      if (out === undefined && result.value !== value) out = input.slice(0, i);
      if (out !== undefined) out.push(result.value);
    }
    dataset.typed = true;
    dataset.value = out ?? input;
    return dataset;
  };
  (schema as unknown as { "~run": Run })["~run"] = fast;
  return schema;
}
