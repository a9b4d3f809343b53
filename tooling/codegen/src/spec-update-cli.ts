import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VENDORED_SPEC_PATH } from "./spec-location.ts";
import { updateSpec } from "./spec-update.ts";

const GENERATED_DIR = fileURLToPath(
  new URL("../../../packages/types/src/generated", import.meta.url),
);

const [source] = process.argv.slice(2);
if (!source) {
  console.error(
    "usage: pnpm spec:update <api.json | @gramio/types folder or .tgz | @gramio/types@version>",
  );
  process.exit(2);
}
// pnpm runs the script inside tooling/codegen; a relative path means the caller's folder.
const base = process.env.INIT_CWD ?? process.cwd();
const looksLikePath =
  source.startsWith(".") || source.startsWith("/") || /\.(json|tgz|tar\.gz)$/.test(source);
const input = looksLikePath && !isAbsolute(source) ? resolve(base, source) : source;
try {
  const result = updateSpec({ source: input, specFile: VENDORED_SPEC_PATH, outDir: GENERATED_DIR });
  console.log(`read ${source} (${result.via})`);
  console.log(`wrote ${VENDORED_SPEC_PATH} and ${GENERATED_DIR}`);
  process.stdout.write(result.report);
  console.log(
    "next: update the counts in tooling/codegen/spec/README.md and api.json.LICENSE if the sources changed, run pnpm test, add a changeset",
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
