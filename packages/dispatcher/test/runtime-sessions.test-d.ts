import { describe, expectTypeOf, it } from "vitest";
import {
  KeyedScheduler,
  Poller,
  type PollingHost,
  type TaskHandle,
  type TaskKey,
} from "../src/advanced.js";
import {
  Bot,
  type Context,
  type DataFlavor,
  dataSessions,
  MemoryStorage,
  type SessionFlavor,
  type Storage,
  type StorageEntry,
  session,
} from "../src/index.js";

describe("runtime types", () => {
  it("DataFlavor types chatData, userData and botData", () => {
    const bot = new Bot<Context & DataFlavor<{ count: number }, { name: string }>>("1:a");
    bot.use(dataSessions({ initial: { chat: () => ({ count: 0 }), user: () => ({ name: "" }) } }));
    bot.on("message:text", async (ctx) => {
      expectTypeOf(await ctx.chatData).toEqualTypeOf<{ count: number }>();
      expectTypeOf(await ctx.userData).toEqualTypeOf<{ name: string }>();
      expectTypeOf(await ctx.botData).toEqualTypeOf<Readonly<Record<string, unknown>>>();
      expectTypeOf(ctx.updateBotData)
        .parameter(0)
        .parameter(0)
        .toEqualTypeOf<Record<string, unknown>>();
      const data = await ctx.chatData;
      data.count++;
      // @ts-expect-error count is a number
      data.count = "many";
      // @ts-expect-error no such field
      data.missing;
      // @ts-expect-error the data is loaded lazily: it is a promise, not the object
      ctx.chatData.count;
    });
  });

  it("SessionFlavor names the property", () => {
    const bot = new Bot<Context & SessionFlavor<{ step: number }, "wizard">>("1:a");
    bot.use(session({ name: "wizard", key: () => "k", initial: () => ({ step: 0 }) }));
    bot.on("message", async (ctx) => {
      expectTypeOf(await ctx.wizard).toEqualTypeOf<{ step: number }>();
      // @ts-expect-error the default name is not there
      ctx.session;
    });
  });

  it("session options are checked against the context and value", () => {
    session<{ n: number }>({
      key: (ctx) => String(ctx.update.update_id),
      initial: () => ({ n: 0 }),
    });
    // @ts-expect-error initial must produce the session type
    session<{ n: number }>({ key: () => "k", initial: () => ({ n: "0" }) });
    // @ts-expect-error the key must be a string or undefined
    session<{ n: number }>({ key: () => 5, initial: () => ({ n: 0 }) });
  });

  it("MemoryStorage is a Storage, Bot is a PollingHost, scheduler API is stable", () => {
    expectTypeOf(new MemoryStorage()).toMatchTypeOf<Storage>();
    expectTypeOf<Bot>().toMatchTypeOf<PollingHost>();
    expectTypeOf(new MemoryStorage().get<{ a: 1 }>("k")).resolves.toEqualTypeOf<
      StorageEntry<{ a: 1 }> | undefined
    >();
    const scheduler = new KeyedScheduler({ concurrency: 4 });
    expectTypeOf(scheduler.schedule).parameters.toEqualTypeOf<
      [TaskKey, (handle: TaskHandle) => Promise<void> | void]
    >();
    expectTypeOf(scheduler.schedule).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(scheduler.idle).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(scheduler.size).toEqualTypeOf<number>();
    expectTypeOf(new Poller(new Bot("1:a")).start).returns.toEqualTypeOf<Promise<void>>();
    // @ts-expect-error limit is a number
    new Poller(new Bot("1:a"), { limit: "100" });
  });
});
