/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator in
 * process, tells the bot a fact, restarts the bot in the middle of the next one, and shows it
 * carries on. REDIS_URL keeps everything in Redis (else in memory, shared by both bot instances).
 */
import { MemoryStorage, type Storage } from "@bot/dispatcher";
import { createEmulator, type UserActor } from "@bot/emulator";
import { RedisStorage } from "@bot/persistence-redis";
import { createClient } from "redis";
import { createBot } from "./bot.ts";

const token = process.env.BOT_TOKEN;
const emulated = token === undefined || token === "";
const url = process.env.REDIS_URL;
const redis = url ? await createClient({ url }).connect() : undefined;
// The emulator hands out the same ids on every run: its demo keys get their own prefix, deleted at the end.
const prefix = `example-persistent-conversation:${emulated ? "emulator:" : ""}`;
const storage: Storage = redis ? new RedisStorage({ client: redis, prefix }) : new MemoryStorage();
console.log(
  redis
    ? `Storage: Redis at ${new URL(url as string).host}`
    : "Storage: memory (set REDIS_URL for Redis)",
);

if (!emulated) {
  const bot = createBot(token, { storage });
  console.log("Polling Telegram; Ctrl-C stops.");
  await bot.start({ signals: ["SIGINT", "SIGTERM"] });
} else {
  console.log("No BOT_TOKEN: running against the @bot emulator.\n");
  const emulator = await createEmulator();
  const { token: fake } = emulator.createBot({ username: "botter_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const run = () => {
    const bot = createBot(fake, { storage, clientOptions: { apiRoot: emulator.apiRoot } });
    const polling = bot.start({ timeout: 1 });
    return async () => {
      await bot.stop();
      await polling;
      await bot.api.close();
    };
  };
  const say = async (user: UserActor, text: string) => {
    console.log(`Alice: ${text}`);
    user.send(text);
    const reply = (await user.nextMessage({ timeoutMs: 10_000 })).text ?? "";
    console.log(`  bot: ${reply.replaceAll("\n", "\n       ")}`);
  };
  let stop = run();
  for (const text of ["/start", "Age", "30", "Something else..."]) await say(alice, text);
  console.log("(the bot stops and a new instance starts on the same storage)");
  await stop();
  stop = run();
  for (const text of ["Favourite tea", "Sencha", "Done", "/show_data"]) await say(alice, text);
  await stop();
  await emulator.close();
  const keys = (await redis?.keys(`${prefix}*`)) ?? [];
  if (keys.length > 0) await redis?.del(keys);
}
await redis?.close();
