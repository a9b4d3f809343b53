import type { Bot } from "@bot/dispatcher";
import type { RedisUpdateQueue } from "@bot/persistence-redis/queue";
import type { ExampleContext } from "./bot.ts";

/**
 * BOT_MODE=worker: this process long-polls Telegram into the Redis update queue (one poller
 * holds the queue's lease; in other replicas it waits as a standby) and works the queue with
 * `bot.work` next to any number of other worker processes: each chat in order, an update
 * acknowledged only after its handler finished. Resolves once `bot.stop()` stopped the worker;
 * the poller stops with it.
 *
 * @param bot The bot (initialised).
 * @param queue The queue.
 * @param options How many updates this process handles at once (default 20).
 */
export async function runWorker(
  bot: Bot<ExampleContext>,
  queue: RedisUpdateQueue,
  options: { concurrency?: number } = {},
): Promise<void> {
  const stopPolling = new AbortController();
  const polling = queue.poll(bot.api, {
    signal: stopPolling.signal,
    timeout: 10,
    allowedUpdates: bot.allowedUpdates(),
    onError: (error) =>
      console.error(
        `example: queue poller: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
  try {
    await bot.work(queue, { concurrency: options.concurrency ?? 20 });
  } finally {
    stopPolling.abort();
    await polling.catch(() => {});
  }
}
