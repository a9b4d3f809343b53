import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./checkout.ts";

const read = (file: string): string => readFileSync(join(repoRoot, file), "utf8");
const yamlFile = (file: string): unknown => parse(read(file), { strict: true, uniqueKeys: true });

const workflows = readdirSync(join(repoRoot, ".github/workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `.github/workflows/${f}`);

/** Every workspace package directory (what pnpm-workspace.yaml's globs match). */
const workspacePackages = (): string[] => {
  const dirs: string[] = [];
  for (const parent of ["packages", "apps", "tooling", "examples"]) {
    for (const dir of readdirSync(join(repoRoot, parent))) {
      if (existsSync(join(repoRoot, parent, dir, "package.json"))) dirs.push(`${parent}/${dir}`);
    }
  }
  return dirs;
};

describe("YAML files parse", () => {
  const files = [
    ...workflows,
    ".github/dependabot.yml",
    "pnpm-workspace.yaml",
    ...["apps/example/compose.yaml", "apps/example/compose.yml"].filter((f) =>
      existsSync(join(repoRoot, f)),
    ),
  ];
  it.each(files)("%s", (file) => {
    expect(yamlFile(file)).toBeTypeOf("object");
  });
});

describe("GitHub workflows", () => {
  it.each(workflows)("%s grants contents: read by default", (file) => {
    const wf = yamlFile(file) as { permissions?: unknown };
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it.each(workflows)("%s pins every action by commit SHA with its version in a comment", (file) => {
    const uses = read(file)
      .split("\n")
      .filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) {
      expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it("CI runs .ci/run on the Node 22, 24 and 26 matrix, with no network fetch of the spec", () => {
    const text = read(".github/workflows/ci.yml");
    const wf = yamlFile(".github/workflows/ci.yml") as {
      jobs: Record<string, { strategy: { matrix: { node: number[] } }; steps: { run?: string }[] }>;
    };
    const job = Object.values(wf.jobs)[0];
    expect(job?.strategy.matrix.node).toEqual([22, 24, 26]);
    const runs = job?.steps.flatMap((s) => (s.run ? [s.run] : [])) ?? [];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^bash \.ci\/run --node \$\{\{ matrix\.node \}\}$/);
    expect(text).not.toMatch(/curl|wget|api\.json/);
  });

  it("dependabot updates npm and GitHub Actions weekly, grouped", () => {
    const cfg = yamlFile(".github/dependabot.yml") as {
      updates: { "package-ecosystem": string; schedule: { interval: string }; groups?: object }[];
    };
    const ecosystems = cfg.updates.map((u) => u["package-ecosystem"]).sort();
    expect(ecosystems).toEqual(["github-actions", "npm"]);
    for (const u of cfg.updates) {
      expect(u.schedule.interval).toBe("weekly");
      expect(Object.keys(u.groups ?? {}).length).toBeGreaterThan(0);
    }
  });
});

describe("package manifests", () => {
  it.each(["", ...workspacePackages()])("%s requires Node.js >=22.19", (dir) => {
    const pkg = JSON.parse(read(join(dir, "package.json")));
    expect(pkg.engines?.node).toBe(">=22.19");
  });

  it("the install refuses an older Node.js with pnpm's clear message (engine-strict)", () => {
    // Without it pnpm only warns, and a Node 20 user meets a stack trace from undici at run time.
    const npmrc = read(".npmrc")
      .split("\n")
      .map((line) => line.trim());
    expect(npmrc).toContain("engine-strict=true");
  });

  const published = workspacePackages().filter(
    (dir) => !JSON.parse(read(join(dir, "package.json"))).private,
  );
  it.each(published)("%s ships the MIT LICENSE and says ES modules only", (dir) => {
    const pkg = JSON.parse(read(join(dir, "package.json")));
    expect(pkg.license).toBe("MIT");
    expect(pkg.files).toContain("LICENSE");
    expect(read(join(dir, "LICENSE"))).toBe(read("LICENSE"));
    expect(read(join(dir, "README.md"))).toMatch(/ES modules only/);
  });

  it("the root LICENSE is MIT for the @bot authors, 2026", () => {
    expect(read("LICENSE")).toMatch(/^MIT License\n\nCopyright \(c\) 2026 The @bot authors\n/);
  });
});

describe("the house rules of issue 12", () => {
  const published = workspacePackages().filter(
    (dir) => !JSON.parse(read(join(dir, "package.json"))).private,
  );

  it.each(published)(
    "%s README links only to URLs and anchors (relative links break on npm)",
    (dir) => {
      const readme = read(join(dir, "README.md"));
      const targets = [...readme.matchAll(/\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1] ?? "");
      expect(targets.filter((t) => !/^(https?:\/\/|#)/.test(t))).toEqual([]);
    },
  );

  it.each(published)(
    "%s compiles with exactOptionalPropertyTypes and isolatedDeclarations",
    (dir) => {
      const tsconfig = JSON.parse(read(join(dir, "tsconfig.json")));
      expect(tsconfig.extends).toBe("@bot/tsconfig/library.json");
      expect(tsconfig.compilerOptions ?? {}).not.toHaveProperty("exactOptionalPropertyTypes");
      expect(tsconfig.compilerOptions ?? {}).not.toHaveProperty("isolatedDeclarations");
      const library = JSON.parse(read("tooling/tsconfig/library.json"));
      expect(library.extends).toBe("./base.json");
      expect(library.compilerOptions.isolatedDeclarations).toBe(true);
      const base = JSON.parse(read("tooling/tsconfig/base.json"));
      expect(base.compilerOptions.exactOptionalPropertyTypes).toBe(true);
    },
  );

  it("Biome's import sorter is off for the entry points, whose exports are grouped by hand", () => {
    const lint = JSON.parse(read("tooling/lint/base.json"));
    const off = (lint.overrides as { includes: string[]; assist?: unknown }[])
      .filter(
        (o) =>
          (o.assist as { actions?: { source?: { organizeImports?: string } } })?.actions?.source
            ?.organizeImports === "off",
      )
      .flatMap((o) => o.includes);
    const glob = (g: string) =>
      new RegExp(
        `^${g
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*\*\//g, "\0")
          .replace(/\*/g, "[^/]*")
          .replace(/\0/g, "(.*/)?")}$`,
      );
    const entries = published.flatMap((dir) => {
      const exports = JSON.parse(read(join(dir, "package.json"))).exports ?? {};
      return Object.values(exports as Record<string, Record<string, string>>)
        .map((e) => e["@bot/source"])
        .filter((f): f is string => f !== undefined && /(^|\/)(index|advanced)\.ts$/.test(f))
        .map((f) => join(dir, f));
    });
    expect(entries.length).toBeGreaterThan(published.length);
    expect(entries.filter((f) => !off.some((g) => glob(g).test(f)))).toEqual([]);
  });
});

describe("the example's Dockerfile", () => {
  const dockerfile = read("apps/example/Dockerfile");
  const from = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);

  it("builds on Node 24 in two stages and runs as a non-root user", () => {
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const image of from) expect(image).toMatch(/^node:24(-|$)/);
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(lastStage).toMatch(/^USER (?!root\b|0\b)\S+/m);
    expect(lastStage).toMatch(/COPY --from=/);
  });

  it("copies every workspace manifest before the frozen install", () => {
    // pnpm install --frozen-lockfile fails when a workspace package of the lockfile is missing.
    for (const dir of workspacePackages()) {
      expect(dockerfile).toContain(`COPY ${dir}/package.json ${dir}/`);
    }
  });
});
