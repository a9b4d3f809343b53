import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./checkout.ts";

interface Manifest {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  bin?: string | Record<string, string>;
  name?: string;
}

const workspacePackages = (): string[] =>
  ["packages", "apps", "tooling"].flatMap((parent) =>
    readdirSync(join(repoRoot, parent))
      .map((dir) => `${parent}/${dir}`)
      .filter((dir) => existsSync(join(repoRoot, dir, "package.json"))),
  );

/** The text of every source and config file of a package, package.json excepted. */
const packageText = (dir: string): string => {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(repoRoot, rel))) {
      if (name === "node_modules" || name === "dist" || name === "package.json") continue;
      const path = join(rel, name);
      const stat = statSync(join(repoRoot, path));
      if (stat.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs|cjs|json)$/.test(name) && stat.size < 2_000_000)
        out.push(readFileSync(join(repoRoot, path), "utf8"));
    }
  };
  walk(dir);
  return out.join("\n");
};

const binsOf = (dir: string, dep: string): string[] => {
  const file = join(repoRoot, dir, "node_modules", dep, "package.json");
  if (!existsSync(file)) return [];
  const pkg = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  if (typeof pkg.bin === "string") return [dep.split("/").pop() ?? dep];
  return Object.keys(pkg.bin ?? {});
};

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A dependency is used when a file imports or names it, or a script runs one of its bins. */
const isUsed = (dir: string, manifest: Manifest, text: string, dep: string): boolean => {
  if (dep.startsWith("@types/")) {
    const base = dep.slice("@types/".length);
    return base === "node" || isUsed(dir, manifest, text, base);
  }
  const specifier = new RegExp(
    `["'\`]${reEscape(dep)}(/[^"'\`]*)?["'\`]|--import[ =]${reEscape(dep)}\\b`,
  );
  if (specifier.test(text)) return true;
  const scripts = Object.values(manifest.scripts ?? {}).join("\n");
  if (new RegExp(`--import[ =]${reEscape(dep)}\\b`).test(scripts)) return true;
  return binsOf(dir, dep).some((bin) =>
    new RegExp(`(^|[\\s;&|])${reEscape(bin)}(\\s|$)`, "m").test(scripts),
  );
};

describe("dev dependencies", () => {
  it.each(workspacePackages())("%s lists only dev dependencies it uses", (dir) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8"));
    const text = packageText(dir);
    const unused = Object.keys(manifest.devDependencies ?? {}).filter(
      (dep) => !isUsed(dir, manifest, text, dep),
    );
    expect(unused).toEqual([]);
  });
});
