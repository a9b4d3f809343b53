import { randomBytes } from "node:crypto";
import type { Storage } from "@bot/dispatcher";
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { RedisStorage } from "@bot/persistence-redis";
import { createClient } from "redis";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

const connect = () => createClient({ url: "redis://127.0.0.1:6379" });
type RedisClient = ReturnType<typeof connect>;

const prefix = `test:example-persistent-conversation:${randomBytes(6).toString("hex")}:`;
let emulator: Emulator;
let token: string;
const clients: RedisClient[] = [];
const running: (() => Promise<void>)[] = [];
const errors: unknown[] = [];

beforeEach(async () => {
  emulator = await createEmulator();
  token = emulator.createBot({ username: "botter_bot" }).token;
});
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
  await emulator.close();
  const [first] = clients;
  if (first !== undefined) {
    const keys = await first.keys(`${prefix}*`);
    if (keys.length > 0) await first.del(keys);
  }
  for (const c of clients.splice(0)) await c.close();
  expect(errors).toEqual([]);
});

/** A fresh process, as far as the bot can tell: its own Redis connection and store on the shared prefix. */
async function freshStorage(): Promise<Storage> {
  const client = connect();
  await client.connect();
  clients.push(client);
  return new RedisStorage({ client, prefix });
}

/** Starts a bot instance; returns its stop function. */
function start(storage: Storage): () => Promise<void> {
  const bot = createBot(token, {
    storage,
    clientOptions: { apiRoot: emulator.apiRoot, retry: false },
  });
  bot.catch((err) => void errors.push(err.error));
  const polling = bot.start({ timeout: 1 });
  const stop = async () => {
    const i = running.indexOf(stop);
    if (i >= 0) running.splice(i, 1);
    await bot.stop();
    await polling;
    await bot.api.close();
  };
  running.push(stop);
  return stop;
}

async function say(user: UserActor, text: string): Promise<string> {
  user.send(text);
  return (await user.nextMessage({ timeoutMs: 10_000 })).text ?? "";
}

it("resumes the same step with the same facts after a restart mid-flow (real Redis)", async () => {
  const stopFirst = start(await freshStorage());
  const alice = emulator.user({ first_name: "Alice" });
  expect(await say(alice, "/start")).toContain("I am Doctor Botter");
  expect(await say(alice, "Age")).toBe("Your age? Yes, I would love to hear about that!");
  expect(await say(alice, "30")).toBe(
    "Neat! This is what you told me so far:\nAge - 30\nTell me more, or change something.",
  );
  expect(await say(alice, "Something else...")).toContain("send me the category first");
  await stopFirst(); // the conversation waits in TYPING_CHOICE, in Redis only
  expect((await clients[0]?.keys(`${prefix}*`))?.length).toBeGreaterThan(0);

  start(await freshStorage());
  expect(await say(alice, "Favourite tea")).toBe(
    "Your favourite tea? Yes, I would love to hear about that!",
  );
  expect(await say(alice, "Sencha")).toContain("Age - 30\nFavourite tea - Sencha");
  expect(await say(alice, "Done")).toBe(
    "I learned these facts about you:\nAge - 30\nFavourite tea - Sencha\nUntil next time!",
  );
  expect(await say(alice, "/show_data")).toBe(
    "This is what you already told me:\nAge - 30\nFavourite tea - Sencha",
  );
});

it("welcomes a returning user with what it knows and lets them change it", async () => {
  start(await freshStorage());
  const bob = emulator.user({ first_name: "Bob" });
  await say(bob, "/start");
  await say(bob, "Number of siblings");
  await say(bob, "2");
  await say(bob, "Done");
  for (const stop of running.splice(0)) await stop();

  start(await freshStorage());
  expect(await say(bob, "/start")).toBe(
    "Hi! Welcome back. You already told me:\nNumber of siblings - 2\nTell me more, or change something.",
  );
  expect(await say(bob, "Number of siblings")).toBe(
    "Your number of siblings? I already know this about it: 2",
  );
  expect(await say(bob, "3")).toContain("Number of siblings - 3");
  expect(await say(bob, "Age")).toBe("Your age? Yes, I would love to hear about that!");
  // a command is not an answer: no step takes it, so it falls through to the hint
  expect(await say(bob, "/start")).toContain("Send /start to tell me about yourself");
});
