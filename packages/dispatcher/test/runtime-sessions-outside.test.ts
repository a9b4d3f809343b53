/** `dataSessions().withData`: a chat's and user's data opened outside an update (jobs, scripts). */
import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import {
  Bot,
  type Context,
  type DataFlavor,
  dataSessions,
  MemoryStorage,
  RuntimeError,
  type Storage,
} from "../src/index.js";
import { BOT_INFO, sleep } from "./fixtures/polling-helpers.js";

type Counter = { n: number };
type Ctx = Context & DataFlavor<Counter, Counter, Counter>;

/** A store with only the five core methods (no `lock`): in-process leases instead. */
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

function msg(updateId: number, chatId: number, userId: number): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 0,
      chat: { id: chatId, type: "group" },
      from: { id: userId, is_bot: false, first_name: "U" },
      text: "x",
    },
  } as Update;
}

function setup(storage: Storage) {
  const bot = new Bot<Ctx>("123:abc", { botInfo: BOT_INFO, storage });
  const errors: unknown[] = [];
  bot.catch((e) => {
    errors.push(e.error);
  });
  const initial = () => ({ n: 0 });
  const data = dataSessions<Counter, Counter, Counter>({
    initial: { chat: initial, user: initial, bot: initial },
  });
  bot.use(data);
  bot.on("message", async (ctx) => {
    const chat = await ctx.chatData;
    const n = chat.n;
    await sleep(1); // read-modify-write with a gap: a second writer in between loses a write
    chat.n = n + 1;
    (await ctx.userData).n += 1;
  });
  return { bot, data, errors };
}

describe.each([
  ["MemoryStorage (lock)", () => new MemoryStorage()],
  ["a storage without lock", lockless],
] as const)("withData (%s)", (_name, makeStore) => {
  it("shares the keys of updates: updates and outside writers never lose each other's writes", async () => {
    const storage = makeStore();
    const { bot, data, errors } = setup(storage);
    const outside = async () => {
      for (let i = 0; i < 20; i++) {
        await data.withData({ api: bot.api, chatId: -100, userId: 7 }, async (d) => {
          const chat = await d.chatData;
          const n = chat.n;
          await sleep(1);
          chat.n = n + 1;
        });
      }
    };
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => bot.handleUpdate(msg(i + 1, -100, 7))),
      outside(),
    ]);
    expect(errors).toEqual([]);
    expect((await storage.get<Counter>("123:data:chat:-100"))?.value).toEqual({ n: 50 });
    expect((await storage.get<Counter>("123:data:user:7"))?.value).toEqual({ n: 30 });
  });

  it("saves only when fn resolved, returns its result, and refuses data without a key", async () => {
    const storage = makeStore();
    const { bot, data } = setup(storage);
    const where = { api: bot.api, chatId: 5 };
    expect(
      await data.withData(where, async (d) => {
        (await d.chatData).n = 41;
        return "ok";
      }),
    ).toBe("ok");
    await expect(
      data.withData(where, async (d) => {
        (await d.chatData).n = 0;
        throw new Error("job failed");
      }),
    ).rejects.toThrow("job failed");
    expect((await storage.get<Counter>("123:data:chat:5"))?.value).toEqual({ n: 41 });
    await data.withData(where, async (d) => {
      await expect(d.userData).rejects.toMatchObject({ code: "BOT_DISPATCHER_SESSION_NO_KEY" });
      expect(await d.botData).toEqual({ n: 0 });
      expect(
        await d.updateBotData((b) => {
          b.n += 1;
        }),
      ).toEqual({ n: 1 });
    });
    // the data is closed once fn settled
    let late: DataFlavor<Counter, Counter, Counter> | undefined;
    await data.withData(where, (d) => {
      late = d;
    });
    await expect(late?.chatData).rejects.toMatchObject({ code: "BOT_DISPATCHER_SESSION_CLOSED" });
    await expect(
      data.withData({ api: bot.api, chatId: 1.5 }, () => undefined),
    ).rejects.toBeInstanceOf(RuntimeError);
  });
});
