import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import type { StorageLease, StorageLockOptions } from "../src/advanced.js";
import {
  Bot,
  type Context,
  type DataFlavor,
  dataSessions,
  MemoryStorage,
  SessionConflictError,
  type SessionFlavor,
  type Storage,
  session,
} from "../src/index.js";
import { BOT_INFO, sleep } from "./fixtures/polling-helpers.js";
import { textUpdate } from "./fixtures/updates.js";

/** A real MemoryStorage that counts calls (and can be told to fail). */
class CountingStorage extends MemoryStorage {
  readonly counts = { get: 0, set: 0, compareAndSet: 0, delete: 0, lock: 0, writes: 0 };
  /** The keys of each lock call. */
  readonly locked: string[][] = [];
  failLock = false;
  failWrite = false;
  override async get<T>(key: string) {
    this.counts.get += 1;
    return super.get<T>(key);
  }
  override async set(key: string, value: unknown, options?: { ttlMs?: number }) {
    this.counts.set += 1;
    return super.set(key, value, options);
  }
  override async compareAndSet(
    key: string,
    expected: string | null,
    value: unknown,
    options?: { ttlMs?: number },
  ) {
    this.counts.compareAndSet += 1;
    return super.compareAndSet(key, expected, value, options);
  }
  override async delete(key: string) {
    this.counts.delete += 1;
    return super.delete(key);
  }
  override async lock(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease> {
    this.counts.lock += 1;
    this.locked.push([...keys]);
    if (this.failLock) throw new Error("storage down (lock)");
    const lease = await super.lock(keys, options);
    return {
      ...lease,
      commit: async (writes, commitOptions) => {
        this.counts.writes += writes.length;
        if (this.failWrite) {
          await lease.release();
          throw new Error("storage down (write)");
        }
        return lease.commit(writes, commitOptions);
      },
    };
  }
}

type Data = DataFlavor<{ n: number }, { visits: number }, { total: number }>;

function makeBot(storage: Storage) {
  const bot = new Bot<Context & Data>("123:abc", { botInfo: BOT_INFO });
  const errors: unknown[] = [];
  bot.catch((e) => {
    errors.push(e.error);
  });
  bot.use(
    dataSessions<{ n: number }, { visits: number }, { total: number }>({
      storage,
      initial: { chat: () => ({ n: 0 }), user: () => ({ visits: 0 }), bot: () => ({ total: 0 }) },
    }),
  );
  return { bot, errors };
}

describe("dataSessions: chatData, userData, botData", () => {
  it("100 concurrent n++ on one chat's data end at 100 (no lost writes)", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      const data = await ctx.chatData;
      const n = data.n;
      await sleep(Math.random() * 3); // widen the read-modify-write window
      data.n = n + 1;
    });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => bot.handleUpdate(textUpdate(i + 1, -42, "x"))),
    );
    expect(errors).toEqual([]);
    expect((await storage.get("123:data:chat:-42"))?.value).toEqual({ n: 100 });
  });

  it("loads nothing when the handler does not touch the data, and writes nothing unchanged", async () => {
    const storage = new CountingStorage();
    const { bot } = makeBot(storage);
    bot.command("ignore", () => undefined);
    bot.command("read", async (ctx) => {
      await ctx.chatData;
      await ctx.userData;
    });
    await bot.handleUpdate(command(1, "/ignore"));
    expect(storage.counts).toEqual({
      get: 0,
      set: 0,
      compareAndSet: 0,
      delete: 0,
      lock: 0,
      writes: 0,
    });
    await bot.handleUpdate(command(2, "/read"));
    // chat, then user data: each locked (and read) when first read, in the lock order; nothing written
    expect(storage.counts).toEqual({
      get: 0,
      set: 0,
      compareAndSet: 0,
      delete: 0,
      lock: 2,
      writes: 0,
    });
    expect(storage.locked).toEqual([["123:data:chat:-1"], ["123:data:user:1"]]);
    expect(storage.size).toBe(0);
  });

  it("locks only the data a handler reads, and what comes before it in the lock order", async () => {
    const storage = new CountingStorage();
    const { bot } = makeBot(storage);
    bot.command("chat", async (ctx) => {
      (await ctx.chatData).n += 1;
    });
    bot.command("user", async (ctx) => {
      (await ctx.userData).visits += 1;
      (await ctx.chatData).n += 1;
    });
    await bot.handleUpdate(command(1, "/chat"));
    // only the chat's key: the user's stays free for other updates
    expect(storage.locked).toEqual([["123:data:chat:-1"]]);
    await bot.handleUpdate(command(2, "/user"));
    // userData first: the chat key sorts before it, so both in one call (never chat after user)
    expect(storage.locked[1]).toEqual(["123:data:chat:-1", "123:data:user:1"]);
    expect(storage.locked).toHaveLength(2);
    expect((await storage.get("123:data:chat:-1"))?.value).toEqual({ n: 2 });
    expect((await storage.get("123:data:user:1"))?.value).toEqual({ visits: 1 });
  });

  it("writes once when changed, and keeps chat, user and bot data apart", async () => {
    const storage = new CountingStorage();
    const { bot } = makeBot(storage);
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
      (await ctx.userData).visits += 1;
      await ctx.updateBotData((d) => {
        d.total += 1;
      });
      (await ctx.chatData).n += 1; // same object, loaded once
    });
    await bot.handleUpdate(textUpdate(1, -1, "x")); // user 1 in chat -1
    await bot.handleUpdate(textUpdate(2, -2, "x")); // user 2 in chat -2
    // per update: a lease on chat, one on user (each when first read), a short one on the bot's data
    expect(storage.counts.lock).toBe(6);
    expect(storage.counts.writes).toBe(6);
    expect(storage.counts.get).toBe(0);
    expect((await storage.get("123:data:chat:-1"))?.value).toEqual({ n: 2 });
    expect((await storage.get("123:data:user:1"))?.value).toEqual({ visits: 1 });
    expect((await storage.get("123:data:user:2"))?.value).toEqual({ visits: 1 });
    expect((await storage.get("123:data:bot"))?.value).toEqual({ total: 2 });
  });

  it("serialises a changed session once to see the change, and the storage writes that JSON", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    let serialised = 0;
    bot.on("message", async (ctx) => {
      const data = (await ctx.chatData) as { n: number; probe?: unknown };
      data.n += 1;
      data.probe = {
        toJSON() {
          serialised += 1;
          return "seen";
        },
      };
    });
    await bot.handleUpdate(textUpdate(1, -7, "x"));
    expect(errors).toEqual([]);
    expect((await storage.get("123:data:chat:-7"))?.value).toEqual({ n: 1, probe: "seen" });
    // the change check serialised it; the commit wrote that JSON instead of serialising again
    expect(serialised).toBe(1);
  });

  it("does not save changes when a handler throws", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n = 99;
      throw new Error("handler failed");
    });
    await bot.handleUpdate(textUpdate(1, -1, "x"));
    expect(errors).toEqual([expect.objectContaining({ message: "handler failed" })]);
    expect(await storage.get("123:data:chat:-1")).toBeUndefined();
  });

  it("a write by another process between load and save surfaces as SessionConflictError via bot.catch", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
      // another process (sharing the store, not taking the lock) writes meanwhile
      await storage.set("123:data:chat:-7", { n: 50 });
    });
    await bot.handleUpdate(textUpdate(1, -7, "x"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SessionConflictError);
    expect(errors[0]).toMatchObject({
      code: "BOT_DISPATCHER_SESSION_CONFLICT",
      key: "123:data:chat:-7",
    });
    expect((await storage.get("123:data:chat:-7"))?.value).toEqual({ n: 50 });
  });

  it("storage errors reach bot.catch and the next update works", async () => {
    const storage = new CountingStorage();
    const { bot, errors } = makeBot(storage);
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
    });
    storage.failLock = true;
    await bot.handleUpdate(textUpdate(1, -1, "x"));
    storage.failLock = false;
    storage.failWrite = true;
    await bot.handleUpdate(textUpdate(2, -1, "x"));
    storage.failWrite = false;
    await bot.handleUpdate(textUpdate(3, -1, "x"));
    expect(errors.map((e) => (e as Error).message)).toEqual([
      "storage down (lock)",
      "storage down (write)",
    ]);
    expect((await storage.get("123:data:chat:-1"))?.value).toEqual({ n: 1 });
  });

  it("chatData rejects with BOT_DISPATCHER_SESSION_NO_KEY for an update without a chat", async () => {
    const { bot, errors } = makeBot(new MemoryStorage());
    bot.on("inline_query", async (ctx) => {
      await ctx.chatData;
    });
    const inline = {
      update_id: 1,
      inline_query: {
        id: "q",
        from: { id: 5, is_bot: false, first_name: "U" },
        query: "",
        offset: "",
      },
    } as Update;
    await bot.handleUpdate(inline);
    expect(errors).toEqual([expect.objectContaining({ code: "BOT_DISPATCHER_SESSION_NO_KEY" })]);
  });

  it("moves chat data on a group-to-supergroup migration", async () => {
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    const seen: number[] = [];
    bot.on("message:text", async (ctx) => {
      const data = await ctx.chatData;
      data.n += 1;
      seen.push(data.n);
    });
    await bot.handleUpdate(textUpdate(1, -5, "x"));
    await bot.handleUpdate(textUpdate(2, -5, "x"));
    const migrate = {
      update_id: 3,
      message: {
        message_id: 3,
        date: 0,
        chat: { id: -5, type: "group" },
        migrate_to_chat_id: -1005,
      },
    } as Update;
    await bot.handleUpdate(migrate);
    expect(await storage.get("123:data:chat:-5")).toBeUndefined();
    expect((await storage.get("123:data:chat:-1005"))?.value).toEqual({ n: 2 });
    await bot.handleUpdate(textUpdate(4, -1005, "x"));
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toEqual([]);
  });

  it("rejects bad options with a typed, prefixed error", () => {
    expect(() => dataSessions({ ttlMs: -1 })).toThrow(
      expect.objectContaining({ code: "BOT_DISPATCHER_SESSION_INVALID_OPTIONS" }),
    );
    expect(() => dataSessions({ storage: {} as Storage })).toThrow(
      /^@bot\/dispatcher: invalid dataSessions options at storage/,
    );
  });
});

describe("session: custom keyed sessions", () => {
  it("keys by the given function, honours TTL, and types through SessionFlavor", async () => {
    let now = 0;
    const storage = new MemoryStorage({ now: () => now });
    const bot = new Bot<Context & SessionFlavor<{ steps: string[] }, "wizard">>("1:a", {
      botInfo: BOT_INFO,
    });
    const errors: unknown[] = [];
    bot.catch((e) => {
      errors.push(e.error);
    });
    bot.use(
      session({
        name: "wizard",
        storage,
        ttlMs: 1000,
        key: (ctx) => {
          const m = ctx.update.message;
          return m?.from === undefined ? undefined : `${m.chat.id}:${m.from.id}`;
        },
        initial: () => ({ steps: [] as string[] }),
      }),
    );
    const snapshots: string[][] = [];
    bot.on("message:text", async (ctx) => {
      const wizard = await ctx.wizard;
      wizard.steps.push(ctx.message.text);
      snapshots.push([...wizard.steps]);
    });
    await bot.handleUpdate(textUpdate(1, -1, "a"));
    await bot.handleUpdate(textUpdate(2, -1, "b"));
    await bot.handleUpdate(textUpdate(3, -2, "c"));
    now += 2000; // expired
    await bot.handleUpdate(textUpdate(4, -1, "d"));
    expect(snapshots).toEqual([["a"], ["a", "b"], ["c"], ["d"]]);
    // bot 1, kind "session", name "wizard", the user's key "-1:1" escaped
    expect((await storage.get("1:session:wizard:-1%3A1"))?.value).toEqual({ steps: ["d"] });
    expect(errors).toEqual([]);
  });

  it("rejects reads after the update finished instead of holding the lock forever", async () => {
    const storage = new MemoryStorage();
    const bot = new Bot<Context & SessionFlavor<{ n: number }>>("1:a", { botInfo: BOT_INFO });
    bot.use(session({ storage, key: () => "k", initial: () => ({ n: 0 }) }));
    let late: Promise<unknown> | undefined;
    bot.on("message", async (ctx) => {
      if (ctx.update.update_id === 1) {
        setTimeout(() => {
          late = ctx.session.catch((e: unknown) => e);
        }, 0);
        return;
      }
      (await ctx.session).n += 1;
    });
    await bot.handleUpdate(textUpdate(1, 1, "x"));
    await sleep(5);
    expect(await late).toMatchObject({ code: "BOT_DISPATCHER_SESSION_CLOSED" });
    // the key is not stuck
    await bot.handleUpdate(textUpdate(2, 1, "x"));
    expect((await storage.get("1:session:session:k"))?.value).toEqual({ n: 1 });
  });
});

function command(id: number, text: string): Update {
  const u = textUpdate(id, -1, text) as Update & { message: { entities: unknown[] } };
  u.message.entities = [{ type: "bot_command", offset: 0, length: text.length }];
  return u;
}

describe("session accessors on custom context classes", () => {
  it("leave a Context's own properties alone: the sessions' state is in its record", async () => {
    const { inspect } = await import("node:util");
    const storage = new MemoryStorage();
    const { bot, errors } = makeBot(storage);
    bot.use(session({ key: () => "k", initial: () => ({ k: 0 }), storage }) as never);
    let own: (string | symbol)[] = [];
    let shown = "";
    bot.on("message", async (ctx) => {
      (await ctx.chatData).n += 1;
      own = Reflect.ownKeys(ctx);
      shown = inspect(ctx, { depth: 0 });
    });
    await bot.handleUpdate(textUpdate(1, -3, "x"));
    expect(errors).toEqual([]);
    expect(own.filter((k) => typeof k === "symbol")).toEqual([]);
    expect(shown).not.toMatch(/dataSessions|sessionScope/);
    expect((await storage.get("123:data:chat:-3"))?.value).toEqual({ n: 1 });
  });

  it("work when the context class declares the property as a field (own property shadowing the prototype)", async () => {
    const { Context: Ctx } = await import("../src/index.js");
    class FieldContext extends Ctx {
      // a field without `declare`: every instance gets its own `chatData` and `session`
      chatData: unknown = undefined;
      session: unknown = undefined;
    }
    const storage = new MemoryStorage();
    const bot = new Bot<FieldContext>("123:abc", {
      botInfo: BOT_INFO,
      contextConstructor: FieldContext,
    });
    bot.use(dataSessions({ storage }) as never);
    bot.use(
      session({
        key: () => "k",
        initial: () => ({ k: 0 }),
        storage,
      }) as never,
    );
    const seen: number[] = [];
    bot.on("message", async (ctx) => {
      expect(Object.hasOwn(ctx, "chatData")).toBe(true);
      const data = (await ctx.chatData) as { n?: number };
      data.n = (data.n ?? 0) + 1;
      const s = (await ctx.session) as { k: number };
      s.k += 1;
      seen.push(data.n, s.k);
    });
    await bot.handleUpdate(textUpdate(101, 7, "hi"));
    await bot.handleUpdate(textUpdate(102, 7, "hi"));
    expect(seen).toEqual([1, 1, 2, 2]);
  });

  it("leave a getter of the same name on the user's class alone (it is shadowed per context, not replaced)", async () => {
    const { Context: Ctx } = await import("../src/index.js");
    class GetterContext extends Ctx {
      get session(): string {
        return "the class's own";
      }
    }
    const storage = new MemoryStorage();
    const bot = new Bot<GetterContext>("123:abc", {
      botInfo: BOT_INFO,
      contextConstructor: GetterContext,
    });
    bot.use(session({ key: () => "k", initial: () => ({ k: 0 }), storage }) as never);
    const seen: unknown[] = [];
    bot.on("message", async (ctx) => {
      seen.push(await (ctx as unknown as { session: Promise<{ k: number }> }).session);
    });
    await bot.handleUpdate(textUpdate(103, 7, "hi"));
    expect(seen).toEqual([{ k: 0 }]);
    // the class itself is unchanged: a context outside the middleware still has the class's getter
    expect(Object.getOwnPropertyDescriptor(GetterContext.prototype, "session")?.get?.call({})).toBe(
      "the class's own",
    );
  });

  it("two bots on the same context class keep their own data, and a bot without sessions has none", async () => {
    const a = makeBot(new MemoryStorage());
    const b = makeBot(new MemoryStorage());
    const plain = new Bot<Context & Data>("123:abc", { botInfo: BOT_INFO });
    const seen: unknown[] = [];
    for (const [name, bot] of [
      ["a", a.bot],
      ["b", b.bot],
    ] as const) {
      bot.on("message", async (ctx) => {
        const d = await ctx.chatData;
        d.n += name === "a" ? 1 : 10;
        seen.push(name, d.n);
      });
    }
    plain.on("message", (ctx) => void seen.push("plain", ctx.chatData));
    await a.bot.handleUpdate(textUpdate(104, 7, "hi"));
    await b.bot.handleUpdate(textUpdate(105, 7, "hi"));
    await a.bot.handleUpdate(textUpdate(106, 7, "hi"));
    await plain.handleUpdate(textUpdate(107, 7, "hi"));
    expect(seen).toEqual(["a", 1, "b", 10, "a", 2, "plain", undefined]);
  });
});
