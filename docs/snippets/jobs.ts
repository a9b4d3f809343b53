import type { Client } from "@bot/client";
import { Bot, type BotOptions, type Context } from "@bot/dispatcher";
import { type ChatJobs, type JobClock, Jobs, MemoryDriver, systemClock } from "@bot/jobs";

export type JobsContext = Context & { readonly jobs: ChatJobs };

// #region jobs
export function createBot(
  token: string,
  options: BotOptions<JobsContext> = {},
  clock: JobClock = systemClock, // tests pass the emulator's ManualClock
) {
  const bot = new Bot<JobsContext>(token, options);
  const jobs = new Jobs<Client>({ bot, driver: new MemoryDriver({ clock }) });

  // Jobs are named handlers defined in code; the schedule and data are plain values.
  jobs.define("remind", (job) =>
    job.api.sendMessage({ chat_id: job.chatId!, text: `Reminder: ${String(job.data)}` }),
  );
  bot.use(jobs); // ctx.jobs, bound to the update's chat and user; stops with the bot

  bot.command("remind", async (ctx) => {
    const [minutes = "", ...words] = ctx.match.split(" ");
    const ms = Number(minutes) * 60_000;
    if (!(ms > 0)) return void (await ctx.reply("Usage: /remind <minutes> <text>"));
    await ctx.jobs.runOnce("remind", { in: ms }, { data: words.join(" "), name: "reminder" });
    await ctx.reply(`OK, in ${minutes} min.`);
  });
  bot.command("cancel", async (ctx) => {
    const n = await ctx.jobs.cancel("reminder");
    await ctx.reply(n > 0 ? "Cancelled." : "Nothing to cancel.");
  });
  return { bot, jobs };
}
// #endregion jobs

// #region calendar
export async function schedules(jobs: Jobs<Client>, chatId: number): Promise<void> {
  await jobs.runRepeating("remind", { every: 60 * 60_000 }, { chatId, data: "hourly" });
  await jobs.runDaily(
    "remind",
    { time: "09:00", days: [1, 2, 3, 4, 5], timeZone: "Europe/Berlin" },
    { chatId, data: "stand-up", misfire: { graceMs: 60_000, action: "skip" } },
  );
  await jobs.runMonthly("remind", { day: 31, time: "18:00" }, { chatId, data: "invoices" });
  await jobs.cron("remind", "0 12 * * 1-5", { timeZone: "UTC" }, { chatId, data: "lunch" });
}
// #endregion calendar
