import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  convertGramio,
  type GramioSources,
  mergeWithPrevious,
  type Spec,
  type SpecMethod,
  type SpecType,
  serializeSpec,
  specPath,
} from "../src/index.ts";

// @gramio/types@10.3.1 is a pinned devDependency: the test needs no network.
const out = new URL("../node_modules/@gramio/types/out/", import.meta.url);
const read = (name: string) => readFileSync(fileURLToPath(new URL(name, out)), "utf8");
const sources: GramioSources = {
  objects: read("objects.d.ts"),
  params: read("params.d.ts"),
  methods: read("methods.d.ts"),
};
const raw = readFileSync(specPath(), "utf8");
const vendored: Spec = JSON.parse(raw);

/** Every entry as name -> its fields' names and `required`, in order. */
function shape(section: Record<string, SpecMethod | SpecType>) {
  return Object.fromEntries(
    Object.entries(section).map(([name, e]) => [
      name,
      (e.fields ?? []).map((f) => `${f.name}${f.required ? "" : "?"}`),
    ]),
  );
}

function structure(section: Record<string, SpecMethod | SpecType>) {
  return Object.fromEntries(
    Object.entries(section).map(([name, e]) => [
      name,
      {
        href: e.href,
        returns: "returns" in e ? e.returns : undefined,
        subtypes: "subtypes" in e ? e.subtypes : undefined,
        subtype_of: "subtype_of" in e ? e.subtype_of : undefined,
        fields: (e.fields ?? []).map((f) => [f.name, f.required, f.types]),
      },
    ]),
  );
}

describe("convertGramio on @gramio/types@10.3.1", () => {
  const converted = convertGramio(sources, vendored);

  it("reads the release from the header", () => {
    expect(converted.version).toBe("Bot API 10.3");
    expect(converted.release_date).toBe(vendored.release_date);
    expect(converted.changelog).toBe(vendored.changelog);
  });

  it("reproduces the vendored method and type names, in order (185 and 400)", () => {
    expect(Object.keys(converted.methods)).toEqual(Object.keys(vendored.methods));
    expect(Object.keys(converted.types)).toEqual(Object.keys(vendored.types));
    expect(Object.keys(converted.methods)).toHaveLength(185);
    expect(Object.keys(converted.types)).toHaveLength(400);
  });

  it("reproduces every field and parameter with its required flag", () => {
    expect(shape(converted.methods)).toEqual(shape(vendored.methods));
    expect(shape(converted.types)).toEqual(shape(vendored.types));
    const count = (s: Spec) =>
      [...Object.values(s.types), ...Object.values(s.methods)].reduce(
        (n, e) => n + (e.fields?.length ?? 0),
        0,
      );
    expect(count(converted)).toBe(2820);
  });

  it("reproduces types, returns, union members and links", () => {
    expect(structure(converted.methods)).toEqual(structure(vendored.methods));
    expect(structure(converted.types)).toEqual(structure(vendored.types));
  });

  it("recovers RichText's String and Array of RichText members from the prose", () => {
    expect(converted.types.RichText!.subtypes!.slice(0, 2)).toEqual([
      "String",
      "Array of RichText",
    ]);
  });

  it("decides Integer and Float without a previous spec by its fallback rules", () => {
    const alone = convertGramio(sources);
    expect(structure(alone.types)).toEqual(structure(vendored.types));
    expect(structure(alone.methods)).toEqual(structure(vendored.methods));
  });

  it("turns the Markdown back into the page's text, except where gramio drops a paragraph", () => {
    const differing = [...Object.values(converted.methods), ...Object.values(converted.types)]
      .filter((e) => {
        const v = vendored.methods[e.name] ?? vendored.types[e.name];
        return JSON.stringify(e.description) !== JSON.stringify(v?.description);
      })
      .map((e) => e.name);
    expect(differing).toEqual(["getFile", "MenuButton", "InlineQueryResult", "ChosenInlineResult"]);
    const fieldTexts = (s: Spec) =>
      [...Object.values(s.methods), ...Object.values(s.types)].flatMap((e) =>
        (e.fields ?? []).map((f) => f.description),
      );
    expect(fieldTexts(converted)).toEqual(fieldTexts(vendored));
  });

  it("merged with the previous spec gives the vendored file byte for byte", () => {
    expect(serializeSpec(mergeWithPrevious(converted, vendored))).toBe(raw);
  });
});
