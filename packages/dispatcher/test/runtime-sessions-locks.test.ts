import type { Update } from "@bot/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Bot,
  type Context,
  type DataFlavor,
  dataSessions,
  LeaseLostError,
  LockTimeoutError,
  MemoryStorage,
  type SessionFlavor,
  type Storage,
  session,
} from "../src/index.js";
import { BOT_INFO, sleep } from "./fixtures/polling-helpers.js";

type Counter = { n: number };
type Ctx = Context &
  DataFlavor<Counter, Counter, Counter> &
  SessionFlavor<Counter, "s1"> &
  SessionFlavor<Counter, "s2">;

/** A store with only the five core methods (no `lock`): sessions fall back to in-process leases. */
function lockless(): Storage {
  const inner = new MemoryStorage();
  return {
    get: (k) => inner.get(k),
    set: (k, v, o) => inner.set(k, v, o),
    delete: (k) => inner.delete(k),
    compareAndSet: (k, e, v, o) => inner.compareAndSet(k, e, v, o),
    setIfAbsent: (k, v, o) => inner.setIfAbsent(k, v, o),
  };
}

const STORES: Array<[string, () => Storage]> = [
  ["MemoryStorage (lock)", () => new MemoryStorage()],
  ["a storage without lock", lockless],
];

/** A text message from `userId` in `chatId`. */
function msg(updateId: number, chatId: number, userId: number, text = "x"): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 0,
      chat: { id: chatId, type: chatId > 0 ? "private" : "group" },
      from: { id: userId, is_bot: false, first_name: "U" },
      text,
    },
  } as Update;
}

function makeBot(storage: Storage, token = "123:abc", lock?: { ttlMs?: number; waitMs?: number }) {
  const bot = new Bot<Ctx>(token, { botInfo: BOT_INFO, storage });
  const errors: unknown[] = [];
  bot.catch((e) => {
    errors.push(e.error);
  });
  const initial = () => ({ n: 0 });
  bot.use(dataSessions({ initial: { chat: initial, user: initial, bot: initial }, lock }));
  bot.use(
    session({ name: "s1", key: (ctx) => String(ctx.update.message?.from?.id), initial, lock }),
  );
  bot.use(session({ name: "s2", key: (ctx) => `c${ctx.update.message?.chat.id}`, initial, lock }));
  return { bot, errors };
}

/** Rejects when `work` does not settle in `ms` (detects a hang; never a speed assertion). */
async function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung (deadlock)`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type Access = "chatData" | "userData" | "botData" | "s1" | "s2";
const ACCESSES: Access[] = ["chatData", "userData", "botData", "s1", "s2"];
const PAIRS: Array<[Access, Access]> = ACCESSES.flatMap((a, i) =>
  ACCESSES.slice(i + 1).map((b): [Access, Access] => [a, b]),
);

/** Touches one session and counts in it (botData: read without a lock, then an atomic update). */
async function touch(ctx: Ctx, what: Access): Promise<void> {
  if (what === "botData") {
    await ctx.botData;
    await ctx.updateBotData((d) => {
      d.n += 1;
    });
    return;
  }
  (await ctx[what]).n += 1;
}

describe.each(STORES)("session lock order (%s)", (_name, makeStore) => {
  it.each(PAIRS)(
    "%s then %s in one update and the reverse in another never deadlock, both counted",
    async (first, second) => {
      const storage = makeStore();
      const { bot, errors } = makeBot(storage);
      bot.on("message", async (ctx) => {
        const reverse = ctx.message.text === "reverse";
        await touch(ctx, reverse ? second : first);
        await sleep(15); // both updates now hold (or wait for) their first session
        await touch(ctx, reverse ? first : second);
      });
      // same user and same chat, so every session key is shared by both updates
      await withinDeadline(
        Promise.all([
          bot.handleUpdate(msg(1, -100, 7, "forward")),
          bot.handleUpdate(msg(2, -100, 7, "reverse")),
        ]),
        5000,
        `${first}/${second}`,
      );
      expect(errors).toEqual([]);
      const keys: Record<Access, string> = {
        chatData: "123:data:chat:-100",
        userData: "123:data:user:7",
        botData: "123:data:bot",
        s1: "123:session:s1:7",
        s2: "123:session:s2:c-100",
      };
      for (const what of [first, second]) {
        expect((await storage.get(keys[what]))?.value, what).toEqual({ n: 2 });
      }
    },
  );

  it("userData then botData in one group and the reverse in another (same user) both finish", async () => {
    const storage = makeStore();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      const groupA = ctx.chat.id === -1;
      await touch(ctx, groupA ? "userData" : "botData");
      await sleep(15);
      await touch(ctx, groupA ? "botData" : "userData");
    });
    await withinDeadline(
      Promise.all([bot.handleUpdate(msg(1, -1, 7)), bot.handleUpdate(msg(2, -2, 7))]),
      5000,
      "two groups",
    );
    expect(errors).toEqual([]);
    expect((await storage.get("123:data:user:7"))?.value).toEqual({ n: 2 });
    expect((await storage.get("123:data:bot"))?.value).toEqual({ n: 2 });
  });

  it("100 concurrent n++ on one chat's data and 100 botData increments stay exact", async () => {
    const storage = makeStore();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      const data = await ctx.chatData;
      const n = data.n;
      await sleep(Math.random() * 3);
      data.n = n + 1;
      await ctx.updateBotData((d) => {
        d.n += 1;
      });
    });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => bot.handleUpdate(msg(i + 1, -42, i + 1))),
    );
    expect(errors).toEqual([]);
    expect((await storage.get("123:data:chat:-42"))?.value).toEqual({ n: 100 });
    expect((await storage.get("123:data:bot"))?.value).toEqual({ n: 100 });
  });
});

describe("session lock waits have a deadline", () => {
  it("an update waiting past lock.waitMs gets LockTimeoutError (BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT), and the key works after", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage, "123:abc", { waitMs: 30 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
      if (ctx.message.text === "hold") {
        holding();
        await gate;
      }
    });
    const first = bot.handleUpdate(msg(1, -5, 1, "hold"));
    await held;
    await bot.handleUpdate(msg(2, -5, 2)); // waits 30 ms for chat -5, then fails
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LockTimeoutError);
    expect(errors[0]).toMatchObject({ code: "BOT_DISPATCHER_STORAGE_LOCK_TIMEOUT" });
    open();
    await first;
    await bot.handleUpdate(msg(3, -5, 3));
    expect(errors).toHaveLength(1);
    expect((await storage.get("123:data:chat:-5"))?.value).toEqual({ n: 2 });
  });
});

describe("botData does not serialise the bot", () => {
  it("50 chats whose handlers read botData for 100 ms all run at once; the count is exact", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    let running = 0;
    let peak = 0;
    bot.on("message", async (ctx) => {
      await ctx.botData;
      running += 1;
      peak = Math.max(peak, running);
      await sleep(100);
      running -= 1;
      await ctx.updateBotData((d) => {
        d.n += 1;
      });
    });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => bot.handleUpdate(msg(i + 1, -(i + 1), i + 1))),
    );
    expect(errors).toEqual([]);
    expect(peak).toBe(50);
    expect((await storage.get("123:data:bot"))?.value).toEqual({ n: 50 });
  });

  it("botData is a frozen snapshot; updateBotData refuses an async function", async () => {
    const { bot, errors } = makeBot(new MemoryStorage());
    const seen: unknown[] = [];
    bot.on("message", async (ctx) => {
      const before = await ctx.botData;
      expect(() => {
        (before as Counter).n = 5;
      }).toThrow(TypeError);
      const after = await ctx.updateBotData((d) => ({ n: d.n + 10 }));
      seen.push(before.n, after.n, (await ctx.botData).n);
      // a promise-returning function (allowed by a loose cast) is refused at run time
      await ctx.updateBotData((async () => undefined) as unknown as () => undefined);
    });
    await bot.handleUpdate(msg(1, -1, 1));
    expect(seen).toEqual([0, 10, 10]);
    expect(errors).toEqual([
      expect.objectContaining({ code: "BOT_DISPATCHER_SESSION_INVALID_UPDATE" }),
    ]);
  });
});

describe("sessions default to the bot's storage and are scoped by bot", () => {
  it("dataSessions() and session() without storage use new Bot(token, { storage })", async () => {
    const storage = new MemoryStorage();
    const bot = new Bot<Ctx>("123:abc", { botInfo: BOT_INFO, storage });
    bot.use(dataSessions({ initial: { chat: () => ({ n: 0 }) } }));
    bot.use(session({ name: "s1", key: () => "k", initial: () => ({ n: 0 }) }));
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
      (await ctx.s1).n += 1;
    });
    await bot.handleUpdate(msg(1, -1, 1));
    expect((await storage.get("123:data:chat:-1"))?.value).toEqual({ n: 1 });
    expect((await storage.get("123:session:s1:k"))?.value).toEqual({ n: 1 });
  });

  it("two bots on one storage never see each other's userData (keys carry the token's bot id)", async () => {
    const storage = new MemoryStorage();
    const seen: Array<[string, number]> = [];
    for (const token of ["111:first", "222:second"]) {
      const { bot, errors } = makeBot(storage, token);
      bot.on("message", async (ctx) => {
        const user = await ctx.userData;
        seen.push([token.slice(0, 3), user.n]);
        user.n += 1;
      });
      await bot.handleUpdate(msg(1, 7, 7));
      await bot.handleUpdate(msg(2, 7, 7));
      expect(errors).toEqual([]);
    }
    expect(seen).toEqual([
      ["111", 0],
      ["111", 1],
      ["222", 0],
      ["222", 1],
    ]);
    expect((await storage.get("111:data:user:7"))?.value).toEqual({ n: 2 });
    expect((await storage.get("222:data:user:7"))?.value).toEqual({ n: 2 });
  });

  it("a user-chosen session key such as 'admin:42' cannot reach another session's key", async () => {
    const storage = new MemoryStorage();
    type Two = Context &
      SessionFlavor<{ owner: string }, "s"> &
      SessionFlavor<{ owner: string }, "s:admin">;
    const bot = new Bot<Two>("123:abc", { botInfo: BOT_INFO, storage });
    const errors: unknown[] = [];
    bot.catch((e) => {
      errors.push(e.error);
    });
    const initial = () => ({ owner: "" });
    bot.use(session({ name: "s", key: (ctx) => ctx.update.message?.text, initial }));
    bot.use(session({ name: "s:admin", key: () => "42", initial }));
    const admin: string[] = [];
    bot.on("message", async (ctx) => {
      if (ctx.message.text === "admin:42") (await ctx.s).owner = "attacker";
      else admin.push((await ctx["s:admin"]).owner);
    });
    await bot.handleUpdate(msg(1, 9, 9, "admin:42"));
    await bot.handleUpdate(msg(2, 9, 9, "look"));
    expect(errors).toEqual([]);
    expect(admin).toEqual([""]);
    expect((await storage.get("123:session:s:admin%3A42"))?.value).toEqual({ owner: "attacker" });
  });

  it("an explicit prefix reads data stored under the old layout", async () => {
    const storage = new MemoryStorage();
    await storage.set("data:chat:-1", { n: 41 });
    const bot = new Bot<Ctx>("123:abc", { botInfo: BOT_INFO, storage });
    bot.use(dataSessions({ prefix: "data:", initial: { chat: () => ({ n: 0 }) } }));
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
    });
    await bot.handleUpdate(msg(1, -1, 1));
    expect((await storage.get("data:chat:-1"))?.value).toEqual({ n: 42 });
  });
});

describe("session leases", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("are renewed while a slow handler runs, so a second update waits instead of taking over", async () => {
    vi.useFakeTimers();
    const storage = new MemoryStorage(); // on the fake Date.now
    const { bot, errors } = makeBot(storage, "123:abc", { ttlMs: 1000, waitMs: 60_000 });
    const events: string[] = [];
    bot.on("message", async (ctx) => {
      const data = await ctx.chatData;
      events.push(`start ${ctx.message.text}`);
      data.n += 1;
      if (ctx.message.text === "slow") await sleep(5000); // 5 TTLs
      events.push(`end ${ctx.message.text}`);
    });
    const slow = bot.handleUpdate(msg(1, -3, 1, "slow"));
    await vi.advanceTimersByTimeAsync(10);
    const quick = bot.handleUpdate(msg(2, -3, 2, "quick"));
    await vi.advanceTimersByTimeAsync(6000);
    await Promise.all([slow, quick]);
    expect(errors).toEqual([]);
    expect(events).toEqual(["start slow", "end slow", "start quick", "end quick"]);
    expect((await storage.get("123:data:chat:-3"))?.value).toEqual({ n: 2 });
  });

  it("stay renewed for every update still running when others end first (first, middle, last)", async () => {
    vi.useFakeTimers();
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage, "123:abc", { ttlMs: 1000, waitMs: 60_000 });
    const events: string[] = [];
    // how long each chat's first update runs: the middle one ends first, then the first
    const runs: Record<string, number> = { "-11": 4000, "-12": 1500, "-13": 6000 };
    bot.on("message", async (ctx) => {
      const data = await ctx.chatData;
      const chat = String(ctx.chat.id);
      events.push(`start ${chat} ${ctx.message.text}`);
      data.n += 1;
      if (ctx.message.text === "slow") await sleep(runs[chat] as number);
      events.push(`end ${chat} ${ctx.message.text}`);
    });
    const slow = [-11, -12, -13].map((chat, i) => bot.handleUpdate(msg(10 + i, chat, 1, "slow")));
    await vi.advanceTimersByTimeAsync(10);
    const quick = [-11, -12, -13].map((chat, i) => bot.handleUpdate(msg(20 + i, chat, 2, "quick")));
    await vi.advanceTimersByTimeAsync(8000);
    await Promise.all([...slow, ...quick]);
    expect(errors).toEqual([]);
    for (const chat of ["-11", "-12", "-13"]) {
      expect(events.filter((e) => e.includes(` ${chat} `))).toEqual([
        `start ${chat} slow`,
        `end ${chat} slow`,
        `start ${chat} quick`,
        `end ${chat} quick`,
      ]);
      expect((await storage.get(`123:data:chat:${chat}`))?.value).toEqual({ n: 2 });
    }
  });

  it("a lease that expired under a paused handler makes its write fail (BOT_DISPATCHER_STORAGE_LEASE_LOST); the newer value stays", async () => {
    let now = 1_000_000;
    const storage = new MemoryStorage({ now: () => now });
    const { bot, errors } = makeBot(storage, "123:abc", { ttlMs: 1000, waitMs: 1000 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let loaded!: () => void;
    const hasLoaded = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    bot.on("message", async (ctx) => {
      const data = await ctx.chatData;
      if (ctx.message.text === "paused") {
        data.n = 1;
        loaded();
        await gate;
      } else {
        data.n = 100;
      }
    });
    const paused = bot.handleUpdate(msg(1, -4, 1, "paused"));
    await hasLoaded;
    now += 5000; // the process was paused past the lease: no renewal ran
    await bot.handleUpdate(msg(2, -4, 2, "newer")); // takes the expired lease, writes 100
    expect(errors).toEqual([]);
    open();
    await paused;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LeaseLostError);
    expect(errors[0]).toMatchObject({ code: "BOT_DISPATCHER_STORAGE_LEASE_LOST" });
    expect((await storage.get("123:data:chat:-4"))?.value).toEqual({ n: 100 });
  });

  it("are released when ctx.signal aborts (an abandoned update frees its chat; its late write is refused)", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    let loaded!: () => void;
    const hasLoaded = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    bot.on("message", async (ctx) => {
      const data = await ctx.chatData;
      data.n += ctx.message.text === "hung" ? 50 : 1;
      if (ctx.message.text === "hung") {
        loaded();
        await gate;
      }
    });
    const controller = new AbortController();
    const hung = bot.handleUpdate(msg(1, -6, 1, "hung"), { signal: controller.signal });
    await hasLoaded;
    controller.abort(new Error("deadline passed"));
    await withinDeadline(bot.handleUpdate(msg(2, -6, 2)), 5000, "the next update of the chat");
    expect((await storage.get("123:data:chat:-6"))?.value).toEqual({ n: 1 });
    open();
    await hung;
    expect(errors).toEqual([
      expect.objectContaining({ code: "BOT_DISPATCHER_STORAGE_LEASE_LOST" }),
    ]);
    expect((await storage.get("123:data:chat:-6"))?.value).toEqual({ n: 1 });
  });
});

describe("session edge cases", () => {
  it("two bots with different storages on one client: default-storage sessions fail with a typed error", async () => {
    const first = new Bot<Ctx>("123:abc", { botInfo: BOT_INFO, storage: new MemoryStorage() });
    const second = new Bot<Ctx>("123:abc", {
      botInfo: BOT_INFO,
      client: first.api,
      storage: new MemoryStorage(),
    });
    const errors: unknown[] = [];
    second.catch((e) => {
      errors.push(e.error);
    });
    second.use(dataSessions());
    second.on("message", async (ctx) => {
      await ctx.chatData;
    });
    await second.handleUpdate(msg(1, -1, 1));
    expect(errors).toEqual([
      expect.objectContaining({ code: "BOT_DISPATCHER_SESSION_INVALID_OPTIONS" }),
    ]);
  });

  it("a session middleware placed after a handler that read a session is locked on its own read", async () => {
    const storage = new MemoryStorage();
    const bot = new Bot<Ctx>("123:abc", { botInfo: BOT_INFO, storage });
    const errors: unknown[] = [];
    bot.catch((e) => {
      errors.push(e.error);
    });
    const initial = () => ({ n: 0 });
    bot.use(dataSessions({ initial: { chat: initial, user: initial } }));
    bot.use(async (ctx, next) => {
      (await ctx.chatData).n += 1; // locks chat + user now
      await next();
    });
    bot.use(session({ name: "s1", key: () => "late", initial }));
    bot.on("message", async (ctx) => {
      (await ctx.s1).n += 1; // a second lease, taken later
      (await ctx.userData).n += 1;
    });
    await Promise.all([bot.handleUpdate(msg(1, -1, 1)), bot.handleUpdate(msg(2, -1, 1))]);
    expect(errors).toEqual([]);
    expect((await storage.get("123:data:chat:-1"))?.value).toEqual({ n: 2 });
    expect((await storage.get("123:data:user:1"))?.value).toEqual({ n: 2 });
    expect((await storage.get("123:session:s1:late"))?.value).toEqual({ n: 2 });
  });

  it("reads of chatData and userData in parallel share one lease", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      const [chat, user] = await Promise.all([ctx.chatData, ctx.userData]);
      chat.n += 1;
      user.n += 1;
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bot.handleUpdate(msg(i + 1, -9, 9))));
    expect(errors).toEqual([]);
    expect((await storage.get("123:data:chat:-9"))?.value).toEqual({ n: 20 });
    expect((await storage.get("123:data:user:9"))?.value).toEqual({ n: 20 });
  });
});
