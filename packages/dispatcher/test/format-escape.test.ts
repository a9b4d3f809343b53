import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  escapeHtmlAttribute,
  escapeMarkdownV2,
  escapeMarkdownV2Code,
  escapeMarkdownV2Url,
  FormatError,
  html,
  MarkupText,
  md,
} from "../src/index.js";

/**
 * A reference reader for one MarkdownV2 context, written from the Bot API rules: `\` followed
 * by a character with code 1-126 yields that character; any unescaped character of `special`
 * (or a lone `\`) would be markup, so it throws.
 */
function readMarkdownV2(input: string, special: string): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === "\\") {
      const next = input[i + 1];
      if (next === undefined || next.charCodeAt(0) < 1 || next.charCodeAt(0) > 126) {
        throw new Error(`dangling backslash at ${i}`);
      }
      out += next;
      i++;
    } else if (special.includes(c)) {
      throw new Error(`unescaped ${JSON.stringify(c)} at ${i}`);
    } else {
      out += c;
    }
  }
  return out;
}

const MD_TEXT_SPECIAL = "_*[]()~`>#+-=|{}.!";
const MD_CODE_SPECIAL = "`";
const MD_URL_SPECIAL = ")";

/** A reference HTML text reader: raw `<`/`>` (and `"` in attributes) are markup; `&` must start an entity. */
function readHtml(input: string, attribute = false): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === "<" || c === ">" || (attribute && (c === '"' || c === "'"))) {
      throw new Error(`unescaped ${c} at ${i}`);
    }
    if (c !== "&") {
      out += c;
      continue;
    }
    const m = /^&(?:([a-z]+)|#(\d+)|#x([0-9a-f]+));/i.exec(input.slice(i));
    if (m === null) throw new Error(`bare & at ${i}`);
    if (m[1] !== undefined) {
      const v = named[m[1]];
      if (v === undefined) throw new Error(`unknown entity ${m[0]}`);
      out += v;
    } else {
      out += String.fromCodePoint(Number.parseInt(m[2] ?? m[3] ?? "", m[2] ? 10 : 16));
    }
    i += m[0].length - 1;
  }
  return out;
}

const anyText = fc.string({ unit: "binary", maxLength: 64 });
const markupHeavy = fc.string({
  unit: fc.constantFrom(..."_*[]()~`>#+-=|{}.!\\<>&\"'a ".split("")),
  maxLength: 64,
});
const texts = fc.oneof(anyText, markupHeavy);

describe("escapeMarkdownV2", () => {
  it("escapes the 18 special characters and the backslash, and nothing else", () => {
    expect(escapeMarkdownV2("_*[]()~`>#+-=|{}.!\\")).toBe(
      "\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\",
    );
    expect(escapeMarkdownV2("Hi, Ann 👋 <b>&'\"")).toBe("Hi, Ann 👋 <b\\>&'\"");
    expect(escapeMarkdownV2("1.5 - x")).toBe("1\\.5 \\- x");
  });

  it("round-trips through the reference reader in text, code and URL contexts", () => {
    fc.assert(
      fc.property(texts, (s) => {
        const e = escapeMarkdownV2(s);
        expect(readMarkdownV2(e, MD_TEXT_SPECIAL)).toBe(s);
        // The full escape is valid in the narrower contexts as well (the md template relies on it).
        expect(readMarkdownV2(e, MD_CODE_SPECIAL)).toBe(s);
        expect(readMarkdownV2(e, MD_URL_SPECIAL)).toBe(s);
      }),
    );
  });
});

describe("escapeMarkdownV2Code and escapeMarkdownV2Url", () => {
  it("escape only their context's characters", () => {
    expect(escapeMarkdownV2Code("a`b\\c_*.()")).toBe("a\\`b\\\\c_*.()");
    expect(escapeMarkdownV2Url("https://e.x/a_(b)\\c`")).toBe("https://e.x/a_(b\\)\\\\c`");
  });

  it("round-trip through the reference reader of their context", () => {
    fc.assert(
      fc.property(texts, (s) => {
        expect(readMarkdownV2(escapeMarkdownV2Code(s), MD_CODE_SPECIAL)).toBe(s);
        expect(readMarkdownV2(escapeMarkdownV2Url(s), MD_URL_SPECIAL)).toBe(s);
      }),
    );
  });

  it("would not be enough outside their context (the reader can fail)", () => {
    expect(() => readMarkdownV2(escapeMarkdownV2Code("a.b"), MD_TEXT_SPECIAL)).toThrow();
    expect(() => readMarkdownV2(escapeMarkdownV2Url("(x)"), MD_TEXT_SPECIAL)).toThrow();
  });
});

describe("escapeHtml and escapeHtmlAttribute", () => {
  it("escape <, > and & (and quotes for attributes) only", () => {
    expect(escapeHtml(`<b>Tom & "Jerry"</b>`)).toBe(`&lt;b&gt;Tom &amp; "Jerry"&lt;/b&gt;`);
    expect(escapeHtmlAttribute(`a"b<&>'`)).toBe("a&quot;b&lt;&amp;&gt;&#39;");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });

  it("round-trip through the reference reader", () => {
    fc.assert(
      fc.property(texts, (s) => {
        expect(readHtml(escapeHtml(s))).toBe(s);
        expect(readHtml(escapeHtmlAttribute(s), true)).toBe(s);
      }),
    );
  });
});

describe("html template", () => {
  it("escapes quotes too, so single-quoted attributes are safe", () => {
    expect(html`<a href='${"x' onclick='y"}'>z</a>`.text).toBe(
      "<a href='x&#39; onclick=&#39;y'>z</a>",
    );
  });

  it("escapes interpolations in text and attributes", () => {
    const name = `<b>"Ann" & co</b>`;
    const url = `https://e.x/?a="><script>`;
    const m = html`<b>${name}</b> <a href="${url}">${42}</a>`;
    expect(m).toBeInstanceOf(MarkupText);
    expect(m.text).toBe(
      `<b>&lt;b&gt;&quot;Ann&quot; &amp; co&lt;/b&gt;</b> <a href="https://e.x/?a=&quot;&gt;&lt;script&gt;">42</a>`,
    );
    expect({ chat_id: 1, ...m }).toStrictEqual({ chat_id: 1, text: m.text, parse_mode: "HTML" });
    expect(m.asCaption()).toStrictEqual({ caption: m.text, parse_mode: "HTML" });
    expect(String(m)).toBe(m.text);
  });

  it("never lets an interpolated value open or close a tag", () => {
    fc.assert(
      fc.property(texts, (s) => {
        const m = html`<i>${s}</i>`;
        const inner = m.text.slice(3, -4);
        expect(m.text.startsWith("<i>") && m.text.endsWith("</i>")).toBe(true);
        expect(readHtml(inner, true)).toBe(s);
      }),
    );
  });

  it("inserts HTML markup built by html unescaped and refuses MarkdownV2 markup", () => {
    const inner = html`<b>${"x<y"}</b>`;
    expect(html`<i>${inner}</i>`.text).toBe("<i><b>x&lt;y</b></i>");
    let caught: unknown;
    try {
      html`${md`*x*`}`;
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).code).toBe("BOT_DISPATCHER_FORMAT_PARSE_MODE_MISMATCH");
  });
});

describe("md template", () => {
  it("escapes interpolations, including inside link URLs and code", () => {
    const m = md`*${"a_b*c"}* [${"x](y)"}](${"https://e.x/a)b"}) \`${"a`b"}\``;
    expect(m.text).toBe("*a\\_b\\*c* [x\\]\\(y\\)](https://e\\.x/a\\)b) `a\\`b`");
    expect(m.parse_mode).toBe("MarkdownV2");
    expect(md`_${md`*${"."}*`}_`.text).toBe("_*\\.*_");
  });

  it("never leaves an unescaped special character from an interpolated value", () => {
    fc.assert(
      fc.property(texts, texts, (a, b) => {
        const m = md`*${a}*${b}`;
        expect(m.text.startsWith("*")).toBe(true);
        const close = m.text.length - escapeMarkdownV2(b).length - 1;
        expect(m.text[close]).toBe("*");
        expect(readMarkdownV2(m.text.slice(1, close), MD_TEXT_SPECIAL)).toBe(a);
        expect(readMarkdownV2(m.text.slice(close + 1), MD_TEXT_SPECIAL)).toBe(b);
      }),
    );
  });
});
