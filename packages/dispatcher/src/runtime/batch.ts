import type { Update } from "@bot/types";
import { safeParseUpdate } from "@bot/types/schemas";
import { PollingError } from "./errors.js";

/** A `getUpdates` result after validation. */
export interface CheckedBatch {
  /** Every element with a usable `update_id`, in order; invalid ones are stubs `{ update_id }`. */
  readonly entries: Update[];
  /** The invalid elements that have a usable `update_id`, with their error. */
  readonly invalid: Map<number, PollingError>;
  /** How many elements had no usable `update_id` at all (they cannot be placed or confirmed). */
  readonly unplaceable: number;
}

function usableId(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { update_id?: unknown }).update_id;
  return typeof id === "number" && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/**
 * Validates a `getUpdates` result with `@bot/types/schemas`: the result must be an array, and
 * each element an `Update`. An invalid element that still has a usable `update_id` is kept as
 * a stub, so the offset can move past it; one without is counted in `unplaceable`.
 *
 * @param result What `getUpdates` returned.
 * @returns The checked batch.
 * @throws {PollingError} `BOT_DISPATCHER_POLLING_INVALID_BATCH` when the result is not an array, or
 *   when no element of a non-empty batch has a usable `update_id` (the offset could never move).
 */
export function checkBatch(result: unknown): CheckedBatch {
  if (!Array.isArray(result)) {
    throw new PollingError(
      "BOT_DISPATCHER_POLLING_INVALID_BATCH",
      `@bot/dispatcher: getUpdates returned ${result === null ? "null" : typeof result} instead of an array of updates; retrying after a back-off`,
    );
  }
  const entries: Update[] = [];
  let invalid: Map<number, PollingError> | undefined;
  let unplaceable = 0;
  for (const element of result as unknown[]) {
    const parsed = safeParseUpdate(element);
    if (parsed.success) {
      entries.push(parsed.output);
      continue;
    }
    const id = usableId(element);
    if (id === undefined) {
      unplaceable += 1;
      continue;
    }
    invalid ??= new Map();
    invalid.set(
      id,
      new PollingError(
        "BOT_DISPATCHER_POLLING_INVALID_UPDATE",
        `@bot/dispatcher: getUpdates returned an invalid update ${id}; it is skipped (${parsed.error.message})`,
        parsed.error,
      ),
    );
    entries.push({ update_id: id } as Update);
  }
  if (entries.length === 0 && unplaceable > 0) {
    throw new PollingError(
      "BOT_DISPATCHER_POLLING_INVALID_BATCH",
      `@bot/dispatcher: getUpdates returned ${unplaceable} element(s) that are not updates (no valid update_id); retrying after a back-off`,
    );
  }
  return { entries, invalid: invalid ?? EMPTY, unplaceable };
}

const EMPTY: Map<number, PollingError> = new Map();
