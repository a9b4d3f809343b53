import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generate } from "./index.ts";

const { values } = parseArgs({
  options: {
    spec: { type: "string" },
    out: { type: "string" },
    check: { type: "boolean", default: false },
  },
});
if (!values.spec || !values.out) {
  console.error("usage: bot-codegen --spec path/to/api.json --out path/to/generated [--check]");
  process.exit(2);
}
const specPath = resolve(values.spec);
const outDir = resolve(values.out);
const files = generate(JSON.parse(readFileSync(specPath, "utf8")));
let drift = 0;
for (const [name, content] of Object.entries(files)) {
  const path = join(outDir, name);
  if (values.check) {
    if (!existsSync(path) || readFileSync(path, "utf8") !== content) {
      console.error(`drift: ${path} differs from what the generator makes`);
      drift++;
    }
  } else {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${path} (${content.split("\n").length} lines)`);
  }
}
if (drift) process.exit(1);
