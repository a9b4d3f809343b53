import { describe, expect, it } from "vitest";
import { escapeKeyPart, storageKey } from "../src/advanced.js";

describe("storageKey: keys scoped by bot, user-chosen parts escaped", () => {
  it("lays keys out as <botId>:<kind>:<parts>", () => {
    expect(storageKey(123, "data", "chat", -42)).toBe("123:data:chat:-42");
    expect(storageKey("123", "dedup", 7)).toBe("123:dedup:7");
    expect(storageKey(123, "session", "wizard", "admin:42")).toBe("123:session:wizard:admin%3A42");
  });

  it("leaves plain text unchanged and escapes :, %, { and }", () => {
    expect(escapeKeyPart("abc-_ ключ 1")).toBe("abc-_ ключ 1");
    expect(escapeKeyPart("a:b%c{d}")).toBe("a%3Ab%25c%7Bd%7D");
    expect(escapeKeyPart("%3A")).toBe("%253A");
  });

  it("never maps two distinct tuples to one key", () => {
    const atoms = ["", ":", "%", "%3A", "a", "a:b", "b", "{", "}", "{a}", "%25", "::"];
    const tuples: string[][] = [[]];
    for (const a of atoms) {
      tuples.push([a]);
      for (const b of atoms) {
        tuples.push([a, b]);
        for (const c of atoms.slice(0, 6)) tuples.push([a, b, c]);
      }
    }
    const seen = new Map<string, string>();
    for (const botId of ["1", "2", "1:2"]) {
      for (const kind of ["data", "session"]) {
        for (const parts of tuples) {
          const id = JSON.stringify([botId, kind, ...parts]);
          const key = storageKey(botId, kind, ...parts);
          expect(seen.get(key) ?? id, key).toBe(id);
          seen.set(key, id);
        }
      }
    }
    expect(seen.size).toBe(3 * 2 * tuples.length);
  });

  it("keeps two bots apart and rejects a bad bot id or kind with a typed error", () => {
    expect(storageKey(1, "data", "user", 5)).not.toBe(storageKey(2, "data", "user", 5));
    expect(() => storageKey(1.5, "data")).toThrow(
      expect.objectContaining({ code: "BOT_DISPATCHER_STORAGE_INVALID_KEY" }),
    );
    expect(() => storageKey("", "data")).toThrow(
      expect.objectContaining({ code: "BOT_DISPATCHER_STORAGE_INVALID_KEY" }),
    );
    expect(() => storageKey(1, "Data:x")).toThrow(
      expect.objectContaining({ code: "BOT_DISPATCHER_STORAGE_INVALID_KEY" }),
    );
  });
});
