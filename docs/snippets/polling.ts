import { Bot, MemoryStorage } from "@bot/dispatcher";

export async function main(): Promise<void> {
  // #region polling
  const bot = new Bot(process.env.BOT_TOKEN!, { storage: new MemoryStorage() });
  bot.on("message:text", async (ctx) => {
    // Long work should honour ctx.signal: it aborts at the deadline and on a stop.
    const res = await fetch("https://example.org/api", { signal: ctx.signal ?? null });
    await ctx.reply(`status ${res.status}`);
  });
  bot.catch((err) => console.error(err.source, err.message));

  await bot.start({
    concurrency: 50, // updates at once; one at a time per chat, always
    handlerTimeoutMs: 30_000, // a handler still running then is reported and abandoned
    graceMs: 6_000, // on SIGINT/SIGTERM: time for running handlers to finish
    dedup: true, // claim each update in the bot's storage (give it a durable one)
    deleteWebhook: true, // switching from a webhook to polling
    onStart: (me) => console.log(`@${me.username} is live`),
  });
  // resolves after SIGINT/SIGTERM or `await bot.stop()`, with everything finished confirmed
  // #endregion polling
}
