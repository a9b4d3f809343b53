/**
 * Control from code and introspection: `active`, `cancel`, `enter`, `ctx.conversation.exit()`,
 * the `unmatched: "error"` policy and the transition events, against @bot/emulator.
 */
import diagnostics from "node:diagnostics_channel";
import { Bot, type Context } from "@bot/dispatcher";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "@bot/emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CONVERSATIONS_CHANNEL,
  ConversationError,
  type ConversationFlavor,
  conversation,
  END,
  steps,
  type TransitionEvent,
} from "../src/index.js";

type C = Context & ConversationFlavor<{ via?: string; answers?: string[] }>;
const { command, hears } = steps<C, "Q1" | "Q2">();

const survey = conversation({
  name: "survey",
  unmatched: "error",
  entry: [
    command("go", async (ctx) => {
      await ctx.reply("q1?");
      return "Q1";
    }),
  ],
  states: {
    Q1: [
      hears("a", async (ctx) => {
        ctx.conversation.data.answers = ["a"];
        await ctx.reply("q2?");
        return "Q2";
      }),
    ],
    Q2: [
      hears("b", async (ctx) => {
        await ctx.reply(`done via ${ctx.conversation.data.via ?? "entry"}`);
        ctx.conversation.exit(); // ends, whatever the handler returns
        return "Q1";
      }),
    ],
  },
  fallbacks: [command("cancel", async () => END)],
});

let emu: Emulator;
let record: EmulatorBot;
let bot: Bot<C>;
let polling: Promise<void>;
const errors: unknown[] = [];
const events: TransitionEvent[] = [];
const listen = (e: unknown) => void events.push(e as TransitionEvent);

beforeEach(async () => {
  emu = await createEmulator();
  record = emu.createBot({ username: "survey_bot" });
  errors.length = 0;
  events.length = 0;
  diagnostics.subscribe(CONVERSATIONS_CHANNEL, listen);
  bot = new Bot<C>(record.token, { clientOptions: { apiRoot: emu.apiRoot, retry: false } });
  bot.command("early", async (ctx) => {
    await survey.enter(ctx, "Q2", { via: "early" }); // before the conversation's middleware
    await ctx.reply("entered");
  });
  bot.use(survey);
  bot.command("late", async (ctx) => {
    await survey.enter(ctx, "Q2", { via: "late" }); // after it (it passed the update on)
    await ctx.reply("entered");
  });
  bot.on("message", (ctx) => ctx.reply("outside"));
  bot.catch(async (err) => {
    errors.push(err.error);
    await err.ctx?.reply("error");
  });
  polling = bot.start();
});
afterEach(async () => {
  diagnostics.unsubscribe(CONVERSATIONS_CHANNEL, listen);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
});

const text = async (user: UserActor, chat?: { id: number }) => {
  for (;;) {
    const m = await user.nextMessage({ timeoutMs: 10_000, ...(chat ? { chat } : {}) });
    if (m.from?.is_bot === true) return m.text;
  }
};
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
}

describe("control and introspection", () => {
  it("publishes every transition, and exit() ends the conversation", async () => {
    const ann = emu.user({ first_name: "Ann" });
    ann.send("/go");
    expect(await text(ann)).toBe("q1?");
    ann.send("a");
    expect(await text(ann)).toBe("q2?");
    ann.send("b");
    expect(await text(ann)).toBe("done via entry");
    await until(() => events.length === 3);
    const key = `${ann.user.id}/${ann.user.id}`;
    expect(events).toEqual([
      { type: "transition", name: "survey", path: [], key, from: null, to: "Q1", cause: "handler" },
      { type: "transition", name: "survey", path: [], key, from: "Q1", to: "Q2", cause: "handler" },
      { type: "transition", name: "survey", path: [], key, from: "Q2", to: null, cause: "handler" },
    ]);
    ann.send("b");
    expect(await text(ann)).toBe("outside");
    expect(errors).toEqual([]);
  });

  it("lists a group's conversations and cancels one from code", async () => {
    const ann = emu.user({ first_name: "Ann" });
    const bob = emu.user({ first_name: "Bob" });
    const group = emu.group({ title: "G", members: [ann, bob], bots: [record] });
    ann.send("/go", { chat: group });
    expect(await text(ann, group)).toBe("q1?");
    bob.send("/go", { chat: group });
    expect(await text(ann, group)).toBe("q1?");
    bob.send("a", { chat: group });
    expect(await text(ann, group)).toBe("q2?");
    await until(async () =>
      (await survey.active(bot, { chatId: group.id })).some((a) => a.state === "Q2"),
    );
    const listed = await survey.active(bot, { chatId: group.id });
    expect(listed.map((a) => [a.key, a.state, a.data]).sort()).toEqual(
      [
        [`${group.id}/${ann.user.id}`, "Q1", {}],
        [`${group.id}/${bob.user.id}`, "Q2", { answers: ["a"] }],
      ].sort(),
    );
    expect(await survey.cancel(bot, { chatId: group.id, userId: bob.user.id })).toBe(true);
    expect(await survey.cancel(bot, { chatId: group.id, userId: bob.user.id })).toBe(false);
    expect(events.at(-1)).toMatchObject({ from: "Q2", to: null, cause: "cancel" });
    expect((await survey.active(bot, { chatId: group.id })).map((a) => a.state)).toEqual(["Q1"]);
    bob.send("b", { chat: group });
    expect(await text(ann, group)).toBe("outside");
    expect(errors).toEqual([]);
  });

  it("enters a state from any handler, before or after the conversation's middleware", async () => {
    for (const where of ["early", "late"]) {
      const cy = emu.user({ first_name: `Cy ${where}` });
      cy.send(`/${where}`);
      expect(await text(cy)).toBe("entered");
      cy.send("b"); // Q2's handler
      expect(await text(cy)).toBe(`done via ${where}`);
    }
    expect(events.filter((e) => e.cause === "enter").map((e) => e.to)).toEqual(["Q2", "Q2"]);
    expect(errors).toEqual([]);
  });

  it("with unmatched: 'error', reports an update the state does not take, and stays", async () => {
    const dee = emu.user({ first_name: "Dee" });
    dee.send("/go");
    await text(dee);
    dee.send("zzz");
    expect(await text(dee)).toBe("error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConversationError);
    expect(errors[0]).toMatchObject({ code: "BOT_CONVERSATIONS_UNMATCHED" });
    expect(String((errors[0] as Error).message)).toContain('state "Q1"');
    dee.send("a"); // still in Q1
    expect(await text(dee)).toBe("q2?");
    dee.send("hello"); // idle updates still pass on: only an active state's misses are errors
    expect(await text(dee)).toBe("error");
    dee.send("/cancel");
    await until(() => events.at(-1)?.to === null);
    dee.send("hello");
    expect(await text(dee)).toBe("outside");
  });
});
