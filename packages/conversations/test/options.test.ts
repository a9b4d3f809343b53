/**
 * `key: "message"` (one flow per inline-keyboard message), `persistent: false` (process memory
 * while the bot's storage is Redis), and entering another conversation from a conversation's
 * handler, against @bot/emulator (and the local Redis).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Bot, type Context } from "@bot/dispatcher";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "@bot/emulator";
import { RedisStorage } from "@bot/persistence-redis";
import type { Message } from "@bot/types";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ConversationError,
  type ConversationFlavor,
  conversation,
  END,
  steps,
} from "../src/index.js";
import { type OrderBotContext, orderBot } from "./fixtures/order.js";

type C = Context & ConversationFlavor<{ clicks?: number }>;

let emu: Emulator;
let record: EmulatorBot;
let bot: Bot<C> | undefined;
let polling: Promise<void> | undefined;
const errors: unknown[] = [];

beforeEach(async () => {
  emu = await createEmulator();
  record = emu.createBot({ username: "options_bot" });
  errors.length = 0;
});
afterEach(async () => {
  await stopBot();
  await emu.close();
});
async function stopBot(): Promise<void> {
  if (bot === undefined) return;
  await bot.stop();
  await polling;
  await bot.api.close();
  bot = undefined;
}
function startBot(setup: (b: Bot<C>) => void, storage?: RedisStorage): Bot<C> {
  const b = new Bot<C>(record.token, {
    clientOptions: { apiRoot: emu.apiRoot, retry: false },
    ...(storage ? { storage } : {}),
  });
  setup(b);
  b.catch(async (err) => {
    errors.push(err.error);
    await err.ctx?.reply(`error: ${(err.error as Error).message}`);
  });
  bot = b;
  polling = b.start();
  return b;
}
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
}
const text = async (user: UserActor): Promise<string | undefined> => {
  for (;;) {
    const m = await user.nextMessage({ timeoutMs: 10_000 });
    if (m.from?.is_bot === true) return m.text;
  }
};

describe('key: "message"', () => {
  const { callbackQuery } = steps<C, "ONE" | "TWO">();
  const wizard = conversation({
    name: "wizard",
    key: "message",
    entry: [
      callbackQuery("go", async (ctx) => {
        await ctx.answerCallbackQuery();
        ctx.conversation.data.clicks = 1;
        await ctx.reply(`one ${ctx.conversation.key}`);
        return "ONE";
      }),
    ],
    states: {
      ONE: [
        callbackQuery("next", async (ctx) => {
          await ctx.answerCallbackQuery();
          ctx.conversation.data.clicks = (ctx.conversation.data.clicks ?? 0) + 1;
          await ctx.reply(`two ${ctx.conversation.key}`);
          return "TWO";
        }),
      ],
      TWO: [
        callbackQuery("next", async (ctx) => {
          await ctx.answerCallbackQuery();
          await ctx.reply(`done ${ctx.conversation.key} after ${ctx.conversation.data.clicks}`);
          return END;
        }),
      ],
    },
  });
  const menu = (b: Bot<C>) => {
    b.command("menu", (ctx) =>
      ctx.reply("menu", {
        reply_markup: {
          inline_keyboard: [
            [
              { text: "Go", callback_data: "go" },
              { text: "Next", callback_data: "next" },
            ],
          ],
        },
      }),
    );
    b.use(wizard);
    b.on("message", (ctx) => ctx.reply("outside"));
    b.on("callback_query", (ctx) => ctx.reply(`unhandled ${ctx.callbackQuery.data}`));
  };

  it("gives each inline-keyboard message its own flow; other updates pass on", async () => {
    const b = startBot(menu);
    const ann = emu.user({ first_name: "Ann" });
    const menus: Message[] = [];
    for (let i = 0; i < 2; i++) {
      ann.send("/menu");
      for (;;) {
        const m = await ann.nextMessage({ timeoutMs: 10_000 });
        if (m.text === "menu") {
          menus.push(m);
          break;
        }
      }
    }
    const [m1, m2] = menus as [Message, Message];
    const k1 = `${ann.user.id}/m${m1.message_id}`;
    const k2 = `${ann.user.id}/m${m2.message_id}`;
    ann.click("go", { message: m1 });
    expect(await text(ann)).toBe(`one ${k1}`);
    // the same user, another message: a flow of its own (a per-user key would be in ONE here)
    ann.click("go", { message: m2 });
    expect(await text(ann)).toBe(`one ${k2}`);
    ann.send("hello"); // a message carries no message key: passed on
    expect(await text(ann)).toBe("outside");
    ann.click("next", { message: m1 });
    expect(await text(ann)).toBe(`two ${k1}`);
    // the reply is sent before the record is written (after the handler): wait for the write
    await until(async () =>
      (await wizard.active(b, { chatId: ann.user.id })).some((a) => a.state === "TWO"),
    );
    const listed = await wizard.active(b, { chatId: ann.user.id });
    expect(listed.map((a) => [a.key, a.state]).sort()).toEqual(
      [
        [k1, "TWO"],
        [k2, "ONE"],
      ].sort(),
    );
    expect(
      (await wizard.active(b, { chatId: ann.user.id, messageId: m2.message_id })).map(
        (a) => a.state,
      ),
    ).toEqual(["ONE"]);
    ann.click("next", { message: m1 });
    expect(await text(ann)).toBe(`done ${k1} after 2`);
    ann.click("next", { message: m1 }); // ended: no entry point takes "next"
    expect(await text(ann)).toBe("unhandled next");
    expect(await wizard.cancel(b, { chatId: ann.user.id, messageId: m2.message_id })).toBe(true);
    ann.click("next", { message: m2 });
    expect(await text(ann)).toBe("unhandled next");
    await expect(wizard.cancel(b, { chatId: ann.user.id })).rejects.toMatchObject({
      code: "BOT_CONVERSATIONS_INVALID_OPTIONS",
    });
    expect(errors).toEqual([]);
  });

  it("keys a callback query of an inline message by its inline_message_id", async () => {
    const seen: string[] = [];
    const b = new Bot<C>("1:x", {
      botInfo: {
        id: 1,
        is_bot: true,
        first_name: "B",
        username: "b_bot",
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: true,
        can_connect_to_business: false,
        has_main_web_app: false,
      },
    });
    const { callbackQuery } = steps<C, "ON">();
    b.use(
      conversation({
        name: "inline",
        key: "message",
        entry: [
          callbackQuery("go", async (ctx) => {
            seen.push(ctx.conversation.key);
            return "ON";
          }),
        ],
        states: {
          ON: [
            callbackQuery("go", async (ctx) => {
              seen.push(`again ${ctx.conversation.key}`);
              return END;
            }),
          ],
        },
      }),
    );
    b.catch((err) => void errors.push(err.error));
    const from = { id: 5, is_bot: false, first_name: "U" };
    const click = (id: number, inline: string) =>
      b.handleUpdate({
        update_id: id,
        callback_query: {
          id: String(id),
          from,
          chat_instance: "1",
          inline_message_id: inline,
          data: "go",
        },
      });
    await click(1, "AAA");
    await click(2, "BBB");
    await click(3, "AAA");
    expect(seen).toEqual(["inline:AAA", "inline:BBB", "again inline:AAA"]);
    expect(errors).toEqual([]);
    await b.api.close();
  });
});

describe("the README's per-message order bot", () => {
  it("is the README's code, line for line", () => {
    const source = readFileSync(new URL("./fixtures/order.ts", import.meta.url), "utf8");
    const body = source.slice(
      source.indexOf("// README:begin") + 15,
      source.indexOf("// README:end"),
    );
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of body.split("\n").map((l) => l.trim())) {
      if (line !== "") expect(readme).toContain(line);
    }
  });

  it("keeps two menus' orders apart", async () => {
    const b = new Bot<OrderBotContext>(record.token, {
      clientOptions: { apiRoot: emu.apiRoot, retry: false },
    });
    orderBot(b);
    b.catch((err) => void errors.push(err.error));
    const run = b.start();
    try {
      const ann = emu.user({ first_name: "Ann" });
      ann.send("/menu");
      const m1 = await ann.nextMessage({ timeoutMs: 10_000 });
      ann.send("/menu");
      const m2 = await ann.nextMessage({ timeoutMs: 10_000 });
      const edit = async () => (await ann.nextEdit({ timeoutMs: 10_000 })).text;
      ann.click("order", { message: m1 });
      expect(await edit()).toBe("Size?");
      ann.click("order", { message: m2 });
      expect(await edit()).toBe("Size?");
      ann.click("L", { message: m1 });
      expect(await edit()).toBe("Crust?");
      ann.click("S", { message: m2 });
      expect(await edit()).toBe("Crust?");
      ann.click("thin", { message: m2 });
      expect(await edit()).toBe("Ordered: S, thin");
      ann.click("thick", { message: m1 });
      expect(await edit()).toBe("Ordered: L, thick");
      expect(errors).toEqual([]);
    } finally {
      await b.stop();
      await run;
      await b.api.close();
    }
  });
});

describe("persistent: false", () => {
  let client: ReturnType<typeof createClient>;
  let prefix: string;
  beforeAll(async () => {
    client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
    await client.connect();
  });
  afterAll(async () => {
    await client.quit();
  });
  beforeEach(() => {
    prefix = `test:conversations:options:${randomBytes(6).toString("hex")}:`;
  });
  afterEach(async () => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      keys.push(...batch);
    }
    if (keys.length > 0) await client.del(keys);
  });
  const redisKeys = async (part: string) => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*${part}*`, COUNT: 500 })) {
      keys.push(...batch.filter((k) => !k.endsWith(":fence")));
    }
    return keys;
  };
  const make = (name: string, persistent?: boolean) => {
    const { command, hears } = steps<C, "ASKED">();
    return conversation({
      name,
      ...(persistent === undefined ? {} : { persistent }),
      entry: [
        command(name, async (ctx) => {
          await ctx.reply(`${name}?`);
          return "ASKED";
        }),
      ],
      states: {
        ASKED: [
          hears(name, async (ctx) => {
            await ctx.reply(`${name}!`);
            return END;
          }),
        ],
      },
    });
  };

  it("keeps the conversation in memory while the bot's storage is Redis; forgotten on restart", async () => {
    const storage = new RedisStorage({ client, prefix });
    let scratch = make("scratch", false);
    let durable = make("durable");
    const setup = (b: Bot<C>) => {
      b.use(scratch);
      b.use(durable);
      b.on("message", (ctx) => ctx.reply("outside"));
    };
    let b = startBot(setup, storage);
    const ann = emu.user({ first_name: "Ann" });
    ann.send("/scratch");
    expect(await text(ann)).toBe("scratch?");
    ann.send("/durable");
    expect(await text(ann)).toBe("durable?");
    const where = { chatId: ann.user.id, userId: ann.user.id };
    await until(async () => (await redisKeys("conversation*durable")).length > 0);
    expect((await scratch.active(b, where)).map((a) => a.state)).toEqual(["ASKED"]);
    expect(await redisKeys("conversation*scratch")).toEqual([]);
    expect(await redisKeys("conversation*durable")).not.toEqual([]);

    // a restart: a new process builds its conversations afresh
    await stopBot();
    scratch = make("scratch", false);
    durable = make("durable");
    b = startBot(setup, storage);
    ann.send("scratch");
    expect(await text(ann)).toBe("outside"); // forgotten
    ann.send("durable");
    expect(await text(ann)).toBe("durable!"); // resumed from Redis
    expect(errors).toEqual([]);
  });

  it("rejects persistent: false together with a storage", () => {
    const { command } = steps<C, "A">();
    const base = { name: "x", entry: [command("x", async () => "A" as const)], states: { A: [] } };
    expect(() =>
      conversation({ ...base, persistent: false, storage: new RedisStorage({ client, prefix }) }),
    ).toThrow(ConversationError);
    const timeouts = { register() {}, schedule: async () => {}, cancel: async () => {} };
    expect(() => conversation({ ...base, persistent: false, timeouts })).toThrow(
      /in-process timer/,
    );
    expect(() => conversation({ ...base, persistent: "no" as unknown as boolean })).toThrow(
      /persistent must be a boolean/,
    );
  });

  it("throws a branded ConversationError with a BOT_CONVERSATIONS_* code", () => {
    let error: unknown;
    try {
      conversation({ name: "", entry: [], states: {} });
    } catch (e) {
      error = e;
    }
    expect(ConversationError.is(error)).toBe(true);
    expect((error as ConversationError).code).toBe("BOT_CONVERSATIONS_INVALID_OPTIONS");
    // What another copy of the package would throw: another class, the same registered brand.
    const fromCopy = Object.create(null) as Record<symbol, unknown>;
    fromCopy[Symbol.for("@bot/conversations.ConversationError")] = true;
    expect(fromCopy).toBeInstanceOf(ConversationError);
    expect(ConversationError.is(new Error("x"))).toBe(false);
  });
});

describe("entering another conversation from a conversation's handler", () => {
  it("starts the other conversation with the update; enter() of its own conversation is a typed error", async () => {
    const a = steps<C, "A1">();
    const b = steps<C, "B1">();
    const second = conversation({
      name: "second",
      entry: [],
      states: {
        B1: [
          b.hears("b", async (ctx) => {
            await ctx.reply(`second got b (${ctx.conversation.data.clicks})`);
            return END;
          }),
        ],
      },
    });
    const first = conversation({
      name: "first",
      entry: [
        a.command("first", async (ctx) => {
          await ctx.reply("first?");
          return "A1";
        }),
      ],
      states: {
        A1: [
          a.hears("hand over", async (ctx) => {
            await second.enter(ctx, "B1", { clicks: 7 }); // another conversation: fine
            await ctx.reply("handed over");
            return END;
          }),
          a.hears("self", async (ctx) => {
            await first.enter(ctx, "A1"); // its own: return the state instead
            return END;
          }),
        ],
      },
    });
    startBot((bt) => {
      bt.use(first);
      bt.use(second);
      bt.on("message", (ctx) => ctx.reply("outside"));
    });
    const ann = emu.user({ first_name: "Ann" });
    ann.send("/first");
    expect(await text(ann)).toBe("first?");
    ann.send("self");
    expect(await text(ann)).toMatch(/^error: .*from its own handler/);
    expect(errors[0]).toMatchObject({ code: "BOT_CONVERSATIONS_INVALID_CALL" });
    ann.send("hand over"); // still in A1: the failed handler saved nothing
    expect(await text(ann)).toBe("handed over");
    ann.send("b");
    expect(await text(ann)).toBe("second got b (7)");
    ann.send("b");
    expect(await text(ann)).toBe("outside");
    expect(errors).toHaveLength(1);
  });
});
