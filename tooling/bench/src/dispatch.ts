/**
 * Dispatch benchmark: 200k pre-built mixed updates (40% text, half of it commands among 10; 20%
 * text for 5 regexes; 25% callback queries for 10 patterns; 10% edits; 5% inline queries) through
 * 28 handlers that only count, with no network, via @bot/dispatcher, grammY, Telegraf and a
 * hand-written switch (the limit). Every subject must fire the same handlers the same number of
 * times (`tooling/bench/test/dispatch.test.ts` checks it).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Bot } from "@bot/dispatcher";
import type { Update } from "@bot/types";
import { Bot as GrammyBot } from "grammy";
import { Telegraf } from "telegraf";
import { BENCH_BOT_INFO, BENCH_TOKEN } from "./fixtures.ts";
import { type BenchResult, measure } from "./harness.ts";

const TOKEN = BENCH_TOKEN;
const BOT_INFO = BENCH_BOT_INFO;

/** The 10 commands. */
export const COMMANDS: readonly string[] = [
  "start",
  "help",
  "settings",
  "stats",
  "ping",
  "list",
  "add",
  "remove",
  "buy",
  "about",
];
/** The 5 regexes for text. */
export const TEXT_PATTERNS: readonly RegExp[] = [
  /^order (\d+)$/,
  /^track ([A-Z0-9]{6})$/,
  /^(\d+) ?\+ ?(\d+)$/,
  /^price of (\w+)$/,
  /\bweather in (\w+)/,
];
const TEXT_SAMPLES = [
  "order 1234",
  "track AB12CD",
  "12 + 30",
  "price of gold",
  "what is the weather in Paris",
];
/** The 10 callback-data patterns. */
export const CALLBACK_PATTERNS: readonly RegExp[] = [
  "like",
  "dislike",
  "page",
  "buy",
  "cancel",
  "vote",
  "sort",
  "open",
  "close",
  "more",
].map((p) => new RegExp(`^${p}:(\\d+)$`));
const CALLBACK_PREFIXES = [
  "like",
  "dislike",
  "page",
  "buy",
  "cancel",
  "vote",
  "sort",
  "open",
  "close",
  "more",
];

/** Handler names, in the order every subject registers them. */
export const HANDLERS: readonly string[] = [
  ...COMMANDS.map((c) => `cmd:${c}`),
  ...TEXT_PATTERNS.map((_, i) => `re:${i}`),
  "text",
  ...CALLBACK_PATTERNS.map((_, i) => `cb:${i}`),
  "edit",
  "inline",
];

/**
 * Builds the mixed updates, deterministically.
 *
 * @param n How many.
 * @returns The updates.
 */
export function buildUpdates(n: number): Update[] {
  const out: Update[] = [];
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const r = rnd();
    const chat = { id: 1000 + (i % 500), type: "private" as const, first_name: "U" };
    const from = { id: 1000 + (i % 500), is_bot: false, first_name: "U" };
    const msg = (text: string, extra: object = {}) => ({
      message_id: id,
      date: 1_700_000_000,
      chat,
      from,
      text,
      ...extra,
    });
    if (r < 0.2) {
      const c = COMMANDS[i % COMMANDS.length] as string;
      const text = i % 3 === 0 ? `/${c} arg${i}` : `/${c}`;
      out.push({
        update_id: id,
        message: msg(text, {
          entities: [{ type: "bot_command", offset: 0, length: c.length + 1 }],
        }),
      });
    } else if (r < 0.4) {
      out.push({ update_id: id, message: msg(`just some chat text number ${i}`) });
    } else if (r < 0.6) {
      out.push({ update_id: id, message: msg(TEXT_SAMPLES[i % TEXT_SAMPLES.length] as string) });
    } else if (r < 0.85) {
      const p = CALLBACK_PREFIXES[i % CALLBACK_PREFIXES.length] as string;
      out.push({
        update_id: id,
        callback_query: {
          id: `cq${id}`,
          from,
          chat_instance: "ci",
          data: `${p}:${i}`,
          message: msg("menu"),
        },
      });
    } else if (r < 0.95) {
      out.push({ update_id: id, edited_message: msg(`edited ${i}`, { edit_date: 1_700_000_001 }) });
    } else {
      out.push({
        update_id: id,
        inline_query: { id: `iq${id}`, from, query: `search ${i}`, offset: "" },
      });
    }
  }
  return out;
}

/** One subject: how to handle an update, and the counts its handlers recorded. */
export interface DispatchSubject {
  readonly name: "@bot/dispatcher" | "grammY" | "Telegraf" | "switch";
  readonly handle: (update: Update) => Promise<void> | void;
  readonly counts: Map<string, number>;
}

function counter(): { counts: Map<string, number>; hit: (name: string) => void } {
  const counts = new Map<string, number>(HANDLERS.map((h) => [h, 0]));
  return { counts, hit: (name) => counts.set(name, (counts.get(name) as number) + 1) };
}

function ours(): DispatchSubject {
  const { counts, hit } = counter();
  const bot = new Bot(TOKEN, { botInfo: BOT_INFO });
  for (const c of COMMANDS) bot.command(c, () => hit(`cmd:${c}`));
  TEXT_PATTERNS.forEach((re, i) => {
    bot.hears(re, () => hit(`re:${i}`));
  });
  bot.on("message:text", () => hit("text"));
  CALLBACK_PATTERNS.forEach((re, i) => {
    bot.callbackQuery(re, () => hit(`cb:${i}`));
  });
  bot.on("edited_message", () => hit("edit"));
  bot.on("inline_query", () => hit("inline"));
  bot.catch((e) => {
    throw e.error;
  });
  return { name: "@bot/dispatcher", handle: (u) => bot.handleUpdate(u), counts };
}

function grammy(): DispatchSubject {
  const { counts, hit } = counter();
  const bot = new GrammyBot(TOKEN, { botInfo: BOT_INFO });
  for (const c of COMMANDS) bot.command(c, () => hit(`cmd:${c}`));
  TEXT_PATTERNS.forEach((re, i) => {
    bot.hears(re, () => hit(`re:${i}`));
  });
  bot.on("message:text", () => hit("text"));
  CALLBACK_PATTERNS.forEach((re, i) => {
    bot.callbackQuery(re, () => hit(`cb:${i}`));
  });
  bot.on("edited_message", () => hit("edit"));
  bot.on("inline_query", () => hit("inline"));
  return { name: "grammY", handle: (u) => bot.handleUpdate(u as never), counts };
}

function telegraf(): DispatchSubject {
  const { counts, hit } = counter();
  const bot = new Telegraf(TOKEN);
  bot.botInfo = BOT_INFO;
  for (const c of COMMANDS) bot.command(c, () => hit(`cmd:${c}`));
  TEXT_PATTERNS.forEach((re, i) => {
    bot.hears(re, () => hit(`re:${i}`));
  });
  bot.on("text", () => hit("text"));
  CALLBACK_PATTERNS.forEach((re, i) => {
    bot.action(re, () => hit(`cb:${i}`));
  });
  bot.on("edited_message", () => hit("edit"));
  bot.on("inline_query", () => hit("inline"));
  return { name: "Telegraf", handle: (u) => bot.handleUpdate(u as never), counts };
}

function handWritten(): DispatchSubject {
  const { counts, hit } = counter();
  const commands = new Map(COMMANDS.map((c) => [c, `cmd:${c}`]));
  const username = BOT_INFO.username.toLowerCase();
  const route = (u: Update): string | undefined => {
    if (u.message !== undefined) {
      const m = u.message;
      const text = m.text;
      if (text === undefined) return undefined;
      const e = m.entities?.[0];
      if (e !== undefined && e.type === "bot_command" && e.offset === 0) {
        const raw = text.slice(1, e.length);
        const at = raw.indexOf("@");
        const name = (at < 0 ? raw : raw.slice(0, at)).toLowerCase();
        const h = commands.get(name);
        if (h !== undefined && (at < 0 || raw.slice(at + 1).toLowerCase() === username)) return h;
      }
      for (let i = 0; i < TEXT_PATTERNS.length; i++)
        if ((TEXT_PATTERNS[i] as RegExp).test(text)) return `re:${i}`;
      return "text";
    }
    if (u.callback_query !== undefined) {
      const data = u.callback_query.data;
      if (data === undefined) return undefined;
      for (let i = 0; i < CALLBACK_PATTERNS.length; i++)
        if ((CALLBACK_PATTERNS[i] as RegExp).test(data)) return `cb:${i}`;
      return undefined;
    }
    if (u.edited_message !== undefined) return "edit";
    if (u.inline_query !== undefined) return "inline";
    return undefined;
  };
  const handle = (u: Update): void => {
    const name = route(u);
    if (name !== undefined) hit(name);
  };
  return { name: "switch", handle, counts };
}

/**
 * Builds every subject with its handlers.
 *
 * @returns The subjects, in report order.
 */
export function dispatchSubjects(): DispatchSubject[] {
  return [ours(), grammy(), telegraf(), handWritten()];
}

const MB = 1024 * 1024;

/** A full GC between subjects, so each one's RSS growth starts from a settled heap. */
function collector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  return typeof gc === "function" ? gc : undefined;
}

async function runAll(subject: DispatchSubject, updates: readonly Update[]): Promise<number> {
  const start = process.hrtime.bigint();
  for (const u of updates) {
    const r = subject.handle(u);
    if (r !== undefined) await r;
  }
  const ns = Number(process.hrtime.bigint() - start);
  return updates.length / (ns / 1e9);
}

/**
 * Runs the dispatch benchmark.
 *
 * @param opts `updates` per run (default 200 000) and measured `runs` (default 5).
 * @returns One result per subject, in updates/s, with RSS growth in `extra.rssGrowthMB`.
 */
export async function benchDispatch(
  opts: { updates?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const n = opts.updates ?? 200_000;
  const runs = opts.runs ?? 5;
  const updates = buildUpdates(n);
  const gc = collector();
  const results: BenchResult[] = [];
  for (const subject of dispatchSubjects()) {
    gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    const result = await measure("dispatch", subject.name, "updates/s", runs, async () => {
      const rate = await runAll(subject, updates);
      peak = Math.max(peak, process.memoryUsage.rss());
      return rate;
    });
    results.push({ ...result, extra: { rssGrowthMB: Number(((peak - before) / MB).toFixed(1)) } });
  }
  return results;
}
