/**
 * In-memory sessions benchmark: a session read + write per update, 20k updates over 1,000 chats
 * with 50 in flight, nothing on the network. One text update per chat through `handleUpdate`
 * (with `botInfo` given), the handler incrementing a counter in the chat's session:
 *
 * - `@bot/dispatcher`: `(await ctx.chatData).n++` on `MemoryStorage` (leases, fencing token,
 *   commit: the same path as on a shared store);
 * - grammY: `ctx.session.n++` with `session()` on `MemorySessionStorage` (its default);
 * - Telegraf: `ctx.session.n++` with `session()` on `MemorySessionStore` (its default);
 * - a `Map` get + set per update (the limit).
 *
 * Subjects run interleaved, round by round (the machine may be noisy).
 */
import { Bot, dataSessions, MemoryStorage } from "@bot/dispatcher";
import { Bot as GrammyBot, session as grammySession, MemorySessionStorage } from "grammy";
import { MemorySessionStore, Telegraf, session as telegrafSession } from "telegraf";
import { BENCH_BOT_INFO, BENCH_TOKEN, textUpdate } from "./fixtures.ts";
import { type BenchResult, median } from "./harness.ts";

const IN_FLIGHT = 50;
const CHATS = 1_000;

/** One subject: handles the update of chat `chat`, and reads back the chat's counter. */
export interface SessionSubject {
  readonly name: string;
  /** Handles one update of chat `chat` (0 ≤ chat < 1,000). */
  readonly update: (chat: number) => Promise<void>;
  /** The counter stored for chat `chat` (to check every subject counted every update). */
  readonly count: (chat: number) => Promise<number>;
}

function ours(): SessionSubject {
  const storage = new MemoryStorage();
  const bot = new Bot<never>(BENCH_TOKEN, { botInfo: BENCH_BOT_INFO });
  bot.use(dataSessions({ storage, prefix: "data:" }) as never);
  bot.on("message", async (ctx) => {
    const data = await (ctx as unknown as { chatData: Promise<{ n?: number }> }).chatData;
    data.n = (data.n ?? 0) + 1;
  });
  bot.catch((e) => {
    throw e.error;
  });
  return {
    name: "@bot/dispatcher chatData on MemoryStorage",
    update: (chat) => bot.handleUpdate(textUpdate(chat)),
    count: async (chat) =>
      (await storage.get<{ n?: number }>(`data:chat:${10_000 + chat}`))?.value.n ?? 0,
  };
}

function grammy(): SessionSubject {
  const bot = new GrammyBot(BENCH_TOKEN, { botInfo: BENCH_BOT_INFO as never });
  const storage = new MemorySessionStorage<{ n: number }>(); // what session() uses by default
  bot.use(
    // biome-ignore lint/suspicious/noExplicitAny: the grammY bot is untyped here on purpose
    grammySession<any, any>({ initial: () => ({ n: 0 }), storage }),
  );
  bot.on("message", (ctx) => {
    (ctx as unknown as { session: { n: number } }).session.n++;
  });
  return {
    name: "grammY session() in memory",
    update: (chat) => bot.handleUpdate(textUpdate(chat) as never),
    count: async (chat) => storage.read(String(10_000 + chat))?.n ?? 0,
  };
}

function telegraf(): SessionSubject {
  const bot = new Telegraf(BENCH_TOKEN);
  bot.botInfo = BENCH_BOT_INFO as never;
  const store = new MemorySessionStore<{ n: number }>(Number.POSITIVE_INFINITY); // the default
  bot.use(telegrafSession({ store: store as never, defaultSession: () => ({ n: 0 }) }) as never);
  bot.on("message", (ctx) => {
    (ctx as unknown as { session: { n: number } }).session.n++;
  });
  return {
    name: "Telegraf session() in memory",
    update: (chat) => bot.handleUpdate(textUpdate(chat) as never),
    count: async (chat) => store.get(`${10_000 + chat}:${10_000 + chat}`)?.n ?? 0,
  };
}

function rawMap(): SessionSubject {
  const values = new Map<number, { n: number }>();
  return {
    name: "Map get+set (raw)",
    update: async (chat) => {
      const v = values.get(chat) ?? { n: 0 };
      v.n++;
      values.set(chat, v);
    },
    count: async (chat) => values.get(chat)?.n ?? 0,
  };
}

/**
 * Builds every subject with its handler.
 *
 * @returns The subjects, in report order.
 */
export function sessionSubjects(): SessionSubject[] {
  return [ours(), grammy(), telegraf(), rawMap()];
}

/**
 * Sends `updates` updates, round-robin over the 1,000 chats, 50 in flight.
 *
 * @param updates How many.
 * @param subject Who handles them.
 * @returns Updates per second.
 */
export async function driveSessions(updates: number, subject: SessionSubject): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < updates) {
      const i = next++;
      await subject.update(i % CHATS);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return updates / ((performance.now() - start) / 1000);
}

/**
 * The in-memory sessions benchmark.
 *
 * @param opts Updates per run (default 20 000) and rounds (default 7).
 * @returns One result per subject, in updates/s.
 */
export async function benchSessions(
  opts: { updates?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const updates = opts.updates ?? 20_000;
  const rounds = Math.max(opts.runs ?? 7, 1);
  const subjects = sessionSubjects();
  const figures = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (const s of subjects) await driveSessions(Math.min(updates, 5_000), s); // warm-up (JIT)
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < subjects.length; j++) {
      const s = subjects[(r + j) % subjects.length] as SessionSubject;
      figures.get(s.name)?.push(await driveSessions(updates, s));
    }
  }
  return subjects.map((s) => {
    const runs = figures.get(s.name) as number[];
    return {
      bench: "sessions",
      subject: s.name,
      unit: "updates/s",
      higherIsBetter: true,
      runs,
      median: median(runs),
    };
  });
}
