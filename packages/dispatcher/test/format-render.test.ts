import type { MessageEntity, User } from "@bot/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blockquote,
  bold,
  code,
  customEmoji,
  dateTime,
  expandableBlockquote,
  type FmtValue,
  FormatError,
  FormattedText,
  fmt,
  html,
  italic,
  join,
  link,
  md,
  mention,
  pre,
  spoiler,
  strikethrough,
  toHtml,
  underline,
} from "../src/index.js";

const TAGS: Record<string, MessageEntity["type"]> = {
  b: "bold",
  i: "italic",
  u: "underline",
  s: "strikethrough",
  "tg-spoiler": "spoiler",
  code: "code",
  pre: "pre",
  a: "text_link",
  "tg-emoji": "custom_emoji",
  "tg-time": "date_time",
  blockquote: "blockquote",
};

/**
 * A reference reader for Telegram's HTML, written for this test: tags become entities with
 * UTF-16 offsets, `&lt; &gt; &amp; &quot;` are decoded, anything else that looks like markup throws.
 */
function readHtml(input: string): FormattedText {
  const decode = (s: string): string => {
    if (/[<>]/.test(s)) throw new Error(`raw markup in ${JSON.stringify(s)}`);
    return s.replace(
      /&(?:(lt|gt|amp|quot);|(.))/g,
      (_, name: string | undefined, other: string | undefined) => {
        if (other !== undefined) throw new Error("bare &");
        return { lt: "<", gt: ">", amp: "&", quot: '"' }[name as "lt"];
      },
    );
  };
  let text = "";
  const entities: MessageEntity[] = [];
  const open: { tag: string; entity: MessageEntity | undefined }[] = [];
  const re = /<(\/?)([a-z-]+)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>/g;
  let last = 0;
  for (let m = re.exec(input); m !== null; m = re.exec(input)) {
    text += decode(input.slice(last, m.index));
    last = re.lastIndex;
    const [, closing, tag = "", rawAttrs = ""] = m;
    if (closing) {
      const top = open.pop();
      if (top?.tag !== tag) throw new Error(`mismatched </${tag}>`);
      if (top.entity) top.entity.length = text.length - top.entity.offset;
      continue;
    }
    const attrs = Object.fromEntries(
      [...rawAttrs.matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map((a) => [
        a[1],
        a[2] === undefined ? "" : decode(a[2]),
      ]),
    );
    const type = TAGS[tag];
    if (type === undefined) throw new Error(`unknown tag ${tag}`);
    // <pre><code class="language-x"> is one pre entity with a language.
    const parent = open.at(-1);
    if (tag === "code" && parent?.tag === "pre" && parent.entity && attrs.class) {
      parent.entity.language = attrs.class.replace(/^language-/, "");
      open.push({ tag, entity: undefined });
      continue;
    }
    const entity: MessageEntity = { type, offset: text.length, length: 0 };
    if (tag === "a") {
      const id = /^tg:\/\/user\?id=(\d+)$/.exec(attrs.href ?? "");
      if (id) Object.assign(entity, { type: "text_link", url: `tg://user?id=${id[1]}` });
      else entity.url = attrs.href;
    }
    if (tag === "tg-emoji") entity.custom_emoji_id = attrs["emoji-id"];
    if (tag === "tg-time") {
      entity.unix_time = Number(attrs.unix);
      if (attrs.format !== undefined) entity.date_time_format = attrs.format;
    }
    if (tag === "blockquote" && "expandable" in attrs) entity.type = "expandable_blockquote";
    entities.push(entity);
    open.push({ tag, entity });
  }
  text += decode(input.slice(last));
  if (open.length > 0) throw new Error("unclosed tag");
  return new FormattedText(text, entities);
}

describe("toHtml", () => {
  it("renders every entity type as Telegram's HTML tags", () => {
    const user: User = { id: 42, is_bot: false, first_name: "A" };
    const f = fmt`${bold("b")}${italic("i")}${underline("u")}${strikethrough("s")}${spoiler("p")}${code("<c>")}${pre("x", "ts")}${pre("y")}${link("l", 'https://e.x/?a="b"&c')}${mention("m", user)}${customEmoji("👍", "5")}${dateTime("t", 1, "wD")}${blockquote("q")}${expandableBlockquote("e")}`;
    expect(toHtml(f).text).toBe(
      '<b>b</b><i>i</i><u>u</u><s>s</s><tg-spoiler>p</tg-spoiler><code>&lt;c&gt;</code><pre><code class="language-ts">x</code></pre><pre>y</pre><a href="https://e.x/?a=&quot;b&quot;&amp;c">l</a><a href="tg://user?id=42">m</a><tg-emoji emoji-id="5">👍</tg-emoji><tg-time unix="1" format="wD">t</tg-time><blockquote>q</blockquote><blockquote expandable>e</blockquote>',
    );
    expect(toHtml(f).parse_mode).toBe("HTML");
  });

  it("nests tags like the entities and escapes user text", () => {
    expect(toHtml(fmt`<${bold(fmt`a ${italic("&b")}`)}> ${bold(italic("x"))}`).text).toBe(
      "&lt;<b>a <i>&amp;b</i></b>&gt; <b><i>x</i></b>",
    );
  });

  it("leaves auto-detected entities as text and rejects overlaps and bad ranges", () => {
    const received = new FormattedText("see /start", [
      { type: "bot_command", offset: 4, length: 6 },
    ]);
    expect(toHtml(received).text).toBe("see /start");
    const overlapping = new FormattedText("abc", [
      { type: "bold", offset: 0, length: 2 },
      { type: "italic", offset: 1, length: 2 },
    ]);
    expect(() => toHtml(overlapping)).toThrow(FormatError);
    expect(() => toHtml(new FormattedText("a", [{ type: "bold", offset: 0, length: 2 }]))).toThrow(
      FormatError,
    );
  });

  it("is what the html template inserts for formatted values; md refuses them", () => {
    expect(html`<i>${bold("<x>")}</i>`.text).toBe("<i><b>&lt;x&gt;</b></i>");
    expect(() => md`${bold("x") as never}`).toThrow(FormatError);
  });

  it("round-trips through the reference reader for any nested formatting", () => {
    const leaf = fc.string({ unit: "grapheme", maxLength: 6 });
    const wrappers: ((v: FmtValue) => FormattedText)[] = [
      bold,
      italic,
      underline,
      strikethrough,
      spoiler,
      (v) => link(v, 'https://e.x/?q=<"&>'),
    ];
    const { tree } = fc.letrec<{ tree: FormattedText }>((tie) => ({
      tree: fc.oneof(
        { depthSize: "small" },
        leaf.map((s) => new FormattedText(s, [])),
        leaf.map((s) => code(s)),
        fc.tuple(fc.integer({ min: 0, max: wrappers.length - 1 }), tie("tree")).map(([w, t]) => {
          try {
            return wrappers[w]!(t);
          } catch {
            return t; // a link inside a link is not allowed: keep the inner tree
          }
        }),
        fc.array(tie("tree"), { maxLength: 3 }).map((ts) => join(ts, " ")),
      ),
    }));
    fc.assert(
      fc.property(tree, (f) => {
        const back = readHtml(toHtml(f).text);
        expect(back.text).toBe(f.text);
        expect(back.entities).toStrictEqual(f.entities);
      }),
    );
  });

  it("on arbitrary entity lists, either renders text that reads back or throws FormatError", () => {
    const types = [
      "bold",
      "italic",
      "code",
      "pre",
      "text_link",
      "url",
      "blockquote",
      "spoiler",
    ] as const;
    const entity = fc.record({
      type: fc.constantFrom(...types),
      offset: fc.integer({ min: -2, max: 12 }),
      length: fc.integer({ min: -1, max: 12 }),
    });
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 10 }),
        fc.array(entity, { maxLength: 6 }),
        (text, list) => {
          const entities = list.map((e) =>
            e.type === "text_link" ? { ...e, url: "https://e.x" } : e,
          );
          let rendered: string;
          try {
            rendered = toHtml(new FormattedText(text, entities)).text;
          } catch (err) {
            expect(err).toBeInstanceOf(FormatError);
            return;
          }
          expect(readHtml(rendered).text).toBe(text);
        },
      ),
    );
  });
});
