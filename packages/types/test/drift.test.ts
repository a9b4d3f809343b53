import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findDrift, generate, specPath } from "@bot/codegen";
import { afterAll, describe, expect, it } from "vitest";

const generatedDir = fileURLToPath(new URL("../src/generated", import.meta.url));
const spec = JSON.parse(readFileSync(specPath(), "utf8"));
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("generated output", () => {
  it("matches what the generator makes from the spec (drift check)", () => {
    expect(findDrift(generate(spec), generatedDir)).toEqual([]);
  });

  it("is deterministic", () => {
    expect(generate(spec)).toEqual(generate(structuredClone(spec)));
  });

  it("the drift check catches one edited line", () => {
    const copy = mkdtempSync(join(tmpdir(), "bot-types-drift-"));
    temps.push(copy);
    cpSync(generatedDir, copy, { recursive: true });
    expect(findDrift(generate(spec), copy)).toEqual([]);
    const file = join(copy, "types.ts");
    const lines = readFileSync(file, "utf8").split("\n");
    const i = lines.findIndex((l) => l.includes("text?: string;"));
    lines[i] = lines[i]!.replace("text?: string;", "text?: number;");
    writeFileSync(file, lines.join("\n"));
    expect(findDrift(generate(spec), copy)).toEqual(["types.ts"]);
  });

  it("marks every file as generated", () => {
    for (const content of Object.values(generate(spec))) {
      expect(content.startsWith("// @generated")).toBe(true);
    }
  });
});
