/**
 * How the benchmark's child processes load the `@bot` packages: the way this process does.
 * `pnpm bench` runs the built packages (`dist`, what users install; the root script builds
 * them first), the tests run the TypeScript source (`--conditions=@bot/source`).
 */
export const CHILD_EXEC_ARGV: string[] =
  process.env.VITEST !== undefined || process.execArgv.includes("--conditions=@bot/source")
    ? ["--conditions=@bot/source", "--import", "tsx"]
    : ["--import", "tsx"];
