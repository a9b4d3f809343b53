/**
 * Timeouts with a fake clock: the in-process timer fires the TIMEOUT handlers `timeoutMs` after
 * the last update, with no update arriving, in a context of the last update; a newer update
 * moves it, an ended conversation cancels it, and a deadline that passed while no timer ran is
 * noticed when the next update arrives.
 */
import diagnostics from "node:diagnostics_channel";
import { Bot, type BotError, type Context } from "@bot/dispatcher";
import { createEmulator, type Emulator, ManualClock, type UserActor } from "@bot/emulator";
import { Jobs, MemoryDriver } from "@bot/jobs";
import type { Message } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CONVERSATIONS_CHANNEL,
  type ConversationClock,
  type ConversationFlavor,
  type ConversationTimeouts,
  conversation,
  END,
  jobsTimeouts,
  steps,
  type TimeoutPayload,
  type TransitionEvent,
} from "../src/index.js";
import { quiz as quizWith } from "./fixtures/quiz.js";

type C = Context & ConversationFlavor<{ answers?: string[] }>;

let emu: Emulator;
let bot: Bot<C>;
let polling: Promise<void>;
let clock: ManualClock;
const errors: unknown[] = [];
const caught: BotError<C>[] = [];
const events: TransitionEvent[] = [];
const listen = (e: unknown) => void events.push(e as TransitionEvent);

function quiz(options: { clock: ConversationClock }) {
  const { hears, command, use } = steps<C, "ASKED">();
  return conversation({
    name: "quiz",
    timeoutMs: 5_000,
    clock: options.clock,
    entry: [
      command("quiz", async (ctx) => {
        await ctx.reply("question?");
        return "ASKED";
      }),
    ],
    states: {
      ASKED: [
        hears("more", async (ctx) => {
          ctx.conversation.data.answers = [...(ctx.conversation.data.answers ?? []), "more"];
          await ctx.reply("more?");
        }),
        hears("done", async (ctx) => {
          await ctx.reply("answered");
          return END;
        }),
      ],
    },
    timeout: [
      use(async (ctx) => {
        const n = ctx.conversation.data.answers?.length ?? 0;
        await ctx.reply(`timed out in ${ctx.conversation.state} after "${ctx.msg?.text}" (${n})`);
      }),
    ],
  });
}

let finished = 0;
const waiters: { n: number; resolve: () => void }[] = [];
/** Resolves once `n` updates were fully handled (saved, timer armed) since the bot started. */
function handled(n: number): Promise<void> {
  if (finished >= n) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ n, resolve }));
}

function startBot(
  conversationClock: ConversationClock,
  make: (clock: ConversationClock) => ReturnType<typeof quiz> = (c) => quiz({ clock: c }),
): void {
  bot = new Bot<C>(emu.createBot({ username: "quiz_bot" }).token, {
    clientOptions: { apiRoot: emu.apiRoot, retry: false },
  });
  bot.use(async (_ctx, next) => {
    try {
      await next();
    } finally {
      finished += 1;
      for (const w of waiters.filter((x) => x.n <= finished)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  bot.use(make(conversationClock));
  bot.on("message", (ctx) => ctx.reply("outside"));
  bot.catch((err) => {
    errors.push(err.error);
    caught.push(err);
  });
  polling = bot.start();
}

beforeEach(async () => {
  emu = await createEmulator();
  clock = new ManualClock(Date.now());
  errors.length = 0;
  caught.length = 0;
  events.length = 0;
  finished = 0;
  diagnostics.subscribe(CONVERSATIONS_CHANNEL, listen);
});
afterEach(async () => {
  diagnostics.unsubscribe(CONVERSATIONS_CHANNEL, listen);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
  expect(errors).toEqual([]);
});

async function reply(user: UserActor): Promise<Message> {
  return user.nextMessage({ timeoutMs: 10_000 });
}
const timeouts_ = () => events.filter((e) => e.cause === "timeout");
/** Waits until `check` holds (the event is published after the handler's reply arrived). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe("the in-process timeout timer", () => {
  it("fires timeoutMs after the last update with no update arriving, in its context", async () => {
    startBot(clock);
    const frank = emu.user({ first_name: "Frank" });
    frank.send("/quiz");
    expect((await reply(frank)).text).toBe("question?");
    frank.send("more");
    expect((await reply(frank)).text).toBe("more?");
    await handled(2);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(4_999);
    expect(clock.pendingTimers).toBe(1); // not yet due
    expect(timeouts_()).toEqual([]);
    clock.advance(1);
    expect(clock.pendingTimers).toBe(0);
    expect((await reply(frank)).text).toBe('timed out in ASKED after "more" (1)');
    await until(() => timeouts_().length > 0);
    expect(timeouts_()).toMatchObject([{ name: "quiz", from: "ASKED", to: null }]);
    frank.send("more"); // ended: handled as if idle
    expect((await reply(frank)).text).toBe("outside");
  });

  it("is moved by a newer update, so it fires once, after the last one", async () => {
    startBot(clock);
    const gina = emu.user({ first_name: "Gina" });
    gina.send("/quiz");
    await reply(gina);
    await handled(1);
    clock.advance(3_000);
    gina.send("more");
    await reply(gina);
    await handled(2);
    clock.advance(3_000); // 6 s after /quiz, 3 s after "more"
    expect(clock.pendingTimers).toBe(1);
    expect(timeouts_()).toEqual([]);
    clock.advance(2_000);
    expect((await reply(gina)).text).toBe('timed out in ASKED after "more" (1)');
    await until(() => timeouts_().length > 0);
    expect(timeouts_()).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("is cancelled when the conversation ends", async () => {
    startBot(clock);
    const hal = emu.user({ first_name: "Hal" });
    hal.send("/quiz");
    await reply(hal);
    await handled(1);
    expect(clock.pendingTimers).toBe(1);
    hal.send("done");
    expect((await reply(hal)).text).toBe("answered");
    await handled(2);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10_000);
    expect(timeouts_()).toEqual([]);
  });

  it("times out at load when the deadline passed and no timer ran (e.g. after a restart)", async () => {
    // a clock whose timers never fire: the process that armed it "restarted"
    const paused: ConversationClock = {
      now: () => clock.now(),
      setTimeout: () => ({}),
      clearTimeout: () => {},
    };
    startBot(paused);
    const ivy = emu.user({ first_name: "Ivy" });
    ivy.send("/quiz");
    await reply(ivy);
    await handled(1);
    clock.advance(6_000);
    ivy.send("done");
    expect((await reply(ivy)).text).toBe('timed out in ASKED after "done" (0)');
    expect((await reply(ivy)).text).toBe("outside"); // then handled as if idle
    expect(timeouts_()).toHaveLength(1);
  });
});

describe("durable timeouts (the contract)", () => {
  it("a newer update moves the timeout; a stale or repeated run does nothing", async () => {
    const scheduled: { id: string; at: number; payload: TimeoutPayload }[] = [];
    const cancelled: string[] = [];
    let fire: ((p: TimeoutPayload, api: Context["api"]) => Promise<boolean>) | undefined;
    const timeouts: ConversationTimeouts = {
      register: (_name, f) => {
        fire = f;
      },
      schedule: async (id, at, payload) => void scheduled.push({ id, at, payload }),
      cancel: async (id) => void cancelled.push(id),
    };
    startBot(clock, (c) => quizWith({ clock: c, timeouts }));
    const jo = emu.user({ first_name: "Jo" });
    jo.send("/quiz");
    await reply(jo);
    await handled(1);
    clock.advance(1_000);
    jo.send("more");
    await reply(jo);
    await handled(2);
    expect(clock.pendingTimers).toBe(0); // no in-process timer with durable timeouts
    const key = `${jo.user.id}/${jo.user.id}`;
    expect(scheduled.map((s) => [s.id, s.at - scheduled[0]!.at])).toEqual([
      [`conversation:quiz:${key}`, 0],
      [`conversation:quiz:${key}`, 1_000], // moved, same id
    ]);
    const [stale, latest] = scheduled as [(typeof scheduled)[0], (typeof scheduled)[0]];
    expect(JSON.parse(JSON.stringify(latest.payload))).toEqual(latest.payload); // plain JSON
    clock.advance(10_000);
    expect(await fire?.(stale.payload, bot.api)).toBe(false); // moved by "more"
    expect(await fire?.(latest.payload, bot.api)).toBe(true);
    expect((await reply(jo)).text).toBe('timed out in ASKED after "more" (1)');
    expect(await fire?.(latest.payload, bot.api)).toBe(false); // a second run: already ended
    expect(timeouts_()).toHaveLength(1);
    jo.send("/quiz");
    await reply(jo);
    jo.send("done");
    await reply(jo);
    await handled(4);
    expect(cancelled).toEqual([`conversation:quiz:${key}`]); // an ended conversation cancels it
  });

  it("runs on @bot/jobs with jobsTimeouts (memory driver on the same fake clock)", async () => {
    let jobs: Jobs<Bot<C>["api"]> | undefined;
    startBot(clock, (c) => {
      const queue = new Jobs({ bot, driver: new MemoryDriver({ clock }) });
      jobs = queue;
      return quizWith({ clock: c, timeouts: jobsTimeouts(queue) });
    });
    await jobs?.start();
    const kim = emu.user({ first_name: "Kim" });
    kim.send("/quiz");
    await reply(kim);
    await handled(1);
    expect(await jobs?.list()).toMatchObject([
      { label: `conversation:quiz:${kim.user.id}/${kim.user.id}` },
    ]);
    clock.advance(5_000);
    expect((await reply(kim)).text).toBe('timed out in ASKED after "/quiz" (0)');
    await until(() => timeouts_().length > 0);
    await jobs?.stop();
  });
});

describe("bad input", () => {
  it("gives typed errors for bad timeouts, clocks and payloads", async () => {
    const bad = (o: object) => () => quizWith(o as never);
    expect(bad({ timeouts: { schedule: () => {} } })).toThrow(/timeouts must have/);
    expect(bad({ clock: { now: () => 0 } })).toThrow(/clock must have/);
    expect(bad({ timeoutMs: -1 })).toThrow(/timeoutMs must be positive/);
    const q = quizWith();
    await expect(
      q.fireTimeout({ conversation: "quiz" } as never, {} as never),
    ).rejects.toMatchObject({ code: "BOT_CONVERSATIONS_INVALID_OPTIONS" });
    startBot(clock); // (afterEach stops it)
  });
});

describe("a failing TIMEOUT handler fired by the timer", () => {
  it("reaches bot.catch as BOT_CONVERSATIONS_TIMEOUT_FAILED in the timeout's context, and leaves the conversation as it was", async () => {
    let fail = true;
    startBot(clock, (c) =>
      quizWith({
        clock: c,
        onTimeout: async () => {
          if (fail) throw new Error("boom");
        },
      }),
    );
    const lu = emu.user({ first_name: "Lu" });
    lu.send("/quiz");
    await reply(lu);
    await handled(1);
    clock.advance(5_000);
    await until(() => caught.length > 0);
    expect(caught).toHaveLength(1);
    const [failure] = caught;
    expect(failure?.error).toMatchObject({
      code: "BOT_CONVERSATIONS_TIMEOUT_FAILED",
      cause: { message: "boom" },
    });
    // the context of the last handled update, with the conversation's view: err.ctx.reply works
    expect(failure?.ctx?.msg?.text).toBe("/quiz");
    expect(failure?.ctx?.conversation.state).toBe("ASKED");
    await failure?.ctx?.reply("sorry");
    expect((await reply(lu)).text).toBe("sorry");
    expect(events.some((e) => (e as { type: string }).type === "error")).toBe(false); // not twice
    errors.length = 0;
    fail = false;
    lu.send("more"); // the deadline passed and nothing was saved: timed out at load now
    expect((await reply(lu)).text).toBe('timed out in ASKED after "more" (0)');
  });

  it("is published on the channel when no single bot owns the client", async () => {
    startBot(clock, (c) =>
      quizWith({
        clock: c,
        onTimeout: async () => {
          throw new Error("boom");
        },
      }),
    );
    const lu = emu.user({ first_name: "Lu" });
    lu.send("/quiz");
    await reply(lu);
    // a second bot on the same client: whose bot.catch would it be? Neither: the channel
    const other = new Bot<C>("", { client: bot.api, storage: bot.storage, botInfo: bot.botInfo });
    other.catch((err) => void errors.push(err.error));
    await handled(1);
    clock.advance(5_000);
    const failed = () => events.find((e) => (e as { type: string }).type === "error");
    await until(() => failed() !== undefined);
    expect(failed()).toMatchObject({
      name: "quiz",
      error: { code: "BOT_CONVERSATIONS_TIMEOUT_FAILED", cause: { message: "boom" } },
    });
    expect(caught).toEqual([]);
  });
});
