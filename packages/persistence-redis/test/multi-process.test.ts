import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Bot, type Context, type DataFlavor, dataSessions } from "@bot/dispatcher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStorage } from "../src/index.js";
import { connect, dropPrefix, REDIS_URL, uniquePrefix } from "./helpers.js";

const run = promisify(execFile);
const BOT = fileURLToPath(new URL("./fixtures/counter-bot.ts", import.meta.url));

let client: Awaited<ReturnType<typeof connect>>;
const prefixes: string[] = [];
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(client, p);
  await client.close();
});

async function processes(prefix: string, order: string): Promise<string[]> {
  const runs = [0, 1, 2, 3].map((p) =>
    run(
      process.execPath,
      [
        "--conditions=@bot/source",
        "--import",
        "tsx",
        BOT,
        REDIS_URL,
        prefix,
        String(1 + p * 25),
        "25",
        order,
      ],
      { timeout: 170_000, cwd: fileURLToPath(new URL("..", import.meta.url)) },
    ),
  );
  const outs = await Promise.all(runs);
  return outs.flatMap(
    (o) =>
      (JSON.parse(o.stdout.trim().split("\n").at(-1) as string) as { errors: string[] }).errors,
  );
}

/** Reads the chat's and the user's counter through a bot, as a handler sees them. */
async function counters(
  prefix: string,
): Promise<{ chat?: number | undefined; user?: number | undefined }> {
  const storage = new RedisStorage({ client, prefix });
  const bot = new Bot<Context & DataFlavor<{ n?: number }, { n?: number }>>(
    "4242:multi-process-test-token",
    {
      botInfo: { id: 4242, is_bot: true, first_name: "multi", username: "multi_bot" } as never,
      storage,
    },
  );
  bot.use(dataSessions({ storage }) as never);
  let seen: { chat?: number | undefined; user?: number | undefined } = {};
  bot.on("message", async (ctx) => {
    seen = { chat: (await ctx.chatData).n, user: (await ctx.userData).n };
  });
  await bot.handleUpdate({
    update_id: 10_000,
    message: {
      message_id: 10_000,
      date: 1_764_000_000,
      chat: { id: -100777, type: "supergroup", title: "shared" },
      from: { id: 555, is_bot: false, first_name: "U" },
      text: "read",
    },
  });
  return seen;
}

describe("four bot processes on one Redis", () => {
  it("100 concurrent n++ on one chat's chatData (and userData) end at exactly 100, with no conflict", async () => {
    const prefix = uniquePrefix("procs");
    prefixes.push(prefix);
    const errors = await processes(prefix, "chat-first");
    expect(errors).toEqual([]);
    expect(await counters(prefix)).toEqual({ chat: 100, user: 100 });
  }, 180_000);

  it("chatData and userData taken in opposite orders by different updates: no deadlock, both exact", async () => {
    const prefix = uniquePrefix("procs-opposite");
    prefixes.push(prefix);
    const errors = await processes(prefix, "alternate");
    expect(errors).toEqual([]);
    expect(await counters(prefix)).toEqual({ chat: 100, user: 100 });
  }, 180_000);
});
