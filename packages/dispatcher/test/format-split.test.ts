import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bold,
  FormatError,
  FormattedText,
  fmt,
  italic,
  join,
  link,
  MESSAGE_TEXT_MAX_LENGTH,
  pre,
  splitFormatted,
} from "../src/index.js";

/** For each entity type and URL, the set of UTF-16 positions it covers in the whole text. */
function coverage(chunks: readonly FormattedText[]): string[] {
  const out: string[] = [];
  let base = 0;
  for (const c of chunks) {
    for (const e of c.entities) {
      for (let i = 0; i < e.length; i++)
        out.push(`${e.type}:${e.url ?? ""}@${base + e.offset + i}`);
    }
    base += c.text.length;
  }
  return out.sort();
}

describe("splitFormatted", () => {
  it("returns short text as is and nothing for empty text", () => {
    const f = fmt`a ${bold("b")}`;
    expect(splitFormatted(f)).toStrictEqual([f]);
    expect(splitFormatted("")).toStrictEqual([]);
    expect(MESSAGE_TEXT_MAX_LENGTH).toBe(4096);
  });

  it("cuts at line breaks and splits the entities that cross a cut", () => {
    const f = fmt`${bold("aaaa\nbb")}bb\n${link("cccccc", "https://e.x")}`;
    const chunks = splitFormatted(f, 8);
    expect(chunks.map((c) => c.text)).toStrictEqual(["aaaa\n", "bbbb\n", "cccccc"]);
    expect(chunks.map((c) => c.entities)).toStrictEqual([
      [{ type: "bold", offset: 0, length: 5 }],
      [{ type: "bold", offset: 0, length: 2 }],
      [{ type: "text_link", offset: 0, length: 6, url: "https://e.x" }],
    ]);
  });

  it("falls back to spaces, then to grapheme boundaries", () => {
    expect(splitFormatted("aaaaa bbbbb", 8).map((c) => c.text)).toStrictEqual(["aaaaa ", "bbbbb"]);
    // A space too early would make a tiny chunk: cut the word instead.
    expect(splitFormatted("a bbbbbbbbb", 8).map((c) => c.text)).toStrictEqual(["a bbbbbb", "bbb"]);
    const family = "👨‍👩‍👧"; // 8 code units, one grapheme
    expect(splitFormatted(`abcde${family}`, 10).map((c) => c.text)).toStrictEqual([
      "abcde",
      family,
    ]);
    expect(splitFormatted("👍👍👍", 3).map((c) => c.text)).toStrictEqual(["👍", "👍", "👍"]);
  });

  it("splits a long code block into valid pieces", () => {
    const code = Array.from({ length: 300 }, (_, i) => `line ${i}`).join("\n");
    const chunks = splitFormatted(fmt`Output:\n${pre(code, "txt")}`, 1000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(1000);
      for (const e of c.entities) expect(e).toMatchObject({ type: "pre", language: "txt" });
    }
  });

  it("rejects a nonsense limit", () => {
    expect(() => splitFormatted("abc", 1)).toThrow(FormatError);
  });

  it("keeps all text and entities, within the limit, without splitting surrogate pairs", () => {
    const styles = [bold, italic, (s: string) => link(s, "https://e.x")] as const;
    const segment = fc.record({
      text: fc.oneof(
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.constantFrom("\n", " ", "👨‍👩‍👧", "e\u0301", "🇺🇦"),
      ),
      style: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 30 }),
        fc.integer({ min: 2, max: 40 }),
        (segments, max) => {
          const f = join(
            segments.map((s) => (s.style === undefined ? s.text : styles[s.style]!(s.text))),
          );
          const chunks = splitFormatted(f, max);
          expect(chunks.map((c) => c.text).join("")).toBe(f.text);
          for (const c of chunks) {
            expect(c.text.length).toBeGreaterThan(0);
            expect(c.text.length).toBeLessThanOrEqual(max);
            const last = c.text.charCodeAt(c.text.length - 1);
            expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
            for (const e of c.entities) {
              expect(e.length).toBeGreaterThan(0);
              expect(e.offset + e.length).toBeLessThanOrEqual(c.text.length);
            }
          }
          expect(coverage(chunks)).toStrictEqual(coverage([f]));
          // When every grapheme fits in a chunk, every cut falls on a grapheme boundary.
          const graphemes = [
            ...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(f.text),
          ];
          if (graphemes.every((g) => g.segment.length <= max)) {
            const boundaries = new Set(graphemes.map((g) => g.index));
            let at = 0;
            for (const c of chunks) {
              expect(boundaries.has(at)).toBe(true);
              at += c.text.length;
            }
          }
        },
      ),
    );
  });

  it("clips entities given in any order, as received messages may have them", () => {
    const f = new FormattedText("aaaa bbbb cccc", [
      { type: "url", offset: 10, length: 4 },
      { type: "bold", offset: 0, length: 14 },
      { type: "italic", offset: 3, length: 4 },
    ]);
    const chunks = splitFormatted(f, 6);
    expect(chunks.map((c) => c.text)).toStrictEqual(["aaaa ", "bbbb ", "cccc"]);
    expect(chunks.map((c) => c.entities)).toStrictEqual([
      [
        { type: "bold", offset: 0, length: 5 },
        { type: "italic", offset: 3, length: 2 },
      ],
      [
        { type: "bold", offset: 0, length: 5 },
        { type: "italic", offset: 0, length: 2 },
      ],
      [
        { type: "url", offset: 0, length: 4 },
        { type: "bold", offset: 0, length: 4 },
      ],
    ]);
  });
});
