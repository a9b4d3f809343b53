/** What a fault does to a matching call. */
export type Fault =
  /** Answer 429 `Too Many Requests: retry after N` with `parameters.retry_after` and a `Retry-After` header; the method does not run. */
  | { readonly type: "flood"; readonly retryAfter: number }
  /** Answer a 5xx; by default before the method runs, with `when: "after"` once its effect happened. */
  | {
      readonly type: "server";
      readonly status?: number;
      readonly description?: string;
      readonly when?: "before" | "after";
    }
  /** Close the connection without an answer; by default after the method's effect happened. */
  | { readonly type: "drop"; readonly when?: "before" | "after" }
  /** Answer normally, but only after a delay. */
  | { readonly type: "slow"; readonly delayMs: number };

/** Which calls a fault applies to. */
export interface FaultRule {
  /** A method name (case-insensitive); omitted means every method. */
  readonly method?: string;
  /** Only calls of this bot (its token). */
  readonly token?: string;
  /** Only calls whose parameters pass this check. */
  readonly match?: (params: Readonly<Record<string, unknown>>) => boolean;
  /** How many matching calls to hit (default 1); `Infinity` for every call. */
  readonly times?: number;
  /** Let this many matching calls pass first (default 0). */
  readonly skip?: number;
  /** The fault. */
  readonly fault: Fault;
}

/** A fault that was added, to inspect or remove. */
export interface FaultHandle {
  /** How many calls it hit so far. */
  readonly hits: number;
  /** Removes it. */
  remove(): void;
}

interface ActiveRule {
  readonly rule: FaultRule;
  readonly method: string | undefined;
  seen: number;
  hits: number;
}

/** The set of injected faults, consulted once per call. */
export class FaultPlan {
  readonly #rules: ActiveRule[] = [];

  /**
   * Adds a fault.
   *
   * @param rule Which calls and what fault.
   * @returns A handle with the hit count and `remove()`.
   */
  add(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, method: rule.method?.toLowerCase(), seen: 0, hits: 0 };
    this.#rules.push(active);
    const rules = this.#rules;
    return {
      get hits() {
        return active.hits;
      },
      remove() {
        const i = rules.indexOf(active);
        if (i >= 0) rules.splice(i, 1);
      },
    };
  }

  /** Removes every fault. */
  clear(): void {
    this.#rules.length = 0;
  }

  /**
   * Finds the fault for one call, counting it.
   *
   * @param method The lower-case method name.
   * @param token The bot's token.
   * @param params The call's parameters.
   * @returns The fault, or `undefined`.
   */
  take(
    method: string,
    token: string,
    params: Readonly<Record<string, unknown>>,
  ): Fault | undefined {
    if (this.#rules.length === 0) return undefined;
    for (const active of this.#rules) {
      const { rule } = active;
      if (active.method !== undefined && active.method !== method) continue;
      if (rule.token !== undefined && rule.token !== token) continue;
      if (rule.match !== undefined && !rule.match(params)) continue;
      active.seen++;
      if (active.seen <= (rule.skip ?? 0)) continue;
      if (active.hits >= (rule.times ?? 1)) continue;
      active.hits++;
      return rule.fault;
    }
    return undefined;
  }
}
