/** One measured subject of one benchmark: every run's figure and their median. */
export interface BenchResult {
  /** The benchmark, e.g. `client`, `dispatch`, `webhook`, `schema`. */
  readonly bench: string;
  /** What ran, e.g. `@bot/client`, `grammY`, `bare undici`. */
  readonly subject: string;
  /** The unit of `median` and `runs`, e.g. `calls/s`, `updates/s`, `req/s`, `µs/op`. */
  readonly unit: string;
  /** Whether a larger figure is better. */
  readonly higherIsBetter: boolean;
  /** Each run's figure. */
  readonly runs: readonly number[];
  /** The median of `runs`. */
  readonly median: number;
  /** Anything else worth printing (RSS growth, errors seen). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

/**
 * The median of some numbers.
 *
 * @param values At least one number.
 * @returns The median.
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Runs `once` several times (after one warm-up run) and collects the figures.
 *
 * @param bench The benchmark name.
 * @param subject What runs.
 * @param unit The unit of the figure `once` returns.
 * @param runs How many measured runs (at least 5 for published figures).
 * @param once Runs the work once and returns its figure.
 * @param higherIsBetter Whether larger is better.
 * @returns The result.
 */
export async function measure(
  bench: string,
  subject: string,
  unit: string,
  runs: number,
  once: () => Promise<number> | number,
  higherIsBetter = true,
): Promise<BenchResult> {
  await once();
  const figures: number[] = [];
  for (let i = 0; i < runs; i++) figures.push(await once());
  return { bench, subject, unit, higherIsBetter, runs: figures, median: median(figures) };
}

/**
 * Prints results as a table with ratios against a reference subject.
 *
 * @param results The results of one benchmark.
 * @param reference The subject the ratios are taken against.
 */
export function report(results: readonly BenchResult[], reference?: string): void {
  const ref = results.find((r) => r.subject === reference);
  for (const r of results) {
    const ratio = ref ? ` (${((r.median / ref.median) * 100).toFixed(1)}% of ${ref.subject})` : "";
    const extra = r.extra ? ` ${JSON.stringify(r.extra)}` : "";
    console.log(
      `${r.bench.padEnd(9)} ${r.subject.padEnd(22)} median ${r.median.toFixed(r.median < 100 ? 2 : 0).padStart(10)} ${r.unit}${ratio}  runs=[${r.runs.map((x) => x.toFixed(x < 100 ? 2 : 0)).join(", ")}]${extra}`,
    );
  }
}
