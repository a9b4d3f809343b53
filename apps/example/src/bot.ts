import {
  Bot,
  type BotOptions,
  bold,
  callbackData,
  dataSessions,
  fmt,
  InlineKeyboard,
  italic,
} from "@bot/dispatcher";
import { Jobs, type JobsDriver } from "@bot/jobs";
import type { BotCommand } from "@bot/types";
import * as v from "valibot";
import { type ExampleContext, onboarding } from "./onboarding.ts";
import { describeDelay, parseReminder } from "./reminders.ts";

export type { ExampleContext } from "./onboarding.ts";

/** The command menu (`setMyCommands`): what Telegram shows when the user types `/`. */
export const COMMANDS: readonly BotCommand[] = [
  { command: "start", description: "Greet you (deep links carry a payload)" },
  { command: "help", description: "What I can do" },
  { command: "onboard", description: "Tell me your name and language" },
  { command: "profile", description: "What I know about you" },
  { command: "remind", description: "Remind you later: /remind 10m text" },
  { command: "reminders", description: "Your pending reminders" },
  { command: "count", description: "Count in this chat" },
  { command: "menu", description: "A counter with buttons" },
  { command: "whoami", description: "Your name, formatted" },
];

const HELP = [
  "/start [payload] - greet you (deep links like t.me/yourbot?start=hello carry a payload)",
  "/onboard - a short conversation: your name and language (kept in userData)",
  "/profile - what /onboard saved",
  "/remind 10m text - a reminder as a job (10s, 10m, 2h, 1d, 1h30m; up to 30 days)",
  "/reminders - your pending reminders in this chat",
  "/count - count in this chat (kept in chatData)",
  "/menu - an inline keyboard whose buttons edit the message",
  "/whoami - a formatted message with your name, quoted safely",
  "@bot text in any chat - inline mode",
  "anything else - echoed back",
].join("\n");

/** The counter buttons' callback data: the value they set, validated when pressed. */
export const counterData = callbackData(
  "menu",
  v.pipe(v.number(), v.integer(), v.minValue(-999_999), v.maxValue(999_999)),
);

/** The counter's keyboard: each button carries the value it sets. */
const menu = (n: number) =>
  new InlineKeyboard().text("➖", counterData.pack(n - 1)).text("➕", counterData.pack(n + 1));

/** The example bot and its job queue. */
export interface ExampleApp {
  readonly bot: Bot<ExampleContext>;
  readonly jobs: Jobs<Bot<ExampleContext>["api"]>;
}

/** Options of {@link createExampleBot}. */
export interface ExampleOptions {
  /** Dispatcher options: client, storage (sessions and conversations live there). */
  readonly bot?: BotOptions<ExampleContext>;
  /** Where reminders are kept and fired (default: in memory, on the wall clock). */
  readonly jobsDriver?: JobsDriver;
}

/**
 * Builds the example bot: every handler, no I/O until it starts.
 *
 * @param token The bot token.
 * @param options Dispatcher options and the jobs driver.
 * @returns The bot and its jobs (start the jobs with `jobs.start()`; they stop with the bot).
 */
export function createExampleBot(token: string, options: ExampleOptions = {}): ExampleApp {
  const bot = new Bot<ExampleContext>(token, options.bot ?? {});
  const jobs = new Jobs(
    options.jobsDriver === undefined ? { bot } : { bot, driver: options.jobsDriver },
  );
  jobs.define("reminder", (job) =>
    job.api.sendMessage({
      chat_id: job.chatId as number,
      text: `⏰ Reminder: ${(job.data as { text: string }).text}`,
    }),
  );
  bot.use(jobs);
  bot.use(dataSessions<{ count: number }, object>({ initial: { chat: () => ({ count: 0 }) } }));
  bot.use(onboarding);

  bot.command("start", async (ctx) => {
    const payload = ctx.match;
    const who = (await ctx.userData).name ?? ctx.from?.first_name ?? "there";
    const greeting = payload
      ? fmt`Welcome, ${bold(who)}! You came with the payload ${italic(payload)}.`
      : fmt`Welcome, ${bold(who)}! Send /help to see what I can do.`;
    await ctx.reply(greeting);
  });

  bot.command("help", (ctx) => ctx.reply(HELP));

  bot.command("profile", async (ctx) => {
    const p = await ctx.userData;
    await ctx.reply(
      p.name === undefined
        ? "I don't know you yet: send /onboard."
        : fmt`You are ${bold(p.name)}, writing bots in ${bold(p.language ?? "?")}.`,
    );
  });

  bot.command("remind", async (ctx) => {
    const request = parseReminder(ctx.match);
    if (request === undefined)
      return void (await ctx.reply(
        "Usage: /remind <when> <text>, for example /remind 10m stretch your legs (s, m, h, d; up to 30 days).",
      ));
    await ctx.jobs.runOnce(
      "reminder",
      { in: request.delayMs },
      { data: { text: request.text }, name: "reminder" },
    );
    await ctx.reply(`OK, I'll remind you in ${describeDelay(request.delayMs)}.`);
  });

  bot.command("reminders", async (ctx) => {
    const pending = await ctx.jobs.list({ name: "reminder" });
    if (pending.length === 0) return void (await ctx.reply("No reminders pending."));
    const lines = pending
      .filter((j) => j.nextRunAt !== undefined)
      .sort((a, b) => (a.nextRunAt?.getTime() ?? 0) - (b.nextRunAt?.getTime() ?? 0))
      .map((j) => `- ${(j.data as { text: string }).text} (${j.nextRunAt?.toISOString()})`);
    await ctx.reply(`Pending reminders:\n${lines.join("\n")}`);
  });

  bot.command("count", async (ctx) => {
    const data = await ctx.chatData;
    data.count += 1;
    await ctx.reply(`This chat has counted to ${data.count}.`);
  });

  bot.command("menu", (ctx) => ctx.reply("Counter: 0", { reply_markup: menu(0) }));

  bot.callbackQuery(counterData.pattern, async (ctx) => {
    const n = counterData.unpack(ctx.callbackQuery.data);
    await ctx.editMessageText(`Counter: ${n}`, { reply_markup: menu(n) });
    await ctx.answerCallbackQuery({ text: `Set to ${n}` });
  });

  bot.command("whoami", async (ctx) => {
    const u = ctx.from;
    if (!u) return;
    const name = [u.first_name, u.last_name].filter(Boolean).join(" ");
    await ctx.reply(
      fmt`You are ${bold(name)}${u.username ? fmt` (@${u.username})` : ""}, id ${u.id}.`,
    );
  });

  // Inline mode: `@bot some text` in any chat offers the text in bold and in italics.
  bot.on("inline_query", async (ctx) => {
    const query = ctx.inlineQuery.query.trim().slice(0, 200);
    if (query === "")
      return ctx.answerInlineQuery([], {
        cache_time: 0,
        button: { text: "Type some text to format it", start_parameter: "inline-help" },
      });
    return ctx.answerInlineQuery(
      [
        {
          type: "article",
          id: "bold",
          title: `Bold: ${query}`,
          input_message_content: { message_text: bold(query) },
        },
        {
          type: "article",
          id: "italic",
          title: `Italic: ${query}`,
          input_message_content: { message_text: italic(query) },
        },
      ],
      { cache_time: 0 },
    );
  });

  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));

  bot.catch((err) => {
    console.error(`example: ${err.message}`);
  });
  return { bot, jobs };
}

/**
 * Publishes the command menu.
 *
 * @param bot The bot.
 */
export async function publishCommands(bot: Bot<ExampleContext>): Promise<void> {
  await bot.api.setMyCommands({ commands: [...COMMANDS] });
}
