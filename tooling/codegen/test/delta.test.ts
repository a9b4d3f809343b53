import { describe, expect, it } from "vitest";
import { formatDelta, specDelta } from "../src/index.ts";
import { smallSpec, smallSpecNext } from "./fixtures.ts";

describe("specDelta", () => {
  const delta = specDelta(smallSpec(), smallSpecNext());

  it("lists methods and types added and removed", () => {
    expect(delta.methods.added).toEqual(["sendPong"]);
    expect(delta.methods.removed).toEqual([]);
    expect(delta.types.added).toEqual(["Pong"]);
    expect(delta.types.removed).toEqual([]);
    expect(specDelta(smallSpecNext(), smallSpec()).methods.removed).toEqual(["sendPong"]);
  });

  it("lists fields added, removed and changed, and changed return types", () => {
    expect(delta.methods.changed).toEqual([
      {
        name: "sendPing",
        fieldsAdded: ["echo"],
        fieldsRemoved: [],
        fieldsChanged: [
          {
            name: "count",
            from: { types: ["Integer"], required: false },
            to: { types: ["Integer"], required: true },
          },
        ],
        returns: { from: ["Boolean"], to: ["Ping"] },
        subtypesAdded: [],
        subtypesRemoved: [],
      },
    ]);
    expect(delta.types.changed.map((c) => c.name)).toEqual(["User", "Ping"]);
    expect(delta.types.changed[0]!.fieldsRemoved).toEqual(["first_name"]);
    expect(delta.types.changed[1]!.fieldsChanged[0]!.to.types).toEqual(["Integer"]);
  });

  it("reports union members and ignores description edits", () => {
    const a = smallSpec();
    a.types.Thing = { name: "Thing", href: "x", subtypes: ["User", "Ping"] };
    const b = structuredClone(a);
    b.types.Thing!.subtypes = ["User", "Update"];
    b.types.User!.description = ["Edited prose."];
    b.types.User!.fields![0]!.description = "Edited too";
    expect(specDelta(a, b).types.changed).toEqual([
      {
        name: "Thing",
        fieldsAdded: [],
        fieldsRemoved: [],
        fieldsChanged: [],
        subtypesAdded: ["Update"],
        subtypesRemoved: ["Ping"],
      },
    ]);
  });

  it("is empty between a spec and itself", () => {
    const d = specDelta(smallSpec(), smallSpec());
    expect([d.methods, d.types]).toEqual([
      { added: [], removed: [], changed: [] },
      { added: [], removed: [], changed: [] },
    ]);
  });
});

describe("formatDelta", () => {
  it("prints one line per change", () => {
    expect(formatDelta(specDelta(smallSpec(), smallSpecNext()))).toBe(
      [
        "Bot API 1.0 -> Bot API 1.1",
        "methods: +1 -0 ~1",
        "  added: sendPong",
        "  sendPing: +echo; ~count: Integer (optional) -> Integer (required); returns Boolean -> Ping",
        "types: +1 -0 ~2",
        "  added: Pong",
        "  User: -first_name",
        "  Ping: ~strength: Float (required) -> Integer (required)",
        "",
      ].join("\n"),
    );
  });
});
