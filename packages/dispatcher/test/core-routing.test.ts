import type { Update } from "@bot/types";
import { describe, expect, it } from "vitest";
import {
  Bot,
  Composer,
  type Context,
  DispatcherError,
  HandlerStop,
  matchFilter,
} from "../src/index.js";
import {
  callbackUpdate,
  commandUpdate,
  inlineUpdate,
  ME,
  TOKEN,
  textUpdate,
} from "./core-helpers.js";

function newBot(): Bot {
  const bot = new Bot(TOKEN, { botInfo: ME });
  bot.catch((e) => {
    throw e.error;
  });
  return bot;
}

describe("middleware", () => {
  it("runs middleware in order, onion style", async () => {
    const bot = newBot();
    const log: string[] = [];
    bot.use(async (_ctx, next) => {
      log.push("a1");
      await next();
      log.push("a2");
    });
    bot.use((_ctx, next) => {
      log.push("b");
      return next();
    });
    bot.use(() => {
      log.push("c");
    });
    bot.use(() => {
      log.push("never");
    });
    await bot.handleUpdate(textUpdate("hi"));
    expect(log).toEqual(["a1", "b", "c", "a2"]);
  });

  it("throws when next is called twice", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const errors: unknown[] = [];
    bot.catch((e) => {
      errors.push(e.error);
    });
    bot.use(async (_ctx, next) => {
      await next();
      await next();
    });
    await bot.handleUpdate(textUpdate("x"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DispatcherError);
    expect((errors[0] as DispatcherError).code).toBe("BOT_DISPATCHER_NEXT_CALLED_TWICE");
  });

  it("accepts middleware objects and nested composers, and sees handlers added later", async () => {
    const bot = newBot();
    const seen: string[] = [];
    const inner = new Composer<Context>();
    bot.use({
      middleware: () => (_ctx, next) => {
        seen.push("obj");
        return next();
      },
    });
    bot.use(inner);
    await bot.handleUpdate(textUpdate("a"));
    inner.on("message:text", (ctx) => {
      seen.push(`inner:${ctx.message.text}`);
    });
    await bot.handleUpdate(textUpdate("b"));
    expect(seen).toEqual(["obj", "obj", "inner:b"]);
  });

  it("keeps registration order across kinds (a catch-all between handlers runs in order)", async () => {
    const bot = newBot();
    const log: string[] = [];
    bot.on("callback_query", (_c, next) => {
      log.push("cb");
      return next();
    });
    bot.on("message", (_c, next) => {
      log.push("m1");
      return next();
    });
    bot.use((_c, next) => {
      log.push("all");
      return next();
    });
    bot.command("go", (_c, next) => {
      log.push("cmd");
      return next();
    });
    bot.on(":text", () => {
      log.push("text");
    });
    await bot.handleUpdate(commandUpdate("/go"));
    expect(log).toEqual(["m1", "all", "cmd", "text"]);
    log.length = 0;
    await bot.handleUpdate(callbackUpdate("x"));
    expect(log).toEqual(["cb", "all"]);
  });
});

describe("order of evaluation", () => {
  it("is registration order: a command after on('message:text') is reached only through next()", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.on("message:text", (ctx) => void seen.push(`text:${ctx.message.text}`));
    bot.command("start", () => void seen.push("start"));
    await bot.handleUpdate(commandUpdate("/start"));
    expect(seen).toEqual(["text:/start"]);

    const passing = newBot();
    seen.length = 0;
    passing.on("message:text", (ctx, next) => {
      seen.push(`text:${ctx.message.text}`);
      return next();
    });
    passing.command("start", () => void seen.push("start"));
    await passing.handleUpdate(commandUpdate("/start"));
    expect(seen).toEqual(["text:/start", "start"]);
  });
});

describe("unknown kinds", () => {
  it("an update of a kind newer than our types still reaches catch-all middleware", async () => {
    const bot = newBot();
    const seen: unknown[] = [];
    bot.on("message", () => void seen.push("message"));
    bot.use((ctx) => void seen.push(ctx.updateKind));
    await bot.handleUpdate({ update_id: 1, future_kind: { x: 1 } } as unknown as Update);
    expect(seen).toEqual(["future_kind"]);
  });
});

describe("filter queries", () => {
  it("matches kinds, fields, shortcuts and entities", async () => {
    const bot = newBot();
    const hits: string[] = [];
    bot.on("message:photo", (_c, n) => {
      hits.push("photo");
      return n();
    });
    bot.on("message:text", (_c, n) => {
      hits.push("text");
      return n();
    });
    bot.on(":text", (_c, n) => {
      hits.push(":text");
      return n();
    });
    bot.on("edited_message:text", (_c, n) => {
      hits.push("edited");
      return n();
    });
    bot.on(":entities:url", (_c, n) => {
      hits.push("url");
      return n();
    });
    bot.on(["callback_query:data", "inline_query"], (_c, n) => {
      hits.push("or");
      return n();
    });
    await bot.handleUpdate(
      textUpdate("see https://x.y", { entities: [{ type: "url", offset: 4, length: 11 }] }),
    );
    expect(hits).toEqual(["text", ":text", "url"]);
    hits.length = 0;
    await bot.handleUpdate(textUpdate("hi", {}, "edited_message"));
    await bot.handleUpdate(textUpdate("post", {}, "channel_post"));
    await bot.handleUpdate(callbackUpdate("d"));
    await bot.handleUpdate(callbackUpdate(undefined));
    await bot.handleUpdate(inlineUpdate("q"));
    expect(hits).toEqual(["edited", ":text", "or", "or"]);
  });

  it("rejects a typo at registration with a suggestion", () => {
    const bot = newBot();
    // @ts-expect-error not a kind
    expect(() => bot.on("mesage:text")).toThrow(
      /'mesage' is not an update kind \(did you mean 'message'\?\)/,
    );
    // @ts-expect-error not a field
    expect(() => bot.on("message:txt")).toThrow(
      /'txt' is not a field of message \(did you mean 'text'\?\)/,
    );
    // @ts-expect-error not an entity type
    expect(() => bot.on(":entities:urll")).toThrow(/not an entity type/);
    // @ts-expect-error too many parts
    expect(() => bot.on("message:text:url")).toThrow(DispatcherError);
    let error: unknown;
    try {
      // @ts-expect-error not a kind
      bot.on("nope");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DispatcherError);
    expect((error as DispatcherError).code).toBe("BOT_DISPATCHER_INVALID_FILTER");
  });

  it("custom predicates and matchFilter narrow and combine", async () => {
    const bot = newBot();
    const hits: string[] = [];
    const isText = matchFilter<Context, "message:text">("message:text");
    bot.filter(
      (ctx) => isText(ctx) && ctx.message.text.startsWith("!"),
      () => {
        hits.push("bang");
      },
    );
    bot.drop(
      (ctx) => ctx.chat?.type === "private",
      () => {
        hits.push("not private");
      },
    );
    bot.filter(
      async (ctx) => ctx.callbackQuery !== undefined,
      () => {
        hits.push("async");
      },
    );
    await bot.handleUpdate(textUpdate("!x"));
    await bot.handleUpdate(textUpdate("y"));
    await bot.handleUpdate(textUpdate("z", { chat: { id: -1, type: "group", title: "g" } }));
    await bot.handleUpdate(callbackUpdate("q"));
    expect(hits).toEqual(["bang", "not private", "async"]);
  });
});

describe("command", () => {
  it("handles /cmd, /cmd@ourbot, args, case, deep links and several names", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.command("start", (ctx) => {
      seen.push(`start:${ctx.match}`);
    });
    bot.command(["help", "/about"], (ctx) => {
      seen.push(`help:${ctx.match}`);
    });
    bot.on("message", (ctx) => {
      seen.push(`other:${ctx.message.text}`);
    });
    await bot.handleUpdate(commandUpdate("/start"));
    await bot.handleUpdate(commandUpdate("/start ref_42"));
    await bot.handleUpdate(commandUpdate("/start@our_bot  a b"));
    await bot.handleUpdate(commandUpdate("/Start@OUR_BOT x"));
    await bot.handleUpdate(commandUpdate("/start@other_bot x"));
    await bot.handleUpdate(commandUpdate("/about me"));
    await bot.handleUpdate(commandUpdate("/HELP"));
    await bot.handleUpdate(commandUpdate("/unknown"));
    await bot.handleUpdate(
      textUpdate("say /start", { entities: [{ type: "bot_command", offset: 4, length: 6 }] }),
    );
    await bot.handleUpdate(textUpdate("/start"));
    expect(seen).toEqual([
      "start:",
      "start:ref_42",
      "start:a b",
      "start:x",
      "other:/start@other_bot x",
      "help:me",
      "help:",
      "other:/unknown",
      "other:say /start",
      "other:/start",
    ]);
  });

  it("runs every handler of a command in order through next, then the rest", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.command("a", (_c, n) => {
      seen.push("a1");
      return n();
    });
    bot.command("b", () => {
      seen.push("b");
    });
    bot.command("a", (_c, n) => {
      seen.push("a2");
      return n();
    });
    bot.use(() => {
      seen.push("tail");
    });
    await bot.handleUpdate(commandUpdate("/a"));
    expect(seen).toEqual(["a1", "a2", "tail"]);
  });

  it("rejects names Telegram never sends", () => {
    const bot = newBot();
    expect(() => bot.command("bad name", () => {})).toThrow(/invalid command name/);
    expect(() => bot.command([], () => {})).toThrow(DispatcherError);
  });
});

describe("triggers", () => {
  it("hears strings and regexes on text and captions", async () => {
    const bot = newBot();
    const seen: unknown[] = [];
    bot.hears("ping", (ctx) => {
      seen.push(ctx.match);
    });
    bot.hears(/^order (\d+)$/g, (ctx) => {
      seen.push(ctx.match[1]);
    });
    await bot.handleUpdate(textUpdate("ping"));
    await bot.handleUpdate(textUpdate("ping!"));
    await bot.handleUpdate(textUpdate("order 12"));
    await bot.handleUpdate(textUpdate("order 13"));
    await bot.handleUpdate({
      update_id: 999,
      message: { message_id: 1, date: 1, chat: { id: 1, type: "private" }, caption: "order 7" },
    });
    expect(seen).toEqual(["ping", "12", "13", "7"]);
  });

  it("callbackQuery and inlineQuery match data and query", async () => {
    const bot = newBot();
    const seen: unknown[] = [];
    bot.callbackQuery("yes", (ctx) => {
      seen.push(`cb:${ctx.match}`);
    });
    bot.callbackQuery([/^page:(\d+)$/, "no"], (ctx) => {
      seen.push(`cb2:${typeof ctx.match === "string" ? ctx.match : ctx.match[1]}`);
    });
    bot.inlineQuery(/^gif (.+)/, (ctx) => {
      seen.push(`iq:${ctx.match[1]}`);
    });
    await bot.handleUpdate(callbackUpdate("yes"));
    await bot.handleUpdate(callbackUpdate("page:3"));
    await bot.handleUpdate(callbackUpdate("no"));
    await bot.handleUpdate(callbackUpdate("maybe"));
    await bot.handleUpdate(inlineUpdate("gif cats"));
    await bot.handleUpdate(inlineUpdate("cats"));
    expect(seen).toEqual(["cb:yes", "cb2:3", "cb2:no", "iq:cats"]);
  });

  it("chatType and reaction", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.chatType(["group", "supergroup"], (ctx) => {
      seen.push(`group:${ctx.chat.type}`);
    });
    bot.reaction("👍", () => {
      seen.push("like");
    });
    await bot.handleUpdate(textUpdate("a"));
    await bot.handleUpdate(textUpdate("b", { chat: { id: -5, type: "supergroup", title: "s" } }));
    const reaction = (old: string[], now: string[]) => ({
      update_id: 1,
      message_reaction: {
        chat: { id: 1, type: "private" as const },
        message_id: 1,
        date: 1,
        old_reaction: old.map((emoji) => ({ type: "emoji" as const, emoji: emoji as "👍" })),
        new_reaction: now.map((emoji) => ({ type: "emoji" as const, emoji: emoji as "👍" })),
      },
    });
    await bot.handleUpdate(reaction([], ["👍"]));
    await bot.handleUpdate(reaction(["👍"], ["👍"]));
    expect(seen).toEqual(["group:supergroup", "like"]);
    // @ts-expect-error not a chat type
    expect(() => bot.chatType("room")).toThrow(/unknown chat type/);
  });
});

describe("branch, route, lazy, errorBoundary, fork", () => {
  it("branch and route pick middleware", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.branch(
      (ctx) => ctx.message?.text === "a",
      () => void seen.push("A"),
      (_c, next) => {
        seen.push("notA");
        return next();
      },
    );
    bot.route(
      (ctx) => (ctx.message?.text === "b" ? "bee" : undefined),
      { bee: () => void seen.push("B") },
      () => void seen.push("fallback"),
    );
    await bot.handleUpdate(textUpdate("a"));
    await bot.handleUpdate(textUpdate("b"));
    await bot.handleUpdate(textUpdate("c"));
    expect(seen).toEqual(["A", "notA", "B", "notA", "fallback"]);
  });

  it("lazy builds middleware per update", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.lazy(async (ctx) =>
      ctx.message?.text === "x" ? [() => void seen.push("lazy-x")] : (_c, n) => n(),
    );
    bot.use(() => void seen.push("after"));
    await bot.handleUpdate(textUpdate("x"));
    await bot.handleUpdate(textUpdate("y"));
    expect(seen).toEqual(["lazy-x", "after"]);
  });

  it("errorBoundary catches errors inside only, and may continue", async () => {
    const bot = new Bot(TOKEN, { botInfo: ME });
    const caught: string[] = [];
    const outer: string[] = [];
    bot.catch((e) => void outer.push(String((e.error as Error).message)));
    bot.errorBoundary(
      async (err, next) => {
        caught.push((err.error as Error).message);
        await next();
      },
      (ctx, next) => {
        if (ctx.message?.text === "boom") throw new Error("inner");
        return next();
      },
    );
    bot.use(() => {
      throw new Error("downstream");
    });
    await bot.handleUpdate(textUpdate("boom"));
    await bot.handleUpdate(textUpdate("ok"));
    expect(caught).toEqual(["inner"]);
    expect(outer).toEqual(["downstream", "downstream"]);
  });

  it("fork runs concurrently with the rest", async () => {
    const bot = newBot();
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    bot.fork(async () => {
      await gate;
      seen.push("fork");
    });
    bot.use(() => {
      seen.push("main");
      release();
    });
    await bot.handleUpdate(textUpdate("x"));
    expect(seen).toEqual(["main", "fork"]);
  });
});

describe("handler groups", () => {
  it("runs the first matching handler of each group, groups in order; HandlerStop ends it", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.group(1).command("stop", () => {
      seen.push("g1:stop");
    });
    bot.group(0).command("start", () => void seen.push("g0:start"));
    bot.group(0).on("message:text", () => void seen.push("g0:text"));
    bot.group(1).on("message", () => void seen.push("g1:any"));
    const halt = new Composer<Context>();
    halt.hears("halt", () => {
      seen.push("g-1:halt");
      throw new HandlerStop();
    });
    bot.addHandler(halt, -1);
    bot.use(() => void seen.push("after"));
    await bot.handleUpdate(commandUpdate("/start"));
    expect(seen).toEqual(["g0:start", "g1:any", "after"]);
    seen.length = 0;
    await bot.handleUpdate(commandUpdate("/stop"));
    expect(seen).toEqual(["g0:text", "g1:stop", "after"]);
    seen.length = 0;
    await bot.handleUpdate(textUpdate("halt"));
    expect(seen).toEqual(["g-1:halt"]);
  });
});

describe("handler groups keep the filters of their handlers", () => {
  it("addHandler(new Composer().command('start', h)) runs h for /start only", async () => {
    const bot = newBot();
    const seen: string[] = [];
    bot.addHandler(
      new Composer<Context>().command("start", (ctx) => void seen.push(`start:${ctx.match}`)),
    );
    bot.addHandler(
      new Composer<Context>().on("message").hears("hi", () => void seen.push("hi")),
      1,
    );
    bot.addHandler(
      new Composer<Context>().callbackQuery("go", () => void seen.push("go")),
      2,
    );
    await bot.handleUpdate(textUpdate("hello"));
    await bot.handleUpdate(commandUpdate("/start x"));
    await bot.handleUpdate(textUpdate("hi"));
    await bot.handleUpdate(callbackUpdate("stay"));
    await bot.handleUpdate(callbackUpdate("go"));
    expect(seen).toEqual(["start:x", "hi", "go"]);
    expect(bot.allowedUpdates()).toEqual(["message", "channel_post", "callback_query"]);
  });

  it("a handler added to a group after the first update is seen", async () => {
    const bot = newBot();
    const seen: string[] = [];
    await bot.handleUpdate(commandUpdate("/start"));
    bot.addHandler(new Composer<Context>().command("start", () => void seen.push("start")));
    await bot.handleUpdate(commandUpdate("/start"));
    expect(seen).toEqual(["start"]);
  });
});

describe("allowedUpdates", () => {
  it("derives the kinds from the handlers", () => {
    const a = newBot();
    a.command("start", () => {});
    a.hears("hi", () => {});
    expect(a.allowedUpdates()).toEqual(["message", "channel_post"]);
    a.callbackQuery("x", () => {});
    a.group(2).on("chat_member", () => {});
    expect(a.allowedUpdates()).toEqual(
      ["message", "channel_post", "chat_member", "callback_query"].sort(order),
    );

    const b = newBot();
    b.use((_c, n) => n());
    const all = b.allowedUpdates();
    expect(all).toContain("poll_answer");
    expect(all).not.toContain("chat_member");
    expect(all).not.toContain("message_reaction");
    b.reaction("👍", () => {});
    expect(b.allowedUpdates()).toContain("message_reaction");

    const c = newBot();
    c.filter(() => true).on("edited_message", () => {});
    expect(c.allowedUpdates()).toEqual(["edited_message"]);
  });
});

const kinds = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_connection",
  "business_message",
  "edited_business_message",
  "deleted_business_messages",
  "guest_message",
  "message_reaction",
  "message_reaction_count",
  "inline_query",
  "chosen_inline_result",
  "callback_query",
  "shipping_query",
  "pre_checkout_query",
  "purchased_paid_media",
  "poll",
  "poll_answer",
  "my_chat_member",
  "chat_member",
];
function order(a: string, b: string): number {
  return kinds.indexOf(a) - kinds.indexOf(b);
}
