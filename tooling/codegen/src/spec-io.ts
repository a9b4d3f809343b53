import { readFileSync, writeFileSync } from "node:fs";
import { asSpec, type Spec } from "./spec.ts";

/**
 * Serialises a spec the way upstream's `api.json` is written (two-space indent, non-ASCII as
 * `\uXXXX`, no final newline), so a diff between two spec files shows only real changes.
 *
 * @param spec The spec.
 * @returns The file content.
 */
export function serializeSpec(spec: Spec): string {
  return JSON.stringify(spec, null, 2).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Reads and checks a spec file.
 *
 * @param path The `api.json` path.
 * @returns The spec.
 */
export function readSpec(path: string): Spec {
  return asSpec(JSON.parse(readFileSync(path, "utf8")));
}

/**
 * Writes a spec file in upstream's serialisation.
 *
 * @param path The `api.json` path.
 * @param spec The spec.
 */
export function writeSpec(path: string, spec: Spec): void {
  writeFileSync(path, serializeSpec(spec));
}
