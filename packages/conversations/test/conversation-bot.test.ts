/**
 * python-telegram-bot's conversation bot end to end against @bot/emulator: the README's code,
 * private chats, two users in one group, and a restart on the same storage mid-flow.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Bot, MemoryStorage, type Storage } from "@bot/dispatcher";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "@bot/emulator";
import { RedisStorage } from "@bot/persistence-redis";
import type { Message } from "@bot/types";
import { createClient } from "redis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { install, type MyContext } from "./conversation-bot.js";

let emu: Emulator;
let token: string;
let botRecord: EmulatorBot;
const running: { bot: Bot<MyContext>; polling: Promise<void> }[] = [];
const errors: unknown[] = [];

async function start(storage: Storage): Promise<Bot<MyContext>> {
  const bot = new Bot<MyContext>(token, {
    storage,
    clientOptions: { apiRoot: emu.apiRoot, retry: false },
  });
  install(bot);
  bot.catch((err) => void errors.push(err.error));
  running.push({ bot, polling: bot.start() });
  return bot;
}
async function stop(bot: Bot<MyContext>): Promise<void> {
  const i = running.findIndex((r) => r.bot === bot);
  const [r] = running.splice(i, 1);
  await bot.stop();
  await r?.polling;
  await bot.api.close();
}

beforeEach(async () => {
  emu = await createEmulator();
  botRecord = emu.createBot({ username: "profile_bot" });
  token = botRecord.token;
  errors.length = 0;
});
afterEach(async () => {
  for (const r of [...running]) await stop(r.bot);
  await emu.close();
  expect(errors).toEqual([]);
});

/** The bot's next message to this user (in a group: the next one from a bot). */
async function reply(user: UserActor, chat?: { id: number }): Promise<Message> {
  for (;;) {
    const m = await user.nextMessage({ timeoutMs: 10_000, ...(chat ? { chat } : {}) });
    if (m.from?.is_bot === true) return m;
  }
}

describe("the conversation bot", () => {
  it("is the README's code, line for line", () => {
    const source = readFileSync(new URL("./conversation-bot.ts", import.meta.url), "utf8");
    const body = source.slice(
      source.indexOf("// README:begin") + 15,
      source.indexOf("// README:end"),
    );
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of body.split("\n").map((l) => l.trim())) {
      if (line !== "") expect(readme).toContain(line);
    }
  });

  it("walks gender, photo, location and bio, then ends", async () => {
    await start(new MemoryStorage());
    const alice = emu.user({ first_name: "Alice" });
    alice.send("hello");
    expect((await reply(alice)).text).toBe("(not in the conversation)");
    alice.send("/start");
    const ask = await reply(alice);
    expect(ask.text).toContain("boy or a girl");
    alice.send("Girl");
    expect((await reply(alice)).text).toContain("send me a photo");
    alice.sendPhoto();
    expect((await reply(alice)).text).toContain("Gorgeous!");
    alice.sendLocation(48.85, 2.35);
    expect((await reply(alice)).text).toContain("visit you");
    alice.send("I like cats");
    expect((await reply(alice)).text).toBe("Thank you! Girl, photo, 48.85,2.35: I like cats");
    alice.send("hello again"); // ended: passed on
    expect((await reply(alice)).text).toBe("(not in the conversation)");
  });

  it("takes /skip for photo and location", async () => {
    await start(new MemoryStorage());
    const bob = emu.user({ first_name: "Bob" });
    bob.send("/start");
    await reply(bob);
    bob.send("Boy");
    await reply(bob);
    bob.send("/skip");
    expect((await reply(bob)).text).toContain("I bet you look great!");
    bob.send("/skip");
    expect((await reply(bob)).text).toContain("paranoid");
    bob.send("Hi");
    expect((await reply(bob)).text).toBe("Thank you! Boy, no photo, no location: Hi");
  });

  it("passes on an update that matches no state handler and no fallback, and stays", async () => {
    await start(new MemoryStorage());
    const carol = emu.user({ first_name: "Carol" });
    carol.send("/start");
    await reply(carol);
    carol.send("Maybe"); // GENDER only hears Boy|Girl|Other
    expect((await reply(carol)).text).toBe("(not in the conversation)");
    carol.send("Other"); // still in GENDER
    expect((await reply(carol)).text).toContain("send me a photo");
  });

  it("ends on /cancel from any step", async () => {
    await start(new MemoryStorage());
    const dave = emu.user({ first_name: "Dave" });
    for (const steps of [[], ["Boy"], ["Boy", "/skip"], ["Boy", "/skip", "/skip"]]) {
      dave.send("/start");
      await reply(dave);
      for (const text of steps) {
        dave.send(text);
        await reply(dave);
      }
      dave.send("/cancel");
      expect((await reply(dave)).text).toBe("Bye! I hope we can talk again some day.");
      dave.send("Hi");
      expect((await reply(dave)).text).toBe("(not in the conversation)");
    }
  });

  it("gives two users in one group their own flow", async () => {
    await start(new MemoryStorage());
    const alice = emu.user({ first_name: "Alice" });
    const bob = emu.user({ first_name: "Bob" });
    const group = emu.group({ title: "Profiles", members: [alice, bob], bots: [botRecord] });
    const say = async (user: UserActor, text: string) => {
      user.send(text, { chat: group });
      return (await reply(alice, group)).text; // Alice sees every message of the group
    };
    expect(await say(alice, "/start")).toContain("boy or a girl");
    expect(await say(bob, "Boy")).toBe("(not in the conversation)"); // Bob has not started
    expect(await say(bob, "/start")).toContain("boy or a girl");
    expect(await say(alice, "Girl")).toContain("send me a photo");
    expect(await say(bob, "Other")).toContain("send me a photo");
    expect(await say(bob, "/skip")).toContain("I bet you look great!");
    expect(await say(alice, "/cancel")).toContain("Bye!");
    expect(await say(bob, "/skip")).toContain("paranoid");
    expect(await say(bob, "Bob here")).toBe("Thank you! Other, no photo, no location: Bob here");
  });

  it.each(["memory", "redis"])(
    "continues the same step with the collected data after a restart on %s storage",
    async (kind) => {
      const client = createClient({ url: "redis://127.0.0.1:6379" });
      client.on("error", () => {});
      if (kind === "redis") await client.connect();
      const prefix = `test:conversations:${randomBytes(6).toString("hex")}:`;
      const storage = kind === "redis" ? new RedisStorage({ client, prefix }) : new MemoryStorage();
      const first = await start(storage);
      const erin = emu.user({ first_name: "Erin" });
      erin.send("/start");
      await reply(erin);
      erin.send("Girl");
      await reply(erin);
      erin.sendPhoto();
      expect((await reply(erin)).text).toContain("Gorgeous!");
      await stop(first);
      if (kind === "redis") expect(await client.keys(`${prefix}*`)).not.toEqual([]);
      await start(storage); // a new Bot instance: only the storage is shared
      erin.send("/skip"); // LOCATION accepts /skip; PHOTO's /skip would say "I bet..."
      expect((await reply(erin)).text).toContain("paranoid");
      erin.send("Done");
      expect((await reply(erin)).text).toBe("Thank you! Girl, photo, no location: Done");
      if (kind === "redis") {
        for (const r of [...running]) await stop(r.bot);
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(keys);
        await client.close();
      }
    },
  );
});
