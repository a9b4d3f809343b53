import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { GeneratedFiles } from "./index.ts";

/**
 * Compares what the generator makes with the files in a folder.
 *
 * @param files The generator's output.
 * @param dir The folder holding the committed output.
 * @returns The names of the files that are missing or differ; empty when none drift.
 */
export function findDrift(files: GeneratedFiles, dir: string): string[] {
  const drifted: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, "utf8") !== content) drifted.push(name);
  }
  return drifted;
}
