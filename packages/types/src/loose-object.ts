import * as v from "valibot";
import { MAX_OBJECT_DEPTH } from "./depth.js";

export { MAX_OBJECT_DEPTH };

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

/** The `type` of the issue reported for a value nested deeper than {@link MAX_OBJECT_DEPTH}. */
export const MAX_DEPTH_ISSUE_TYPE = "max_depth";

const DEPTH_CONTEXT = {
  kind: "schema",
  type: MAX_DEPTH_ISSUE_TYPE,
  reference: looseObjectFast,
  expects: null,
  requirement: MAX_OBJECT_DEPTH,
  message: `Invalid depth: objects nest deeper than ${MAX_OBJECT_DEPTH} levels`,
} as const;

// One validation runs in at most two passes, each linear in the input:
// 1. The fast pass (mode FAST) walks the input's keys. At the first problem every level
//    returns a failed dataset at once, without issues of its own and without a retry.
// 2. The outermost fast schema (the first one entered) then runs valibot's own run once, with
//    mode SLOW: every nested fast schema sees the mode and goes straight to valibot's run,
//    so each value is visited once more and the issues, paths and messages are valibot's.
// Before this, each level retried its children with valibot's run after they had retried
// their own: 2^depth visits, seconds of blocked event loop for a 1.3 KB update.
const FAST = 0;
const SLOW = 1;
let mode: typeof FAST | typeof SLOW = FAST;
/** Whether a validation is running (the next schema entered is not the outermost). */
let active = false;
/** Objects of the current validation on the stack. */
let depth = 0;

/** A failed dataset of the fast pass; its issue is never shown (the slow pass replaces it). */
function failed(dataset: { value: unknown }): ReturnType<Run> {
  return { value: dataset.value, typed: false, issues: [{ kind: "schema", type: "fast_pass" }] };
}

/**
 * Runs one object or array schema with the two-pass rule above.
 *
 * @param counts Whether this schema is an object (adds a depth level).
 * @param fastRun The fast pass: returns a failed dataset at the first problem.
 * @param slow valibot's own run of the schema.
 */
function run(
  counts: boolean,
  fastRun: Run,
  slow: Run,
  dataset: { value: unknown; typed?: boolean },
  config: v.Config<v.BaseIssue<unknown>>,
): ReturnType<Run> {
  const level = counts ? 1 : 0;
  if (depth + level > MAX_OBJECT_DEPTH) {
    if (mode === FAST) return failed(dataset);
    v._addIssue(DEPTH_CONTEXT as never, "depth", dataset as never, config);
    return dataset;
  }
  if (active) {
    depth += level;
    const result = mode === FAST ? fastRun(dataset, config) : slow(dataset, config);
    depth -= level;
    return result;
  }
  // The outermost schema: both passes, and a reset whatever a run throws.
  active = true;
  try {
    depth = level;
    if (mode === FAST) {
      const result = fastRun(dataset, config);
      if (!result.issues) return result;
      depth = level;
      mode = SLOW;
    }
    return slow(dataset, config);
  } finally {
    active = false;
    mode = FAST;
    depth = 0;
  }
}

/**
 * A valibot `looseObject` with a faster run for valid input.
 *
 * valibot's own run visits every entry of the schema; a Bot API `Message` has
 * about 170 optional fields of which a real message carries ten. This run visits
 * the input's keys instead and checks the required ones, so the cost follows the
 * size of the input. Any problem falls back to valibot's own run, once for the
 * whole value (see the two passes above), so issues, their paths and their
 * messages are exactly valibot's and a failure costs no more than two linear walks.
 * Objects nested deeper than {@link MAX_OBJECT_DEPTH} are refused with a
 * {@link MAX_DEPTH_ISSUE_TYPE} issue.
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
  const fastRun: Run = (dataset, config) => {
    const input = dataset.value as Record<string, unknown> | null;
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      return failed(dataset);
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
        if (result.issues) return failed(dataset);
        next = result.value;
      }
      if (out === undefined && (drop || next !== value)) out = copyBefore(input, key);
      if (out !== undefined && !drop) out[key] = next;
    }
    for (let i = 0; i < required.length; i++) {
      if (!Object.hasOwn(input, required[i] as string)) return failed(dataset);
    }
    dataset.typed = true;
    dataset.value = out ?? input;
    return dataset;
  };
  (schema as unknown as { "~run": Run })["~run"] = (dataset, config) =>
    run(true, fastRun, slow, dataset, config);
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
 * run (once for the whole value, as for {@link looseObjectFast}), so issues are exactly valibot's.
 *
 * @param item The item schema.
 * @returns The schema.
 */
/* @__NO_SIDE_EFFECTS__ */
export function arrayFast<S extends v.GenericSchema>(item: S): v.ArraySchema<S, undefined> {
  const schema = v.array(item);
  const slow = (schema["~run"] as unknown as Run).bind(schema);
  const itemRun = (item as unknown as { "~run": Run })["~run"].bind(item);
  const fastRun: Run = (dataset, config) => {
    const input = dataset.value;
    if (!Array.isArray(input)) return failed(dataset);
    let out: unknown[] | undefined;
    for (let i = 0; i < input.length; i++) {
      const value = input[i];
      const result = itemRun({ value }, config);
      if (result.issues) return failed(dataset);
      if (out === undefined && result.value !== value) out = input.slice(0, i);
      if (out !== undefined) out.push(result.value);
    }
    dataset.typed = true;
    dataset.value = out ?? input;
    return dataset;
  };
  (schema as unknown as { "~run": Run })["~run"] = (dataset, config) =>
    run(false, fastRun, slow, dataset, config);
  return schema;
}
