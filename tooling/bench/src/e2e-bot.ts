/**
 * One subject of the end-to-end benchmark, run in its own child process:
 * `E2E_ROLE=bot e2e-bot.ts <subject> <apiRoot> <concurrency>`. It long-polls the fake Bot API and answers
 * every text message with one `sendMessage` that echoes the text, until it is killed.
 *
 * - `@bot`: `bot.start()` of `@bot/dispatcher` with its defaults.
 * - `grammY`: grammY's built-in `bot.start()` (sequential, its documented default).
 * - `Telegraf`: `bot.launch()`.
 * - `hand loop`: `getUpdates` and `sendMessage` with undici, per-chat order and the same
 *   concurrency as ours: the limit of what a runtime could do with this client library.
 */
import { Bot } from "@bot/dispatcher";
import { Bot as GrammyBot } from "grammy";
import { Telegraf } from "telegraf";
import { Pool } from "undici";
import { BENCH_BOT_INFO, BENCH_TOKEN } from "./fixtures.ts";

/** The subjects, in report order. */
export const E2E_SUBJECTS = ["@bot", "grammY", "Telegraf", "hand loop"] as const;

/** One subject's name. */
export type E2eSubject = (typeof E2E_SUBJECTS)[number];

interface TextUpdate {
  update_id: number;
  message?: { chat: { id: number }; text?: string };
}

/**
 * The hand-written loop: fetch a batch, run each update (one per chat at a time, at most
 * `concurrency` at once), fetch the next batch while at most one batch waits.
 */
async function handLoop(apiRoot: string, concurrency: number, token: string): Promise<void> {
  const pool = new Pool(apiRoot, { connections: 64, pipelining: 1 });
  const base = `/bot${token}/`;
  const call = async (method: string, body: object): Promise<unknown> => {
    const res = await pool.request({
      path: base + method,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.body.json()) as { ok: boolean; result: unknown };
    if (!json.ok) throw new Error(`${method} failed`);
    return json.result;
  };
  const lines = new Map<number, TextUpdate[]>();
  const ready: TextUpdate[] = [];
  let running = 0;
  let pending = 0;
  let wake: (() => void) | undefined;
  const handle = async (u: TextUpdate): Promise<void> => {
    const m = u.message;
    if (m?.text !== undefined) await call("sendMessage", { chat_id: m.chat.id, text: m.text });
  };
  const pump = (): void => {
    while (running < concurrency && ready.length > 0) {
      const u = ready.shift() as TextUpdate;
      running += 1;
      void handle(u)
        .catch(() => {})
        .finally(() => {
          running -= 1;
          pending -= 1;
          const key = u.message?.chat.id;
          if (key !== undefined) {
            const line = lines.get(key) as TextUpdate[];
            const next = line.shift();
            if (next === undefined) lines.delete(key);
            else ready.push(next);
          }
          pump();
          if (wake !== undefined && pending <= 100) {
            const w = wake;
            wake = undefined;
            w();
          }
        });
    }
  };
  let offset = 0;
  for (;;) {
    const batch = (await call("getUpdates", { offset, limit: 100, timeout: 30 })) as TextUpdate[];
    for (const u of batch) {
      offset = u.update_id + 1;
      pending += 1;
      const key = u.message?.chat.id;
      if (key !== undefined) {
        const line = lines.get(key);
        if (line !== undefined) {
          line.push(u);
          continue;
        }
        lines.set(key, []);
      }
      ready.push(u);
    }
    pump();
    if (pending > 100) await new Promise<void>((resolve) => (wake = resolve));
  }
}

/**
 * Runs one subject until the process is killed.
 *
 * @param subject Which one.
 * @param apiRoot The fake Bot API.
 * @param concurrency Our polling concurrency (the hand loop uses the same).
 * @param token The bot token (the fake API takes any).
 */
export async function runSubject(
  subject: E2eSubject,
  apiRoot: string,
  concurrency: number,
  token: string = BENCH_TOKEN,
): Promise<void> {
  if (subject === "@bot") {
    const bot = new Bot(token, { botInfo: BENCH_BOT_INFO, clientOptions: { apiRoot } });
    bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
    await bot.start({ concurrency, signals: false });
  } else if (subject === "grammY") {
    const bot = new GrammyBot(token, { botInfo: BENCH_BOT_INFO, client: { apiRoot } });
    bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
    await bot.start();
  } else if (subject === "Telegraf") {
    const bot = new Telegraf(token, { telegram: { apiRoot } });
    bot.botInfo = BENCH_BOT_INFO;
    bot.on("text", (ctx) => ctx.reply(ctx.message.text));
    await bot.launch();
  } else {
    await handLoop(apiRoot, concurrency, token);
  }
}

// As a child process of the benchmark (`E2E_ROLE=bot`): run until killed.
if (process.env.E2E_ROLE === "bot") {
  // "exit" over IPC: leave through process.exit, so --cpu-prof writes its profile.
  process.on("message", (m) => {
    if (m === "exit") process.exit(0);
  });
  const [subject, apiRoot, concurrency] = process.argv.slice(2);
  await runSubject(
    subject as E2eSubject,
    apiRoot as string,
    Number(concurrency),
    process.env.E2E_TOKEN,
  );
}
