/**
 * The pages' own rules: no TypeScript code written inline in a page (it must be a snippet
 * file, type-checked and maybe run), every `<<<` include names an existing file and region,
 * and the getting-started tsconfig matches the settings the snippets compile with.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const docs = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const skip = new Set(["node_modules", "api", ".vitepress", "snippets", "test", "scripts"]);
const pages = (dir = docs): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return skip.has(e.name) ? [] : pages(join(dir, e.name));
    return e.name.endsWith(".md") && !(dir === docs && e.name === "README.md")
      ? [join(dir, e.name)]
      : [];
  });

describe("pages", () => {
  const files = pages().map((f) => relative(docs, f));
  it("exist", () => expect(files.length).toBeGreaterThanOrEqual(17));

  it.each(files)("%s has no inline TypeScript or JavaScript code block", (file) => {
    const text = readFileSync(join(docs, file), "utf8");
    // ARCHITECTURE.md is the repository's design note: its sketches are signatures, not programs.
    if (file === "ARCHITECTURE.md") return;
    expect(text.match(/^```(ts|typescript|js|javascript|tsx|mts)\b.*$/gm) ?? []).toEqual([]);
  });

  it.each(files)("%s includes only snippets and regions that exist", (file) => {
    const text = readFileSync(join(docs, file), "utf8");
    for (const [, path = "", region] of text.matchAll(/^<<< @\/([^\s#{]+)(?:#([\w-]+))?/gm)) {
      const target = join(docs, path);
      expect(existsSync(target), `${file}: ${path}`).toBe(true);
      if (region) {
        const source = readFileSync(target, "utf8");
        expect(source, `${file}: ${path}#${region}`).toContain(`#region ${region}`);
        expect(source, `${file}: ${path}#${region}`).toMatch(new RegExp(`#endregion ${region}\\b`));
      }
    }
  });
});

it("the getting-started tsconfig is the one the snippets compile with", () => {
  const example = JSON.parse(readFileSync(join(docs, "snippets/tsconfig.example.json"), "utf8"));
  const base = JSON.parse(readFileSync(join(docs, "../tooling/tsconfig/base.json"), "utf8"));
  for (const [key, value] of Object.entries(example.compilerOptions)) {
    expect([key, base.compilerOptions[key]]).toEqual([key, value]);
  }
});
