/**
 * Our markup renderers against the emulator's parsers (which follow Telegram's documented
 * rules): markup we render must come back as exactly the entities we meant.
 */
import { createEmulator, type Emulator } from "@bot/emulator";
import type { MessageEntity, User } from "@bot/types";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormattedText, html, type MarkupText, md, toHtml } from "../src/index.js";

let emu: Emulator;
let token: string;
let chatId: number;
let alice: User;

beforeAll(async () => {
  emu = await createEmulator();
  const bot = emu.createBot({ username: "roundtrip_bot" });
  token = bot.token;
  const user = emu.user({ first_name: "Alice", bot });
  user.send("/start");
  alice = user.user;
  chatId = user.id;
});
afterAll(() => emu.close());

interface Sent {
  text: string;
  entities?: MessageEntity[];
}

async function send(params: Record<string, unknown>): Promise<Sent> {
  const res = await fetch(`${emu.apiRoot}/bot${token}/sendMessage`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ chat_id: chatId, ...params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: Sent; description?: string };
  if (!body.ok) throw new Error(`sendMessage failed: ${body.description}`);
  return body.result as Sent;
}

/** Entities in Telegram's order (offset, then outer first), empty ones dropped. */
function normal(entities: readonly MessageEntity[] | undefined): MessageEntity[] {
  return [...(entities ?? [])]
    .filter((e) => e.length > 0)
    .map((e) => ({ ...e }))
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
}

// Text units are whole code points, so no entity boundary splits a surrogate pair.
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abcXYZ 019") },
  { weight: 4, arbitrary: fc.constantFrom(..."<>&\"'_*[]()~`>#+-=|{}.!\\\n") },
  { weight: 1, arbitrary: fc.constantFrom("é", "😀", "👍🏽", "ß", "\u00a0") },
);

type Kind =
  | "bold"
  | "italic"
  | "underline"
  | "strikethrough"
  | "spoiler"
  | "code"
  | "pre"
  | "text_link"
  | "text_mention"
  | "custom_emoji"
  | "date_time"
  | "blockquote"
  | "expandable_blockquote";
const STYLES: readonly Kind[] = ["bold", "italic", "underline", "strikethrough", "spoiler"];
const LEAVES: readonly Kind[] = ["code", "pre", "custom_emoji", "date_time"];
const LINKS: readonly Kind[] = ["text_link", "text_mention"];
const QUOTES: readonly Kind[] = ["blockquote", "expandable_blockquote"];

interface Span {
  kind: Kind;
  from: number;
  to: number;
  children: Span[];
  extra: number;
}

/** A tree of entities that nest as Telegram allows (styles nest, code/pre contain nothing, quotes do not nest). */
const spans = (
  size: number,
  kinds: readonly Kind[] = [...STYLES, ...LEAVES, ...LINKS, ...QUOTES],
): fc.Arbitrary<Span[]> =>
  fc
    .array(
      fc.record({
        a: fc.nat(size),
        b: fc.nat(size),
        kind: fc.constantFrom(...kinds),
        extra: fc.nat(1_000_000),
      }),
      { maxLength: 8 },
    )
    .map((raw) => {
      // Keep each interval only if it nests with every interval kept before it.
      const kept: Span[] = [];
      for (const r of raw) {
        const from = Math.min(r.a, r.b);
        const to = Math.max(r.a, r.b);
        if (to === from) continue;
        place(kept, { kind: r.kind, from, to, children: [], extra: r.extra });
      }
      return kept;
    });

/** Whether `inner` may sit inside the innermost of `chain` (outermost first). */
function allowedInside(chain: readonly Kind[], inner: Kind): boolean {
  if (LEAVES.includes(chain.at(-1) as Kind) || chain.includes(inner)) return false;
  if (QUOTES.includes(inner)) return false; // quotes only at the top
  return !(LINKS.includes(inner) && chain.some((k) => LINKS.includes(k)));
}

/** Inserts `s` into a forest of disjoint spans; refuses it when it crosses or swallows one. */
function place(forest: Span[], s: Span, chain: readonly Kind[] = []): boolean {
  for (const t of forest) {
    if (s.to <= t.from || s.from >= t.to) continue;
    const inside = s.from >= t.from && s.to <= t.to && !(s.from === t.from && s.to === t.to);
    if (!inside) return false;
    const next = [...chain, t.kind];
    return allowedInside(next, s.kind) && place(t.children, s, next);
  }
  forest.push(s);
  return true;
}

function entityOf(s: Span, offsets: number[]): MessageEntity {
  const offset = offsets[s.from] as number;
  const length = (offsets[s.to] as number) - offset;
  switch (s.kind) {
    case "pre":
      return s.extra % 2 === 0
        ? { type: "pre", offset, length }
        : { type: "pre", offset, length, language: ["js", "c++", "py-3"][s.extra % 3] as string };
    case "text_link":
      return { type: "text_link", offset, length, url: `https://x.test/?q="a'&b<${s.extra}>` };
    case "text_mention":
      return { type: "text_mention", offset, length, user: alice };
    case "custom_emoji":
      return { type: "custom_emoji", offset, length, custom_emoji_id: String(5_000_000 + s.extra) };
    case "date_time":
      return s.extra % 2 === 0
        ? { type: "date_time", offset, length, unix_time: 1_700_000_000 + s.extra }
        : {
            type: "date_time",
            offset,
            length,
            unix_time: s.extra,
            date_time_format: ["r", "wDT", "d", "t"][s.extra % 4] as string,
          };
    default:
      return { type: s.kind, offset, length } as MessageEntity;
  }
}

/** Random text with a random entity tree: the units, the tree (by unit index) and its `FormattedText`. */
const documents = (kinds?: readonly Kind[]) =>
  fc
    .array(unit, { minLength: 1, maxLength: 40 })
    .chain((units) => spans(units.length, kinds).map((forest) => ({ units, forest })))
    .map(({ units, forest }) => {
      const all = ["A", ...units];
      const offsets: number[] = [0];
      for (const u of all) offsets.push((offsets.at(-1) as number) + u.length);
      const shift = (f: Span[]): Span[] =>
        f.map((s) => ({ ...s, from: s.from + 1, to: s.to + 1, children: shift(s.children) }));
      const tree = shift(forest);
      const entities: MessageEntity[] = [];
      const walk = (f: Span[]): void => {
        for (const s of f) {
          entities.push(entityOf(s, offsets));
          walk(s.children);
        }
      };
      walk(tree);
      return { units: all, tree, f: new FormattedText(all.join(""), entities) };
    });
const formatted = documents().map((d) => d.f);

type Md = MarkupText<"MarkdownV2">;
const join = (parts: readonly Md[]): Md => parts.reduce((a, b) => md`${a}${b}`, md``);
const PRE: Record<string, (code: string) => Md> = {
  js: (c) => md`\`\`\`js\n${c}\`\`\``,
  "c++": (c) => md`\`\`\`c++\n${c}\`\`\``,
  "py-3": (c) => md`\`\`\`py-3\n${c}\`\`\``,
};

/**
 * Renders a document with nothing but the `md` template: every piece of text is an interpolated
 * (escaped) value, every entity a template around its rendered children.
 */
function toMd(units: readonly string[], tree: readonly Span[], offsets: number[]): Md {
  const render = (from: number, to: number, children: readonly Span[]): Md => {
    const parts: Md[] = [];
    let at = from;
    for (const s of [...children].sort((a, b) => a.from - b.from)) {
      if (s.from > at) parts.push(md`${units.slice(at, s.from).join("")}`);
      parts.push(wrap(s, render(s.from, s.to, s.children), units.slice(s.from, s.to).join("")));
      at = s.to;
    }
    if (to > at) parts.push(md`${units.slice(at, to).join("")}`);
    return join(parts);
  };
  const wrap = (s: Span, inner: Md, text: string): Md => {
    const e = entityOf(s, offsets);
    switch (e.type) {
      case "bold":
        return md`*${inner}*`;
      case "italic":
        // "\r" (ignored by Telegram) keeps `_` and `__` apart, as Telegram's docs prescribe
        return md`_\r${inner}_\r`;
      case "underline":
        return md`__\r${inner}__\r`;
      case "strikethrough":
        return md`~${inner}~`;
      case "spoiler":
        return md`||${inner}||`;
      case "code":
        return md`\`${text}\``;
      case "pre":
        return e.language === undefined
          ? md`\`\`\`\n${text}\`\`\``
          : (PRE[e.language] as (c: string) => Md)(text);
      case "text_link":
        return md`[${inner}](${e.url ?? ""})`;
      case "text_mention":
        return md`[${inner}](tg://user?id=${e.user?.id ?? 0})`;
      case "custom_emoji":
        return md`![${inner}](tg://emoji?id=${e.custom_emoji_id ?? ""})`;
      case "date_time":
        return e.date_time_format === undefined
          ? md`![${inner}](tg://time?unix=${e.unix_time ?? 0})`
          : md`![${inner}](tg://time?unix=${e.unix_time ?? 0}&format=${e.date_time_format})`;
      default:
        throw new Error(`no MarkdownV2 form for ${e.type}`);
    }
  };
  return render(0, units.length, tree);
}

describe("markup round trip through the emulator", () => {
  it("toHtml gives back the same entities as sending them directly (property)", async () => {
    await fc.assert(
      fc.asyncProperty(formatted, async (f) => {
        const markup = toHtml(f);
        const [viaHtml, direct] = await Promise.all([
          send({ text: markup.text, parse_mode: markup.parse_mode }),
          send({ text: f.text, entities: f.entities }),
        ]);
        expect(viaHtml.text).toBe(direct.text);
        expect(normal(viaHtml.entities)).toEqual(normal(direct.entities));
      }),
      { numRuns: 300 },
    );
  });

  it("the md template gives back the same entities as sending them directly (property)", async () => {
    // Block quotes are left out: in MarkdownV2 they are whole lines, so an arbitrary range has
    // no MarkdownV2 form (the emulator's own tests cover `>` and `**>` quotes).
    const kinds = [...STYLES, ...LEAVES, ...LINKS];
    await fc.assert(
      fc.asyncProperty(documents(kinds), async ({ units, tree, f }) => {
        const offsets: number[] = [0];
        for (const u of units) offsets.push((offsets.at(-1) as number) + u.length);
        const markup = toMd(units, tree, offsets);
        const [viaMd, direct] = await Promise.all([
          send({ text: markup.text, parse_mode: markup.parse_mode }),
          send({ text: f.text, entities: f.entities }),
        ]);
        expect(viaMd.text).toBe(direct.text);
        expect(normal(viaMd.entities)).toEqual(normal(direct.entities));
      }),
      { numRuns: 300 },
    );
  });

  const plain = fc.array(unit, { minLength: 1, maxLength: 20 }).map((u) => `x${u.join("")}`);

  it("the md template escapes any value so the markup means what it says (property)", async () => {
    await fc.assert(
      fc.asyncProperty(plain, plain, plain, plain, plain, async (a, b, c, d, p) => {
        const m = md`*${a}* _${b}_ \`${c}\` [${d}](https://x.test/${p}) ||${a}||`;
        const got = await send({ text: m.text, parse_mode: m.parse_mode });
        const at = (s: string, before: string) => ({ offset: before.length, length: s.length });
        const url = `https://x.test/${p}`;
        const t0 = "";
        const t1 = `${a} `;
        const t2 = `${t1}${b} `;
        const t3 = `${t2}${c} `;
        const t4 = `${t3}${d} `;
        expect(got.text).toBe(`${t4}${a}`);
        expect(normal(got.entities)).toEqual(
          normal([
            { type: "bold", ...at(a, t0) },
            { type: "italic", ...at(b, t1) },
            { type: "code", ...at(c, t2) },
            { type: "text_link", ...at(d, t3), url },
            { type: "spoiler", ...at(a, t4) },
          ]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("the html template escapes any value, in text and in attributes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(plain, plain, plain, async (a, b, p) => {
        const url = `https://x.test/${p}`;
        const m = html`<b>${a}</b> <a href="${url}">${b}</a> <code>${p}</code>`;
        const got = await send({ text: m.text, parse_mode: m.parse_mode });
        expect(got.text).toBe(`${a} ${b} ${p}`);
        expect(normal(got.entities)).toEqual([
          { type: "bold", offset: 0, length: a.length },
          { type: "text_link", offset: a.length + 1, length: b.length, url },
          { type: "code", offset: a.length + b.length + 2, length: p.length },
        ]);
      }),
      { numRuns: 200 },
    );
  });
});
