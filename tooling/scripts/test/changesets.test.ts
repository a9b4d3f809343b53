import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Checkout, cloneCheckout, repoRoot } from "./checkout.ts";

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifests = (root: string): Map<string, Manifest> => {
  const out = new Map<string, Manifest>();
  for (const dir of readdirSync(join(root, "packages"))) {
    const pkg = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"));
    if (!pkg.private) out.set(pkg.name, pkg);
  }
  return out;
};

/** The range a `workspace:` range becomes when pnpm packs it (what npm users will see). */
const publishedRange = (range: string, version: string): string => {
  const bare = range.replace(/^workspace:/, "");
  if (bare === "*") return version;
  if (bare === "^" || bare === "~") return `${bare}${version}`;
  return bare;
};

describe("changeset version on a copy of the repository", () => {
  let copy: Checkout;
  let before: Map<string, Manifest>;
  let after: Map<string, Manifest>;

  beforeAll(() => {
    copy = cloneCheckout();
    before = readManifests(copy.dir);
    const cli = join(repoRoot, "node_modules/@changesets/cli/bin.js");
    execFileSync(process.execPath, [cli, "version"], { cwd: copy.dir, stdio: "pipe" });
    after = readManifests(copy.dir);
  }, 120_000);
  afterAll(() => copy?.dispose());

  it("keeps every public package below 1.0.0", () => {
    for (const [name, pkg] of after) {
      expect(semver.major(pkg.version), `${name}@${pkg.version}`).toBe(0);
    }
  });

  it("releases every package that has a changeset with at most a minor bump", () => {
    const changesets = readdirSync(join(copy.dir, ".changeset")).filter((f) => f.endsWith(".md"));
    for (const [name, pkg] of after) {
      const old = before.get(name)?.version ?? "0.0.0";
      const diff = semver.diff(old, pkg.version);
      expect([null, "minor", "patch"], `${name} ${old} -> ${pkg.version}`).toContain(diff);
    }
    // The changeset files were consumed (otherwise nothing above was exercised).
    expect(changesets.filter((f) => f !== "README.md")).toEqual([]);
  });

  it("satisfies every internal dependency and peer range with the new versions", () => {
    for (const [name, pkg] of after) {
      for (const deps of [pkg.dependencies, pkg.peerDependencies]) {
        for (const [dep, range] of Object.entries(deps ?? {})) {
          const target = after.get(dep);
          if (!target) continue;
          const published = publishedRange(range, target.version);
          expect(
            semver.satisfies(target.version, published),
            `${name} needs ${dep}@${published}, gets ${target.version}`,
          ).toBe(true);
        }
      }
    }
  });
});
