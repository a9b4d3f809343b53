import { readFileSync } from "node:fs";
import { specPath } from "@bot/codegen";
import { describe, expect, it } from "vitest";
import {
  BOT_API_VERSION,
  METHOD_SPECS,
  TYPE_NAMES,
  UNION_MEMBERS,
  UPDATE_KINDS,
} from "../src/index.ts";

const spec = JSON.parse(readFileSync(specPath(), "utf8"));

describe("generated tables", () => {
  it("has every method of the spec", () => {
    expect(Object.keys(METHOD_SPECS)).toEqual(Object.keys(spec.methods));
    expect(Object.keys(METHOD_SPECS)).toHaveLength(185);
  });

  it("has every type of the spec", () => {
    expect([...TYPE_NAMES]).toEqual(Object.keys(spec.types));
    expect(TYPE_NAMES).toHaveLength(400);
  });

  it("has the 26 unions", () => {
    expect(Object.keys(UNION_MEMBERS)).toHaveLength(26);
  });

  it("names the spec version", () => {
    expect(BOT_API_VERSION).toBe("10.3");
  });

  it("lists every update kind of Update", () => {
    const kinds = spec.types.Update.fields
      .map((f: { name: string }) => f.name)
      .filter((n: string) => n !== "update_id");
    expect(Object.keys(UPDATE_KINDS)).toEqual(kinds);
    expect(UPDATE_KINDS.message).toContain("text");
    expect(UPDATE_KINDS.callback_query).toContain("data");
  });
});

describe("public names", () => {
  it("exports every one of the 400 types and 185 params interfaces from the package root", () => {
    const index = readFileSync(new URL("../src/generated/index.ts", import.meta.url), "utf8");
    const exported = new Set([...index.matchAll(/^ {2}(\w+),$/gm)].map((m) => m[1]));
    const missing = Object.keys(spec.types).filter((t) => !exported.has(t));
    expect(missing).toEqual([]);
    const params = Object.keys(spec.methods).map(
      (m) => `${m[0]!.toUpperCase()}${m.slice(1)}Params`,
    );
    expect(params.filter((p) => !exported.has(p))).toEqual([]);
    const root = readFileSync(new URL("../src/index.ts", import.meta.url), "utf8");
    expect(root).toContain('export * from "./generated/index.js";');
  });
});
