import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { findDrift, generate } from "./index.ts";
import { specPath } from "./spec-location.ts";

const { values } = parseArgs({
  options: {
    spec: { type: "string" },
    out: { type: "string" },
    check: { type: "boolean", default: false },
  },
});
if (!values.out) {
  console.error(
    "usage: bot-codegen --out path/to/generated [--spec path/to/api.json] [--check]\n" +
      "(the spec defaults to BOT_API_SPEC, else the vendored tooling/codegen/spec/api.json)",
  );
  process.exit(2);
}
const inputPath = values.spec ? resolve(values.spec) : specPath();
const outDir = resolve(values.out);
const files = generate(JSON.parse(readFileSync(inputPath, "utf8")));
if (values.check) {
  const drifted = findDrift(files, outDir);
  for (const name of drifted)
    console.error(`drift: ${join(outDir, name)} differs from what the generator makes`);
  if (drifted.length) process.exit(1);
  console.log(`no drift in ${outDir}`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    writeFileSync(path, content);
    console.log(`wrote ${path} (${content.split("\n").length} lines)`);
  }
}
