import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./checkout.ts";

/**
 * The rule of docs/ARCHITECTURE.md ("Errors"): every stable error code is
 * `BOT_<PACKAGE>_<WHAT>`, where PACKAGE names the package that defines the error.
 */
const PREFIX: Readonly<Record<string, string>> = {
  types: "TYPES",
  client: "CLIENT",
  dispatcher: "DISPATCHER",
  "webhook-fastify": "WEBHOOK",
  "persistence-redis": "REDIS",
  jobs: "JOBS",
  conversations: "CONVERSATIONS",
  emulator: "EMULATOR",
};
const CODE = /^BOT_(TYPES|CLIENT|DISPATCHER|WEBHOOK|REDIS|JOBS|CONVERSATIONS|EMULATOR)_[A-Z0-9_]+$/;
const SCREAMING = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });

interface Found {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

const nameOf = (node: ts.Node): string | undefined => {
  const name = (node as { name?: ts.Node }).name;
  return name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name))
    ? name.text
    : undefined;
};

/**
 * The string literals that declare error codes in a file: the members of a type alias named
 * `...Code`, the type and value of a property or parameter named `code`, the values of a
 * `..._CODES` object, and a SCREAMING_CASE value given to a `code` property.
 */
function declaredCodes(file: string): Found[] {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const collect = (node: ts.Node | undefined, screamingOnly = false): void => {
    if (node === undefined) return;
    const visit = (n: ts.Node): void => {
      if (ts.isStringLiteral(n) && (!screamingOnly || SCREAMING.test(n.text))) {
        const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
        found.push({ file: relative(repoRoot, file), line, code: n.text });
      }
      ts.forEachChild(n, visit);
    };
    visit(node);
  };
  const walk = (node: ts.Node): void => {
    const name = nameOf(node);
    if (ts.isTypeAliasDeclaration(node) && /Code$/.test(node.name.text)) {
      collect(node.type);
    } else if (
      (ts.isPropertyDeclaration(node) || ts.isParameter(node) || ts.isPropertySignature(node)) &&
      name === "code"
    ) {
      collect(node.type);
      if (!ts.isPropertySignature(node)) collect(node.initializer, true);
    } else if (ts.isVariableDeclaration(node) && name !== undefined && /CODES$/.test(name)) {
      collect(node.initializer, true);
    } else if (ts.isPropertyAssignment(node) && name === "code") {
      collect(node.initializer, true);
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return found;
}

describe("stable error codes", () => {
  const packages = readdirSync(join(repoRoot, "packages")).filter((dir) =>
    statSync(join(repoRoot, "packages", dir, "src"), { throwIfNoEntry: false })?.isDirectory(),
  );

  it("every package has a code prefix", () => {
    expect(packages.filter((dir) => PREFIX[dir] === undefined)).toEqual([]);
  });

  it.each(packages)("packages/%s declares only BOT_<PACKAGE>_* codes of its own", (dir) => {
    const codes = sources(join(repoRoot, "packages", dir, "src")).flatMap(declaredCodes);
    const wrong = codes
      .filter((c) => !CODE.test(c.code) || !c.code.startsWith(`BOT_${PREFIX[dir]}_`))
      .map((c) => `${c.file}:${c.line} ${c.code}`);
    expect(wrong).toEqual([]);
  });

  it("finds the codes it checks", () => {
    // The scan itself: if it found nothing, the rule above would pass vacuously.
    const codes = packages.flatMap((dir) =>
      sources(join(repoRoot, "packages", dir, "src")).flatMap(declaredCodes),
    );
    const owners = new Set(codes.map((c) => c.file.split("/")[1]));
    expect([...owners].sort()).toEqual([...packages].sort());
  });
});
