import { describe, expect, it } from "vitest";
import { brand } from "../src/index.js";

describe("brand", () => {
  it("is Symbol.for of its key, so two copies of a package agree", () => {
    const a = brand("@bot/test.Thing");
    const b = brand("@bot/test.Thing");
    expect(a.symbol).toBe(Symbol.for("@bot/test.Thing"));
    expect(b.symbol).toBe(a.symbol);
    expect(a.key).toBe("@bot/test.Thing");
  });

  it("makes instanceof recognise instances of a class from another copy", () => {
    // Two classes with one brand stand for the same class in two installs of a package.
    class CopyA extends Error {}
    class CopyB extends Error {}
    brand("@bot/test.CopyError").brandClass(CopyA);
    brand("@bot/test.CopyError").brandClass(CopyB);
    expect(new CopyB() instanceof CopyA).toBe(true);
    expect(new CopyA() instanceof CopyB).toBe(true);
    expect(new Error() instanceof CopyA).toBe(false);
    expect((null as unknown as object) instanceof CopyA).toBe(false);
    expect(brand("@bot/test.CopyError").is(new CopyB())).toBe(true);
  });

  it("keeps the prototype check for a subclass without a brand of its own", () => {
    class Base extends Error {}
    class Plain extends Base {}
    class Branded extends Base {}
    brand("@bot/test.Base").brandClass(Base);
    brand("@bot/test.Branded").brandClass(Branded);
    expect(new Plain() instanceof Base).toBe(true);
    expect(new Base() instanceof Plain).toBe(false);
    expect(new Branded() instanceof Plain).toBe(false);
    expect(new Branded() instanceof Base).toBe(true);
    expect(new Base() instanceof Branded).toBe(false);
  });

  it("puts the brand on the prototype, not on each instance", () => {
    class Thing {}
    const b = brand("@bot/test.Proto");
    b.brandClass(Thing);
    const thing = new Thing();
    expect(Object.getOwnPropertySymbols(thing)).toEqual([]);
    expect(b.is(thing)).toBe(true);
    expect(Object.keys(Thing.prototype)).toEqual([]);
  });

  it("marks one object, non-enumerable", () => {
    const b = brand("@bot/test.Marked");
    const value = b.mark({ x: 1 });
    expect(b.is(value)).toBe(true);
    expect(JSON.stringify(value)).toBe('{"x":1}');
    expect({ ...value }).toEqual({ x: 1 });
    expect(b.is({ x: 1 })).toBe(false);
    expect(b.is({ [b.symbol]: "yes" })).toBe(false);
    expect(b.is(undefined)).toBe(false);
  });

  it("refuses keys that are not @bot/<package>.<Name>", () => {
    expect(() => brand("@bot/test" as never)).toThrow(TypeError);
    expect(() => brand("bot/test.Thing" as never)).toThrow(TypeError);
    expect(() => brand("@bot/test.Thing.extra" as never)).toThrow(TypeError);
    expect(() => brand("@bot/test/Thing" as never)).toThrow(TypeError);
  });
});
