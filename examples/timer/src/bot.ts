import { Bot, type BotOptions, type Context } from "@bot/dispatcher";
import { type ChatJobs, type JobClock, Jobs, MemoryDriver } from "@bot/jobs";

/** The timer bot's context: the dispatcher's plus `ctx.jobs`, bound to the update's chat. */
export type TimerContext = Context & { readonly jobs: ChatJobs };

/** Options of {@link createBot}. */
export interface TimerBotOptions {
  /** Bot options (the emulator passes its API root here). */
  readonly bot?: BotOptions<TimerContext>;
  /** The clock the jobs run on (default: the wall clock; a test passes the emulator's `ManualClock`). */
  readonly clock?: JobClock;
}

const HELP = "Hi! Use /set <seconds> to set a timer";

/**
 * The timer bot: `/set <seconds>` schedules a "Beep!" for the chat (a second `/set` replaces the
 * first), `/unset` cancels it. The alarm is a `@bot/jobs` job on the memory driver.
 *
 * @param token The bot token.
 * @param options Bot options and the jobs' clock.
 * @returns The bot and its job queue, neither started.
 */
export function createBot(
  token: string,
  options: TimerBotOptions = {},
): { bot: Bot<TimerContext>; jobs: Jobs<Bot<TimerContext>["api"]> } {
  const bot = new Bot<TimerContext>(token, options.bot ?? {});
  const driver = new MemoryDriver(options.clock === undefined ? {} : { clock: options.clock });
  const jobs = new Jobs({ bot, driver });
  jobs.define("alarm", (job) =>
    job.api.sendMessage({
      chat_id: job.chatId as number,
      text: `Beep! ${(job.data as { seconds: number }).seconds} seconds are over!`,
    }),
  );
  bot.use(jobs); // ctx.jobs; the queue also stops when the bot stops

  bot.command(["start", "help"], (ctx) => ctx.reply(HELP));
  bot.command("set", async (ctx) => {
    const seconds = Number(ctx.match);
    if (ctx.match.trim() === "" || !Number.isFinite(seconds))
      return void (await ctx.reply("Usage: /set <seconds>"));
    if (seconds < 0) return void (await ctx.reply("Sorry we can not go back to future!"));
    const replaced = (await ctx.jobs.list({ name: "timer" })).length > 0;
    await ctx.jobs.runOnce(
      "alarm",
      { in: seconds * 1_000 },
      { name: "timer", replace: true, data: { seconds } },
    );
    await ctx.reply(
      replaced ? "Timer successfully set! Old one was removed." : "Timer successfully set!",
    );
  });
  bot.command("unset", async (ctx) => {
    const removed = await ctx.jobs.cancel("timer");
    await ctx.reply(removed > 0 ? "Timer successfully cancelled!" : "You have no active timer.");
  });
  return { bot, jobs };
}
