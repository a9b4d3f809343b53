import { Buffer } from "node:buffer";
import type { MessageEntity, User } from "@bot/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canContain } from "../src/advanced.js";
import {
  blockquote,
  bold,
  code,
  customEmoji,
  dateTime,
  expandableBlockquote,
  FormatError,
  FormattedText,
  fmt,
  html,
  italic,
  join,
  link,
  mention,
  pre,
  spoiler,
  strikethrough,
  toFormatted,
  underline,
} from "../src/index.js";

/** UTF-16 code units counted independently of `String.length`. */
const utf16 = (s: string): number => Buffer.byteLength(s, "utf16le") / 2;

const slice = (f: FormattedText, e: MessageEntity): string =>
  f.text.slice(e.offset, e.offset + e.length);

function expectFormatError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as FormatError).code).toBe(code);
  expect((caught as FormatError).message).toMatch(/^@bot\/dispatcher: /);
}

describe("fmt", () => {
  it("builds text and entities from a template", () => {
    const f = fmt`Hello ${bold("Ann")}!`;
    expect(f.text).toBe("Hello Ann!");
    expect(f.entities).toEqual([{ type: "bold", offset: 6, length: 3 }]);
  });

  it("counts offsets in UTF-16 code units through emoji, ZWJ sequences, flags and combining marks", () => {
    const family = "👨‍👩‍👧"; // 3 emoji joined by 2 ZWJ: 8 code units
    const flag = "🇺🇦"; // 2 regional indicators: 4 code units
    const combining = "e\u0301"; // e + combining acute: 2 code units
    const math = "𝒳"; // astral plane: a surrogate pair
    const f = fmt`${family} ${bold(combining)} ${italic(flag)}${math} ${code(family)} 中文 ${underline(math)}`;
    expect(utf16(family)).toBe(8);
    const expected: [MessageEntity["type"], string, number][] = [
      ["bold", combining, utf16(`${family} `)],
      ["italic", flag, utf16(`${family} ${combining} `)],
      ["code", family, utf16(`${family} ${combining} ${flag}${math} `)],
      ["underline", math, utf16(`${family} ${combining} ${flag}${math} ${family} 中文 `)],
    ];
    expect(f.entities).toEqual(
      expected.map(([type, s, offset]) => ({ type, offset, length: utf16(s) })),
    );
    for (const [i, e] of f.entities.entries()) expect(slice(f, e)).toBe(expected[i]?.[1]);
  });

  it("inserts interpolated strings verbatim, so markup in user input creates nothing", () => {
    const name = "<b>*_[x](y)`~||>#";
    const f = fmt`Hi ${name}, ${bold(name)}`;
    expect(f.text).toBe(`Hi ${name}, ${name}`);
    expect(f.entities).toEqual([{ type: "bold", offset: 5 + name.length, length: name.length }]);
  });

  it("nests entities with the outer one first and shifts inner offsets", () => {
    const f = fmt`> ${bold(fmt`a ${italic("b")} ${link(strikethrough("c"), "https://e.x")}`)}`;
    expect(f.text).toBe("> a b c");
    expect(f.entities).toEqual([
      { type: "bold", offset: 2, length: 5 },
      { type: "italic", offset: 4, length: 1 },
      { type: "text_link", offset: 6, length: 1, url: "https://e.x" },
      { type: "strikethrough", offset: 6, length: 1 },
    ]);
    expect(bold(italic("x")).entities).toEqual([
      { type: "bold", offset: 0, length: 1 },
      { type: "italic", offset: 0, length: 1 },
    ]);
  });

  it("is spreadable into send params and serialises to exactly text and entities", () => {
    const f = fmt`${bold("a")}b`;
    expect({ chat_id: 1, ...f }).toStrictEqual({
      chat_id: 1,
      text: "ab",
      entities: [{ type: "bold", offset: 0, length: 1 }],
    });
    expect(JSON.parse(JSON.stringify(f))).toStrictEqual({
      text: "ab",
      entities: [{ type: "bold", offset: 0, length: 1 }],
    });
    expect(f.asCaption()).toStrictEqual({
      caption: "ab",
      caption_entities: [{ type: "bold", offset: 0, length: 1 }],
    });
    expect(f.asInputText()).toStrictEqual({
      message_text: "ab",
      entities: [{ type: "bold", offset: 0, length: 1 }],
    });
    expect(String(f)).toBe("ab");
    expect(f.length).toBe(2);
  });

  it("keeps earlier results unchanged when they are reused", () => {
    const b = bold("x");
    const f = fmt`${b}${b}`;
    expect(b.entities).toEqual([{ type: "bold", offset: 0, length: 1 }]);
    expect(f.entities.map((e) => e.offset)).toEqual([0, 1]);
    expect(Object.isFrozen(f.entities[1])).toBe(true);
  });

  it("interpolates numbers, booleans, arrays and received text with entities", () => {
    const received = {
      text: "see /start",
      entities: [{ type: "bot_command", offset: 4, length: 6 }],
    };
    const f = fmt`${1} ${true} ${[bold("a"), "b"]} ${received as { text: string; entities: MessageEntity[] }}`;
    expect(f.text).toBe("1 true ab see /start");
    expect(f.entities).toEqual([
      { type: "bold", offset: 7, length: 1 },
      { type: "bot_command", offset: 14, length: 6 },
    ]);
  });

  it("joins and concatenates without losing entities", () => {
    const f = join([bold("a"), "b", italic("c")], fmt`${underline(",")} `);
    expect(f.text).toBe("a, b, c");
    expect(f.entities).toEqual([
      { type: "bold", offset: 0, length: 1 },
      { type: "underline", offset: 1, length: 1 },
      { type: "underline", offset: 4, length: 1 },
      { type: "italic", offset: 6, length: 1 },
    ]);
    expect(bold("x").concat(" ", code("y")).entities).toEqual([
      { type: "bold", offset: 0, length: 1 },
      { type: "code", offset: 2, length: 1 },
    ]);
    expect(join([]).text).toBe("");
  });

  it("joins 20,000 parts with every offset right", () => {
    const parts = Array.from({ length: 20_000 }, (_, i) => bold(`👍${i}`));
    const f = join(parts, "\n");
    expect(f.entities).toHaveLength(20_000);
    const last = f.entities[19_999] as MessageEntity;
    expect(slice(f, last)).toBe("👍19999");
    expect(last.offset).toBe(f.text.length - utf16("👍19999"));
  });

  it("creates no zero-length entity", () => {
    expect(bold("").entities).toEqual([]);
    expect(fmt`a${italic("")}b`.entities).toEqual([]);
  });

  it("normalises values with toFormatted", () => {
    const b = bold("x");
    expect(toFormatted(b)).toBe(b);
    expect(toFormatted(42)).toEqual(new FormattedText("42", []));
  });
});

describe("entity helpers", () => {
  it("produce the Bot API entity shapes", () => {
    const user: User = { id: 7, is_bot: false, first_name: "Ann" };
    const cases: [FormattedText, MessageEntity][] = [
      [italic("x"), { type: "italic", offset: 0, length: 1 }],
      [underline("x"), { type: "underline", offset: 0, length: 1 }],
      [strikethrough("x"), { type: "strikethrough", offset: 0, length: 1 }],
      [spoiler("x"), { type: "spoiler", offset: 0, length: 1 }],
      [code("x"), { type: "code", offset: 0, length: 1 }],
      [pre("x"), { type: "pre", offset: 0, length: 1 }],
      [pre("x", "ts"), { type: "pre", offset: 0, length: 1, language: "ts" }],
      [link("x", "https://a.b"), { type: "text_link", offset: 0, length: 1, url: "https://a.b" }],
      [mention("x", 42), { type: "text_link", offset: 0, length: 1, url: "tg://user?id=42" }],
      [mention("x", user), { type: "text_mention", offset: 0, length: 1, user }],
      [
        customEmoji("👍", "123"),
        { type: "custom_emoji", offset: 0, length: 2, custom_emoji_id: "123" },
      ],
      [blockquote("x"), { type: "blockquote", offset: 0, length: 1 }],
      [expandableBlockquote("x"), { type: "expandable_blockquote", offset: 0, length: 1 }],
      [
        dateTime("x", 1_700_000_000),
        { type: "date_time", offset: 0, length: 1, unix_time: 1_700_000_000 },
      ],
      [
        dateTime("x", new Date(1_700_000_000_500), "wDT"),
        {
          type: "date_time",
          offset: 0,
          length: 1,
          unix_time: 1_700_000_000,
          date_time_format: "wDT",
        },
      ],
      [
        dateTime("x", 5, "r"),
        { type: "date_time", offset: 0, length: 1, unix_time: 5, date_time_format: "r" },
      ],
    ];
    for (const [f, e] of cases) expect(f.entities).toStrictEqual([e]);
  });

  it("reject bad arguments with a typed error", () => {
    expectFormatError(() => link("x", ""), "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT");
    expectFormatError(() => mention("x", 1.5), "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT");
    expectFormatError(() => customEmoji("", "1"), "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT");
    expectFormatError(() => customEmoji("👍", ""), "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT");
    expectFormatError(() => dateTime("x", 1, "rw"), "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT");
    expectFormatError(() => dateTime("x", 1, "x"), "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT");
    expectFormatError(
      () => dateTime("x", new Date(Number.NaN)),
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
    );
    expectFormatError(
      () => fmt`${{ text: 1 } as unknown as { text: string }}`,
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
    );
    expectFormatError(
      () => fmt`${{ text: "x", entities: {} } as unknown as { text: string }}`,
      "BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT",
    );
    expectFormatError(
      () => fmt`${html`<b>x</b>` as never}`,
      "BOT_DISPATCHER_FORMAT_PARSE_MODE_MISMATCH",
    );
  });
});

describe("nesting rules", () => {
  it("reject what Telegram forbids with BOT_DISPATCHER_FORMAT_INVALID_NESTING", () => {
    const bad: [string, () => unknown][] = [
      ["code contains bold", () => code(bold("x"))],
      ["pre contains a link", () => pre(link("x", "https://a.b"))],
      ["pre contains code", () => pre(fmt`a ${code("b")}`)],
      ["blockquote in blockquote", () => blockquote(fmt`a ${blockquote("b")}`)],
      ["expandable in blockquote", () => blockquote(expandableBlockquote("b"))],
      ["blockquote in expandable", () => expandableBlockquote(bold(blockquote("b")))],
      ["link in link", () => link(link("x", "https://a.b"), "https://c.d")],
      ["code in a link", () => link(code("x"), "https://a.b")],
      ["mention in mention", () => mention(mention("x", 1), 2)],
    ];
    for (const [, fn] of bad) expectFormatError(fn, "BOT_DISPATCHER_FORMAT_INVALID_NESTING");
  });

  it("allow what Telegram accepts", () => {
    expect(() => bold(italic(underline(strikethrough(spoiler("x")))))).not.toThrow();
    expect(() => link(bold("x"), "https://a.b")).not.toThrow();
    expect(() => bold(link("x", "https://a.b"))).not.toThrow();
    expect(() =>
      blockquote(fmt`${bold("a")} ${link("b", "https://a.b")} ${code("c")}`),
    ).not.toThrow();
    expect(() => spoiler(expandableBlockquote("x"))).not.toThrow();
    expect(() => mention(italic("x"), 1)).not.toThrow();
    // The Bot API page says styles nest "except pre and code"; TDLib, which implements it,
    // lets a style contain code, and only code and pre contain nothing.
    expect(bold(code("x")).entities.map((e) => e.type)).toStrictEqual(["bold", "code"]);
    expect(() => italic(fmt`a${pre("b")}`)).not.toThrow();
  });

  it("canContain agrees with the rules table", () => {
    expect(canContain("bold", "text_link")).toBe(true);
    expect(canContain("text_link", "bold")).toBe(true);
    expect(canContain("text_link", "custom_emoji")).toBe(false);
    expect(canContain("code", "bold")).toBe(false);
    expect(canContain("bold", "code")).toBe(true);
    expect(canContain("blockquote", "expandable_blockquote")).toBe(false);
    expect(canContain("blockquote", "pre")).toBe(true);
  });
});

describe("fmt properties", () => {
  const styles = [bold, italic, underline, strikethrough, spoiler, code] as const;
  const segment = fc.record({
    text: fc.string({ unit: "grapheme", maxLength: 8 }),
    style: fc.option(fc.integer({ min: 0, max: styles.length - 1 }), { nil: undefined }),
  });

  it("every entity covers exactly the text it was given, whatever the characters", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 12 }), (segments) => {
        const parts = segments.map((s) =>
          s.style === undefined ? s.text : styles[s.style]!(s.text),
        );
        const f = join(parts);
        expect(f.text).toBe(segments.map((s) => s.text).join(""));
        const styled = segments.filter((s) => s.style !== undefined && s.text.length > 0);
        expect(f.entities).toHaveLength(styled.length);
        let offset = 0;
        let k = 0;
        for (const s of segments) {
          if (s.style !== undefined && s.text.length > 0) {
            const e = f.entities[k++] as MessageEntity;
            expect(e.offset).toBe(offset);
            expect(e.length).toBe(utf16(s.text));
            expect(slice(f, e)).toBe(s.text);
          }
          offset += utf16(s.text);
        }
      }),
    );
  });
});
