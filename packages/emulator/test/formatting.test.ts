import { describe, expect, it } from "vitest";
import { ApiFailure } from "../src/errors.js";
import { parseHtml, parseMarkdownV2 } from "../src/formatting.js";

const alice = { id: 42, is_bot: false, first_name: "Alice" };
const users = (id: number) => (id === 42 ? alice : undefined);

function rejects(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ApiFailure);
  expect((error as ApiFailure).description).toMatch(pattern);
}

describe("MarkdownV2", () => {
  it("accepts \\) inside a link URL and keeps it in the URL", () => {
    expect(parseMarkdownV2("[see](https://example.com/a_\\(b\\))")).toEqual({
      text: "see",
      entities: [{ type: "text_link", offset: 0, length: 3, url: "https://example.com/a_(b)" }],
    });
  });

  it("accepts \\` and \\\\ inside code and pre", () => {
    expect(parseMarkdownV2("`a\\`b\\\\c`")).toEqual({
      text: "a`b\\c",
      entities: [{ type: "code", offset: 0, length: 5 }],
    });
    expect(parseMarkdownV2("```js\nlet s = \\`x\\`;\n```")).toEqual({
      text: "let s = `x`;\n",
      entities: [{ type: "pre", offset: 0, length: 13, language: "js" }],
    });
  });

  it("does not require escaping the 18 characters inside code", () => {
    expect(parseMarkdownV2("`a.b-c(d)!`").text).toBe("a.b-c(d)!");
  });

  it("refuses an unescaped reserved character in text, with Telegram's error", () => {
    rejects(() => parseMarkdownV2("a.b"), /Character '\.' is reserved/);
    rejects(() => parseMarkdownV2("x ] y"), /Character '\]' is reserved/);
    rejects(() => parseMarkdownV2("*open"), /Can't find end/);
  });

  it("nests marks and reads __ greedily as underline", () => {
    expect(parseMarkdownV2("*bold _it_*")).toEqual({
      text: "bold it",
      entities: [
        { type: "bold", offset: 0, length: 7 },
        { type: "italic", offset: 5, length: 2 },
      ],
    });
    expect(parseMarkdownV2("___italic underline_**__").entities).toEqual([
      { type: "underline", offset: 0, length: 16 },
      { type: "italic", offset: 0, length: 16 },
    ]);
  });

  it("ignores \\r, as Telegram documents, so it can separate _ from __", () => {
    expect(parseMarkdownV2("___italic underline_\r__")).toEqual({
      text: "italic underline",
      entities: [
        { type: "underline", offset: 0, length: 16 },
        { type: "italic", offset: 0, length: 16 },
      ],
    });
    expect(parseMarkdownV2("_\r__a__\r_\r").entities).toEqual([
      { type: "italic", offset: 0, length: 1 },
      { type: "underline", offset: 0, length: 1 },
    ]);
    expect(parseMarkdownV2("a\r\nb").text).toBe("a\nb");
  });

  it("refuses partially overlapping marks", () => {
    rejects(() => parseMarkdownV2("*a _b* c_"), /Can't find end/);
  });

  it("parses block quotes and expandable block quotes", () => {
    expect(parseMarkdownV2(">one\n>two\nafter")).toEqual({
      text: "one\ntwo\nafter",
      entities: [{ type: "blockquote", offset: 0, length: 7 }],
    });
    expect(parseMarkdownV2("**>hidden\n>more||\nafter")).toEqual({
      text: "hidden\nmore\nafter",
      entities: [{ type: "expandable_blockquote", offset: 0, length: 11 }],
    });
  });

  it("parses custom emoji, date-time and tg://user links", () => {
    expect(parseMarkdownV2("![👍](tg://emoji?id=5368324170671202286)").entities).toEqual([
      { type: "custom_emoji", offset: 0, length: 2, custom_emoji_id: "5368324170671202286" },
    ]);
    expect(parseMarkdownV2("![now](tg://time?unix=1700000000&format=wDT)").entities).toEqual([
      { type: "date_time", offset: 0, length: 3, unix_time: 1700000000, date_time_format: "wDT" },
    ]);
    expect(parseMarkdownV2("[Alice](tg://user?id=42)", users).entities).toEqual([
      { type: "text_mention", offset: 0, length: 5, user: alice },
    ]);
  });
});

describe("HTML", () => {
  it("decodes &quot;, &#39; and &#x27; in href and in text", () => {
    expect(parseHtml('<a href="https://x.test/?q=&quot;a&#39;b&#x27;&amp;c">it&#39;s</a>')).toEqual(
      {
        text: "it's",
        entities: [{ type: "text_link", offset: 0, length: 4, url: "https://x.test/?q=\"a'b'&c" }],
      },
    );
  });

  it("keeps unknown named references as written", () => {
    expect(parseHtml("a &nbsp; &apos; b").text).toBe("a &nbsp; &apos; b");
  });

  it("reads <pre><code class=language-js> as one pre entity with its language", () => {
    expect(parseHtml('<pre><code class="language-js">let a = 1;</code></pre>')).toEqual({
      text: "let a = 1;",
      entities: [{ type: "pre", offset: 0, length: 10, language: "js" }],
    });
  });

  it("supports blockquote expandable, span.tg-spoiler, tg-emoji and tg-time", () => {
    const f = parseHtml(
      '<blockquote expandable>q</blockquote><span class="tg-spoiler">s</span>' +
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><tg-time unix="1700000000" format="r">t</tg-time>',
    );
    expect(f.text).toBe("qs👍t");
    expect(f.entities).toEqual([
      { type: "expandable_blockquote", offset: 0, length: 1 },
      { type: "spoiler", offset: 1, length: 1 },
      { type: "custom_emoji", offset: 2, length: 2, custom_emoji_id: "5368324170671202286" },
      { type: "date_time", offset: 4, length: 1, unix_time: 1700000000, date_time_format: "r" },
    ]);
  });

  it("turns tg://user?id= into a text_mention with the known user", () => {
    expect(parseHtml('<a href="tg://user?id=42">Alice</a>', users).entities).toEqual([
      { type: "text_mention", offset: 0, length: 5, user: alice },
    ]);
  });

  it("accepts single-quoted and unquoted attributes", () => {
    expect(
      parseHtml("<a href='https://a.test'>x</a><a href=https://b.test>y</a>").entities,
    ).toEqual([
      { type: "text_link", offset: 0, length: 1, url: "https://a.test" },
      { type: "text_link", offset: 1, length: 1, url: "https://b.test" },
    ]);
  });

  it("refuses unsupported tags, a plain span and mismatched tags", () => {
    rejects(() => parseHtml("<div>x</div>"), /Unsupported start tag "div"/);
    rejects(() => parseHtml("<span>x</span>"), /tg-spoiler/);
    rejects(() => parseHtml("<b>x</i>"), /Unmatched end tag/);
    rejects(() => parseHtml("<b>x"), /Can't find end tag/);
    rejects(() => parseHtml('<tg-time unix="1" format="zz">x</tg-time>'), /date and time format/);
  });
});
