import { describe, expect, it } from "vitest";
import { expandFormatted, FormattedConflictError, TypesError } from "../src/index.js";
import { parseUpdate, UpdateValidationError } from "../src/schemas.js";

const caught = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
};

describe("TypesError", () => {
  it("is the one base of the package's errors, each with a BOT_TYPES_* code", () => {
    const invalid = caught(() => parseUpdate({ update_id: "x" }));
    const conflict = caught(() =>
      expandFormatted("sendMessage", { text: { text: "a", entities: [] }, parse_mode: "HTML" }),
    );
    expect(invalid).toBeInstanceOf(UpdateValidationError);
    expect(conflict).toBeInstanceOf(FormattedConflictError);
    for (const error of [invalid, conflict]) {
      expect(error).toBeInstanceOf(TypesError);
      expect(TypesError.is(error)).toBe(true);
      expect((error as TypesError).code).toMatch(/^BOT_TYPES_[A-Z_]+$/);
    }
    expect((invalid as TypesError).code).toBe("BOT_TYPES_INVALID_UPDATE");
    expect((conflict as TypesError).code).toBe("BOT_TYPES_FORMATTED_CONFLICT");
    expect(invalid).not.toBeInstanceOf(FormattedConflictError);
    expect(TypesError.is(new Error("x"))).toBe(false);
  });

  it("is recognised by the brand @bot/types.<Name>, as from another copy of the package", () => {
    // What a second install of @bot/types would make: other classes, the same registered symbols.
    const fromCopy = Object.create(null) as Record<symbol, unknown>;
    fromCopy[Symbol.for("@bot/types.TypesError")] = true;
    fromCopy[Symbol.for("@bot/types.FormattedConflictError")] = true;
    expect(fromCopy).toBeInstanceOf(TypesError);
    expect(fromCopy).toBeInstanceOf(FormattedConflictError);
    expect(fromCopy).not.toBeInstanceOf(UpdateValidationError);
  });
});
