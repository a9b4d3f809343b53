import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertGramio, type GramioSources } from "./convert/gramio.ts";
import { mergeWithPrevious } from "./convert/merge.ts";
import { formatDelta, type SpecDelta, specDelta } from "./delta.ts";
import { generate } from "./index.ts";
import { asSpec, CodegenError, type Spec } from "./spec.ts";
import { readSpec, serializeSpec } from "./spec-io.ts";

/** Where `spec:update` reads from and writes to. */
export interface SpecUpdateOptions {
  /**
   * The new spec: an `api.json` file, an `@gramio/types` package folder or `.tgz` tarball,
   * or an npm package spec such as `@gramio/types@10.5.0` (fetched with `npm pack`).
   */
  source: string;
  /** The vendored spec to replace (read as the previous spec, then overwritten). */
  specFile: string;
  /** The folder of the generated `@bot/types` files. */
  outDir: string;
}

/** What `spec:update` did. */
export interface SpecUpdateResult {
  /** How the source was read: `"api.json"` or `"@gramio/types"` (with its version). */
  via: string;
  delta: SpecDelta;
  /** The delta as text. */
  report: string;
}

const NPM_SPEC_RE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*@[\w.^~<>=|* -]+$/i;

function gramioSources(dir: string): GramioSources {
  const out = existsSync(join(dir, "out", "objects.d.ts")) ? join(dir, "out") : dir;
  const read = (name: string) => {
    const path = join(out, name);
    if (!existsSync(path))
      throw new CodegenError(`spec:update: ${path} is missing (not an @gramio/types package?)`);
    return readFileSync(path, "utf8");
  };
  return {
    objects: read("objects.d.ts"),
    params: read("params.d.ts"),
    methods: read("methods.d.ts"),
  };
}

function packageVersion(dir: string): string {
  const path = join(dir, "package.json");
  if (!existsSync(path)) return "@gramio/types";
  const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
  return `${pkg.name ?? "?"}@${pkg.version ?? "?"}`;
}

function extract(tarball: string, into: string): string {
  execFileSync("tar", ["-xzf", tarball, "-C", into]);
  return join(into, "package");
}

/**
 * Reads the new spec from any of the accepted sources.
 *
 * @param source See {@link SpecUpdateOptions.source}.
 * @param previous The spec being replaced (resolves Integer and Float for `@gramio/types`).
 * @returns The new spec and how it was read.
 */
export function loadSource(source: string, previous: Spec): { spec: Spec; via: string } {
  if (existsSync(source) && statSync(source).isFile() && source.endsWith(".json")) {
    return { spec: readSpec(source), via: "api.json" };
  }
  const scratch = mkdtempSync(join(tmpdir(), "bot-spec-update-"));
  try {
    let dir: string;
    if (existsSync(source) && statSync(source).isDirectory()) {
      dir = source;
    } else if (existsSync(source) && /\.(tgz|tar\.gz)$/.test(source)) {
      dir = extract(source, scratch);
    } else if (NPM_SPEC_RE.test(source)) {
      execFileSync("npm", ["pack", source, "--pack-destination", scratch, "--silent"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
      if (!tarball) throw new CodegenError(`spec:update: npm pack ${source} gave no tarball`);
      dir = extract(join(scratch, tarball), scratch);
    } else {
      throw new CodegenError(
        `spec:update: ${source} is not an api.json file, a package folder, a .tgz or a name@version`,
      );
    }
    const converted = convertGramio(gramioSources(dir), previous);
    return { spec: mergeWithPrevious(converted, previous), via: packageVersion(dir) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Replaces the vendored spec with a new one and regenerates `@bot/types` from it. The new
 * spec is generated from before anything is written, so a spec the generator cannot handle
 * leaves the repository as it was.
 *
 * @param options Source, spec file and output folder.
 * @returns The delta between the old and the new spec.
 * @throws {CodegenError} When the source cannot be read or generated from.
 */
export function updateSpec(options: SpecUpdateOptions): SpecUpdateResult {
  const previous = readSpec(options.specFile);
  const { spec, via } = loadSource(options.source, previous);
  const files = generate(asSpec(spec));
  writeFileSync(options.specFile, serializeSpec(spec));
  mkdirSync(options.outDir, { recursive: true });
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(options.outDir, name), content);
  const delta = specDelta(previous, spec);
  return { via, delta, report: formatDelta(delta) };
}
