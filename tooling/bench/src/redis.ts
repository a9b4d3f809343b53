/**
 * Redis benchmark: a session read + write per update, 20k updates over 1,000 chats with 50 in
 * flight, on the real Redis at 127.0.0.1:6379. Subjects run interleaved, round by round.
 *
 * - raw loops (the limits): `GET` + `SET` on ioredis (with and without auto-pipelining) and
 *   on node-redis (`redis`), the client `@bot/persistence-redis` builds on;
 * - `RedisStorage`: `get` + `compareAndSet` (one `HMGET`, one `EVALSHA`), and `lock` + `commit`
 *   (the lease path sessions take, without the dispatcher);
 * - sessions through the frameworks, one text update per chat through `handleUpdate`, the
 *   handler incrementing a counter in the chat's session: `@bot/dispatcher` (`ctx.chatData`
 *   on `RedisStorage`), grammY (`session()` on `@grammyjs/storage-redis`, ioredis) and
 *   Telegraf (`session()` on `@telegraf/session/redis`, node-redis).
 *
 * Besides updates/s it reports, per update: the commands the client sent (counted by a
 * RESP-counting proxy in a separate untimed pass: a Lua script is one; `RedisStorage` sends the
 * scripts that start in one turn as one command, so its figure is well below the 2 round trips
 * each update still waits for: lock+read, then write+release), the commands Redis
 * executed (`INFO`: a script counts once plus each call inside it) and the Redis CPU (user + sys
 * of the server, from `INFO`); and the ratios against the fastest raw loop, Telegraf and grammY.
 * On 2 CPUs or more, a local Redis server is pinned to the first and this process to the last
 * for the run (restored after), as the other benchmarks pin their servers (`BENCH_REDIS_PIN=0`:
 * not).
 * `BENCH_REDIS_UPDATES` and `BENCH_REDIS_ROUNDS` shorten a run (defaults 20 000 and 5).
 */
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { Bot, dataSessions } from "@bot/dispatcher";
import { RedisStorage } from "@bot/persistence-redis";
import { RedisAdapter } from "@grammyjs/storage-redis";
import { Redis as TelegrafRedisStore } from "@telegraf/session/redis";
import { Bot as GrammyBot, session as grammySession } from "grammy";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Telegraf, session as telegrafSession } from "telegraf";
import { BENCH_BOT_INFO, BENCH_TOKEN, textUpdate } from "./fixtures.ts";
import { type BenchResult, median } from "./harness.ts";
import { pin } from "./pin.ts";
import { CountingProxy } from "./resp-counter.ts";

const URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const IN_FLIGHT = 50;
const CHATS = 1_000;

/** What `serverStats` needs of a client. */
interface InfoClient {
  info(): Promise<string>;
}

interface Subject {
  readonly name: string;
  /** Reads and writes the session of chat `chat` once. */
  readonly update: (chat: number) => Promise<void>;
}

async function drive(updates: number, subject: Subject): Promise<number> {
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

/** The Redis server's CPU seconds and processed commands so far. */
async function serverStats(probe: InfoClient): Promise<{ cpu: number; commands: number }> {
  const info = await probe.info();
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return {
    cpu: num("used_cpu_user") + num("used_cpu_sys"),
    commands: num("total_commands_processed"),
  };
}

const bump = (json: string | null): string =>
  JSON.stringify({
    n: ((json === null ? undefined : (JSON.parse(json) as { n: number }).n) ?? 0) + 1,
  });

/** The subjects on one Redis address, with the clients they own. */
async function makeSubjects(
  url: string,
  prefix: string,
): Promise<{ subjects: Subject[]; close(): Promise<void> }> {
  const io = new Redis(url, { lazyConnect: true });
  const ioPipe = new Redis(url, { lazyConnect: true, enableAutoPipelining: true });
  await Promise.all([io.connect(), ioPipe.connect()]);
  const node = createClient({ url });
  await node.connect();
  const storage = new RedisStorage({ client: node, prefix: `${prefix}storage:` });

  const ours = new Bot<never>(BENCH_TOKEN, { botInfo: BENCH_BOT_INFO });
  const oursStorage = new RedisStorage({ client: node, prefix: `${prefix}ours:` });
  ours.use(dataSessions({ storage: oursStorage }) as never);
  ours.on("message", async (ctx) => {
    const data = await (ctx as unknown as { chatData: Promise<{ n?: number }> }).chatData;
    data.n = (data.n ?? 0) + 1;
  });
  const grammy = new GrammyBot(BENCH_TOKEN, { botInfo: BENCH_BOT_INFO as never });
  const grammyRedis = new Redis(url, { lazyConnect: true });
  await grammyRedis.connect();
  grammy.use(
    // biome-ignore lint/suspicious/noExplicitAny: the grammY bot is untyped here on purpose
    grammySession<any, any>({
      initial: () => ({ n: 0 }),
      storage: new RedisAdapter<{ n: number }>({ instance: grammyRedis as never }),
      prefix: `${prefix}grammy:`,
    }),
  );
  grammy.on("message", (ctx) => {
    (ctx as unknown as { session: { n: number } }).session.n++;
  });
  const telegraf = new Telegraf(BENCH_TOKEN);
  telegraf.botInfo = BENCH_BOT_INFO as never;
  // The Telegraf store connects the client it is given itself.
  const telegrafRedis = createClient({ url });
  telegraf.use(
    telegrafSession({
      store: TelegrafRedisStore<{ n: number }>({
        client: telegrafRedis as never,
        prefix: `${prefix}telegraf:`,
      }) as never,
    }) as never,
  );
  telegraf.on("message", (ctx) => {
    const c = ctx as unknown as { session?: { n: number } };
    c.session ??= { n: 0 };
    c.session.n++;
  });

  const subjects: Subject[] = [
    {
      name: IO_RAW,
      update: async (chat) => {
        const k = `${prefix}io:${chat}`;
        await io.set(k, bump(await io.get(k)));
      },
    },
    {
      name: IO_PIPELINED,
      update: async (chat) => {
        const k = `${prefix}iop:${chat}`;
        await ioPipe.set(k, bump(await ioPipe.get(k)));
      },
    },
    {
      name: NODE_RAW,
      update: async (chat) => {
        const k = `${prefix}node:${chat}`;
        await node.set(k, bump(await node.get(k)));
      },
    },
    {
      name: OURS,
      update: (chat) => ours.handleUpdate(textUpdate(chat)),
    },
    {
      name: GRAMMY,
      update: (chat) => grammy.handleUpdate(textUpdate(chat) as never),
    },
    {
      name: TELEGRAF,
      update: (chat) => telegraf.handleUpdate(textUpdate(chat) as never),
    },
    {
      // the lease path the dispatcher takes, without the dispatcher: what the lock costs alone
      name: "RedisStorage lock+commit",
      update: async (chat) => {
        const k = `lease:${chat}`;
        const lease = await storage.lock([k], { ttlMs: 10_000, waitMs: 15_000 });
        const e = lease.entries[0] as { value: { n: number }; version: string } | undefined;
        await lease.commit(
          [{ key: k, expectedVersion: e?.version ?? null, value: { n: (e?.value.n ?? 0) + 1 } }],
          {
            release: true,
          },
        );
      },
    },
    {
      name: "RedisStorage get+compareAndSet",
      update: async (chat) => {
        const k = `chat:${chat}`;
        const e = await storage.get<{ n: number }>(k);
        await storage.compareAndSet(k, e?.version ?? null, { n: (e?.value.n ?? 0) + 1 });
      },
    },
  ];
  return {
    subjects,
    async close() {
      io.disconnect();
      ioPipe.disconnect();
      grammyRedis.disconnect();
      await Promise.all([node.close(), telegrafRedis.close().catch(() => {})]);
    },
  };
}

const IO_RAW = "ioredis GET+SET (raw)";
const IO_PIPELINED = "ioredis GET+SET, auto-pipelined (raw)";
const NODE_RAW = "node-redis GET+SET (raw)";
const RAW = [IO_RAW, IO_PIPELINED, NODE_RAW];
const OURS = "@bot/dispatcher chatData on RedisStorage";
const GRAMMY = "grammY session() on @grammyjs/storage-redis";
const TELEGRAF = "Telegraf session() on @telegraf/session/redis";

/** Client commands per update of each subject, through a RESP-counting proxy (untimed). */
async function commandsSent(prefix: string, updates: number): Promise<Map<string, number>> {
  const target = new globalThis.URL(URL);
  const proxy = await CountingProxy.start({
    host: target.hostname,
    port: Number(target.port || 6379),
  });
  const { subjects, close } = await makeSubjects(`redis://127.0.0.1:${proxy.port}`, prefix);
  const out = new Map<string, number>();
  try {
    for (const s of subjects) {
      await drive(Math.min(updates, 1_000), s); // connections, scripts, first writes
      const before = proxy.commands;
      await drive(updates, s);
      out.set(s.name, (proxy.commands - before) / updates);
    }
  } finally {
    await close();
    await proxy.close();
  }
  return out;
}

/**
 * The Redis benchmark.
 *
 * @param opts Updates per run (default 20 000) and rounds (default 5).
 * @returns One result per subject.
 */
export async function benchRedis(
  opts: { updates?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const updates = opts.updates ?? Number(process.env.BENCH_REDIS_UPDATES ?? 20_000);
  const rounds = Math.max(opts.runs ?? Number(process.env.BENCH_REDIS_ROUNDS ?? 5), 1);
  const prefix = `bench:${randomBytes(4).toString("hex")}:`;
  const probe = createClient({ url: URL });
  await probe.connect();
  const { subjects, close } = await makeSubjects(URL, prefix);
  // Redis on the first CPU, this process on the last: the two never take turns on one core
  // (as the other benchmarks pin their server); a Redis elsewhere, or one we may not pin, runs as is.
  const cpus = availableParallelism();
  const redisPid = Number(/^process_id:(\d+)/m.exec(await probe.info("server"))?.[1] ?? 0);
  const local = ["127.0.0.1", "localhost", "[::1]"].includes(new globalThis.URL(URL).hostname);
  const pinned =
    process.env.BENCH_REDIS_PIN !== "0" &&
    cpus >= 2 &&
    local &&
    redisPid > 0 &&
    pin(redisPid, "0") &&
    pin(process.pid, String(cpus - 1));

  const figures = new Map<string, { rate: number[]; cpu: number[]; cmds: number[] }>();
  for (const s of subjects) figures.set(s.name, { rate: [], cpu: [], cmds: [] });
  let trips = new Map<string, number>();
  try {
    // Warm-up, one full run each: connections, scripts, JIT and heap sizing (after 2 000
    // updates the framework paths were still speeding up for tens of thousands more).
    for (const s of subjects) await drive(updates, s);
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < subjects.length; j++) {
        const s = subjects[(r + j) % subjects.length] as Subject;
        const before = await serverStats(probe);
        const rate = await drive(updates, s);
        const after = await serverStats(probe);
        const f = figures.get(s.name)!;
        f.rate.push(rate);
        f.cpu.push(((after.cpu - before.cpu) * 1e6) / updates);
        // `INFO` itself counts once per probe.
        f.cmds.push((after.commands - before.commands - 1) / updates);
      }
    }
    trips = await commandsSent(`${prefix}rt:`, Math.min(updates, 5_000));
  } finally {
    if (pinned) {
      pin(redisPid, `0-${cpus - 1}`);
      pin(process.pid, `0-${cpus - 1}`);
    }
    await close();
    let cursor = "0";
    do {
      const page = await probe.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
      cursor = String(page.cursor);
      if (page.keys.length > 0) await probe.del(page.keys);
    } while (cursor !== "0");
    await probe.close();
  }
  const medianOf = (name: string) => median(figures.get(name)?.rate ?? [0]);
  const fastestRaw = RAW.reduce((best, name) => (medianOf(name) > medianOf(best) ? name : best));
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  // The median of the round-by-round ratios: the subjects of one round run back to back, so
  // this pairs figures taken under the same load (the machine's speed drifts between rounds).
  const paired = (a: string, b: string) => {
    const x = figures.get(a)?.rate ?? [];
    const y = figures.get(b)?.rate ?? [];
    return Number(median(x.map((v, i) => v / (y[i] ?? Number.NaN))).toFixed(2));
  };
  const results: BenchResult[] = subjects.map((s) => {
    const f = figures.get(s.name)!;
    const m = median(f.rate);
    return {
      bench: "redis",
      subject: s.name,
      unit: "updates/s",
      higherIsBetter: true,
      runs: f.rate,
      median: m,
      extra: {
        pinned: pinned ? "yes" : "no",
        "commands sent/update": Number((trips.get(s.name) ?? Number.NaN).toFixed(2)),
        "Redis commands/update": Number(median(f.cmds).toFixed(2)),
        "Redis CPU µs/update": Number(median(f.cpu).toFixed(1)),
        "× fastest raw": ratio(m, medianOf(fastestRaw)),
        "× node-redis raw": ratio(m, medianOf(NODE_RAW)),
        "× Telegraf": ratio(m, medianOf(TELEGRAF)),
        "× grammY": ratio(m, medianOf(GRAMMY)),
        "× fastest raw, paired by round": paired(s.name, fastestRaw),
        "× Telegraf, paired by round": paired(s.name, TELEGRAF),
      },
    };
  });
  const ours = medianOf(OURS);
  console.log(
    `redis: fastest raw loop ${fastestRaw}; @bot sessions ${((ours / medianOf(fastestRaw)) * 100).toFixed(1)}% of it ` +
      `(target ≥ 80%), ${ratio(ours, medianOf(TELEGRAF))}× Telegraf (target > 1), ${ratio(ours, medianOf(GRAMMY))}× grammY; ` +
      `paired by round: ${(paired(OURS, fastestRaw) * 100).toFixed(0)}% of the fastest raw loop, ${paired(OURS, TELEGRAF)}× Telegraf; ` +
      `@bot commands sent/update ${trips.get(OURS)?.toFixed(2)} (each update waits for 2 round trips: lock+read, write+release; ` +
      "the scripts of updates in flight together go as one command)",
  );
  return results;
}
