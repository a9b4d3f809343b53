/**
 * Child processes sharing Redis: python-telegram-bot's persistent conversation bot killed with
 * SIGKILL mid-flow, a durable timeout (BullMQ) that fires after a restart with no update, once
 * across 2 replicas, and 50 updates of one conversation key through 2 processes at once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "@bot/emulator";
import { RedisStorage } from "@bot/persistence-redis";
import type { Message, Update } from "@bot/types";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { profileConversation as profile } from "./conversation-bot.js";
import { quiz } from "./fixtures/quiz.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const PROC = fileURLToPath(new URL("./fixtures/bot-process.ts", import.meta.url));
const CWD = fileURLToPath(new URL("..", import.meta.url));

let client: ReturnType<typeof createClient>;
let emu: Emulator;
let botRecord: EmulatorBot;
let prefix: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
});
afterAll(async () => {
  await client.close();
});
beforeEach(async () => {
  emu = await createEmulator();
  botRecord = emu.createBot({ username: "proc_bot" });
  prefix = `test:conversations:proc:${randomBytes(6).toString("hex")}:`;
});
afterEach(async () => {
  for (const c of children) await kill(c, "SIGKILL");
  await emu.close();
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    keys.push(...batch);
  }
  if (keys.length > 0) await client.del(keys);
});

/** Starts a bot process and waits for its ready line. */
async function start(
  ...args: string[]
): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@bot/source",
      "--import",
      "tsx",
      PROC,
      args[0] as string,
      emu.apiRoot,
      botRecord.token,
      REDIS_URL,
      prefix,
      ...args.slice(1),
    ],
    { cwd: CWD, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.add(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line) as Record<string, unknown>));
    child.once("exit", (code) => reject(new Error(`bot process exited (${code}) before ready`)));
  });
  return { child, ready };
}
async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

async function reply(user: UserActor): Promise<Message> {
  return user.nextMessage({ timeoutMs: 15_000 });
}
/** Polls until `check` resolves true (bounded). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not reached");
}

const botId = () => Number(botRecord.token.split(":")[0]);
const botView = () => ({
  api: { botId: botId() },
  storage: new RedisStorage({ client, prefix }),
  botInfo: { id: botId(), is_bot: true, first_name: "P", username: "proc_bot" },
});

describe("the persistent conversation bot", () => {
  it("continues the same step with the facts collected so far after kill -9", async () => {
    const first = await start("profile");
    const erin = emu.user({ first_name: "Erin" });
    erin.send("/start");
    expect((await reply(erin)).text).toContain("boy or a girl");
    erin.send("Girl");
    expect((await reply(erin)).text).toContain("send me a photo");
    erin.sendPhoto();
    expect((await reply(erin)).text).toContain("Gorgeous!");
    const where = { chatId: erin.user.id, userId: erin.user.id };
    await until(async () => (await profile.active(botView(), where))[0]?.state === "LOCATION");
    // Kill between steps: once the photo's update is confirmed too. Killed before that, polling
    // redelivers the photo (at least once) and it reaches the LOCATION step a second time.
    await until(async () => emu.pendingUpdates(botRecord).length === 0);
    await kill(first.child, "SIGKILL"); // no graceful stop: the process just dies
    await start("profile");
    erin.send("/skip"); // LOCATION's /skip ("paranoid"); PHOTO's would say "I bet..."
    expect((await reply(erin)).text).toContain("paranoid");
    erin.send("Done");
    expect((await reply(erin)).text).toBe("Thank you! Girl, photo, no location: Done");
    await until(async () => (await profile.active(botView(), where)).length === 0);
    // the ended conversation's record and the chat's index expire: each value key has a TTL
    const keys: string[] = [];
    for await (const batch of client.scanIterator({
      MATCH: `${prefix}*conversation*`,
      COUNT: 500,
    })) {
      keys.push(...batch.filter((k) => !k.endsWith(":fence"))); // the lock's fencing counters
    }
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect([key, (await client.pTTL(key)) > 0]).toEqual([key, true]);
  }, 60_000);
});

describe("durable timeouts with the BullMQ driver", () => {
  it("fire after a restart with no update, on time, once across 2 replicas", async () => {
    const first = await start("quiz", "12000", "poll");
    const frank = emu.user({ first_name: "Frank" });
    frank.send("/quiz");
    expect((await reply(frank)).text).toBe("question?");
    frank.send("more");
    expect((await reply(frank)).text).toBe("more?");
    const view = quiz();
    const where = { chatId: frank.user.id, userId: frank.user.id };
    let deadline = 0;
    await until(async () => {
      const [active] = await view.active(botView(), where);
      deadline = active?.deadline ?? 0;
      return active?.data.answers?.length === 1;
    });
    // once "more" is confirmed too: killed before, polling would deliver it again (at least once)
    await until(async () => emu.pendingUpdates(botRecord).length === 0);
    await kill(first.child, "SIGKILL");
    // two replicas: one polls, one only runs jobs; no update arrives from now on
    await Promise.all([start("quiz", "12000", "poll"), start("quiz", "12000", "jobs")]);
    expect(Date.now()).toBeLessThan(deadline); // the replicas were up before it was due
    const message = await reply(frank);
    const late = Date.now() - deadline;
    expect(message.text).toBe('timed out in ASKED after "more" (1)');
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 1_500)); // room for a second run, if there were one
    expect(frank.unread()).toEqual([]);
    expect(await client.get(`${prefix}fired`)).toBe("1");
    expect(await view.active(botView(), where)).toEqual([]);
    console.log(`durable timeout: fired ${late} ms after its deadline`);
  }, 60_000);
});

describe("concurrency", () => {
  it("serialises 50 updates of one key sent at once through 2 processes", async () => {
    const [p1, p2] = await Promise.all([start("count"), start("count")]);
    const ports = [p1.ready.port, p2.ready.port] as number[];
    const user = { id: 4242, is_bot: false, first_name: "Con" };
    const updates: Update[] = Array.from({ length: 50 }, (_, i) => ({
      update_id: 1_000 + i,
      message: {
        message_id: 1 + i,
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.id, type: "private", first_name: "Con" },
        from: user,
        text: String(i),
      },
    }));
    const started = Date.now();
    const results = await Promise.all(
      updates.map((u, i) =>
        fetch(`http://127.0.0.1:${ports[i % 2]}/`, { method: "POST", body: JSON.stringify(u) }),
      ),
    );
    const ms = Date.now() - started;
    expect(results.map((r) => r.status)).toEqual(updates.map(() => 200));
    const entry = await new RedisStorage({ client, prefix }).get<{
      s: string;
      d: { seen: number[]; log: string[] };
    }>(`${botId()}:session:conversation%3Acount:${user.id}/${user.id}`);
    const { seen, log } = entry?.value.d ?? { seen: [], log: [] };
    expect([...seen].sort((x, y) => x - y)).toEqual(updates.map((_, i) => i)); // none lost
    expect(log).toHaveLength(50);
    // in order: every transition starts where the previous one ended
    const states = log.map((l) => l.split(":")[0]?.split(">") as [string, string]);
    expect(states[0]?.[0]).toBe("-");
    for (let i = 1; i < states.length; i++) expect(states[i]?.[0]).toBe(states[i - 1]?.[1]);
    expect(entry?.value.s).toBe("EVEN");
    const pids = new Set(log.map((l) => l.split(":")[1]));
    expect(pids.size).toBe(2); // both processes handled some
    console.log(`concurrency: 50 updates through 2 processes in ${ms} ms`);
  }, 60_000);
});
