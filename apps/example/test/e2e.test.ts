import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Message } from "@bot/types";
import { afterEach, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/bot.ts";
import { type Demo, runScript, startDemo } from "../src/demo.ts";

const demos: Demo[] = [];
afterEach(async () => {
  for (const d of demos.splice(0)) await d.stop();
});
async function demo(userName?: string): Promise<Demo> {
  const d = await startDemo(userName === undefined ? {} : { userName });
  demos.push(d);
  return d;
}
async function say(d: Demo, text: string): Promise<Message> {
  d.user.send(text);
  return d.user.nextMessage({ timeoutMs: 10_000 });
}

describe("the example bot, end to end through the emulator", () => {
  it("plays the scripted conversation", async () => {
    const d = await demo();
    const lines = await runScript(d, () => {});
    const text = lines.join("\n");
    expect(text).toContain("(command menu: /start /help /onboard");
    expect(text).toContain("bot: Welcome, Alice! You came with the payload demo-link.");
    expect(text).toContain("bot: This chat has counted to 2.");
    expect(text).toContain("bot (edited): Counter: 2");
    expect(text).toContain("bot: You are Ada, writing bots in TypeScript.");
    expect(text).toContain(
      "(10 minutes pass on the emulator's clock)\n  bot: ⏰ Reminder: stretch your legs",
    );
    expect(text).toContain("bot offers: [Bold: hello] [Italic: hello]");
    expect(lines.at(-1)).toBe("  bot: Hello, echo!");
  });

  it("publishes the command menu", async () => {
    const d = await demo();
    expect(await d.bot.api.getMyCommands({})).toEqual(COMMANDS);
  });

  it("greets with a deep-link payload, and without one", async () => {
    const d = await demo();
    expect((await say(d, "/start")).text).toBe("Welcome, Alice! Send /help to see what I can do.");
    const m = await say(d, "/start ref_42");
    expect(m.text).toBe("Welcome, Alice! You came with the payload ref_42.");
    expect(m.entities?.map((e) => e.type)).toEqual(["bold", "italic"]);
  });

  it("keeps a counter per chat in chatData", async () => {
    const d = await demo();
    const bob = d.emulator.user({ first_name: "Bob" });
    await say(d, "/count");
    expect((await say(d, "/count")).text).toBe("This chat has counted to 2.");
    bob.send("/count");
    expect((await bob.nextMessage()).text).toBe("This chat has counted to 1.");
  });

  it("edits the menu message in place; the buttons carry typed callback data", async () => {
    const d = await demo();
    const menu = await say(d, "/menu");
    expect(menu.reply_markup?.inline_keyboard[0]?.map((b) => b.callback_data)).toEqual([
      expect.stringMatching(/^menu:/),
      expect.stringMatching(/^menu:/),
    ]);
    const answer = d.emulator.waitFor((e) => (e?.type === "callback_answer" ? e : undefined));
    d.user.click("➕");
    const edited = await d.user.nextEdit({ timeoutMs: 10_000 });
    expect(edited.message_id).toBe(menu.message_id);
    expect(edited.text).toBe("Counter: 1");
    expect((await answer).text).toBe("Set to 1");
  });

  it("onboards: name, then a language button; /profile and /start use it; /cancel stops", async () => {
    const d = await demo();
    expect((await say(d, "/profile")).text).toBe("I don't know you yet: send /onboard.");
    expect((await say(d, "/onboard")).text).toContain("What should I call you?");
    const ask = await say(d, "Grace");
    expect(ask.text).toBe("Nice to meet you, Grace! Which language do you write bots in?");
    expect(ask.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      "TypeScript",
      "Python",
      "Go",
      "Rust",
    ]);
    // while the buttons are up, text is not taken as the answer: it is echoed
    expect((await say(d, "hmm")).text).toBe("hmm");
    d.user.click("Go");
    expect((await d.user.nextEdit({ timeoutMs: 10_000 })).text).toBe("Go it is.");
    expect((await d.user.nextMessage({ timeoutMs: 10_000 })).text).toContain("All set, Grace.");
    expect((await say(d, "/profile")).text).toBe("You are Grace, writing bots in Go.");
    expect((await say(d, "/start")).text).toBe("Welcome, Grace! Send /help to see what I can do.");
    await say(d, "/onboard");
    expect((await say(d, "/cancel")).text).toBe(
      "Onboarding cancelled. Send /onboard to start again.",
    );
    expect((await say(d, "/profile")).text).toBe("You are Grace, writing bots in Go.");
  });

  it("/remind sets a job that fires when the emulator's clock gets there; /reminders lists them", async () => {
    const d = await demo();
    const clock = d.clock;
    if (clock === undefined) throw new Error("the memory demo has a manual clock");
    expect((await say(d, "/remind 10m tea")).text).toBe("OK, I'll remind you in 10 minutes.");
    expect((await say(d, "/remind 1h30m call back")).text).toBe(
      "OK, I'll remind you in 1 hour 30 minutes.",
    );
    const list = await say(d, "/reminders");
    expect(list.text?.split("\n")).toEqual([
      "Pending reminders:",
      `- tea (${new Date(clock.now() + 600_000).toISOString()})`,
      `- call back (${new Date(clock.now() + 5_400_000).toISOString()})`,
    ]);
    await clock.advanceAsync(599_000);
    expect(d.user.unread()).toEqual([]);
    await clock.advanceAsync(1_000);
    expect((await d.user.nextMessage({ timeoutMs: 10_000 })).text).toBe("⏰ Reminder: tea");
    await clock.advanceAsync(4_800_000);
    expect((await d.user.nextMessage({ timeoutMs: 10_000 })).text).toBe("⏰ Reminder: call back");
    expect((await say(d, "/reminders")).text).toBe("No reminders pending.");
  });

  it("refuses malformed reminders with the usage", async () => {
    const d = await demo();
    for (const bad of [
      "/remind",
      "/remind tea",
      "/remind 10 tea",
      "/remind 0m tea",
      "/remind 31d tea",
    ])
      expect((await say(d, bad)).text).toMatch(/^Usage: \/remind <when> <text>/);
  });

  it("answers inline queries with formatted articles, and an empty query with a hint button", async () => {
    const d = await demo();
    const answered = (q: string) =>
      d.emulator.waitFor((e) => (e?.type === "inline_answer" && e.queryId === q ? e : undefined));
    const q1 = d.user.inline("tea time");
    const a1 = await answered(q1.id);
    expect(a1.results).toEqual([
      {
        type: "article",
        id: "bold",
        title: "Bold: tea time",
        input_message_content: {
          message_text: "tea time",
          entities: [{ type: "bold", offset: 0, length: 8 }],
        },
      },
      {
        type: "article",
        id: "italic",
        title: "Italic: tea time",
        input_message_content: {
          message_text: "tea time",
          entities: [{ type: "italic", offset: 0, length: 8 }],
        },
      },
    ]);
    const q2 = d.user.inline("");
    const a2 = await answered(q2.id);
    expect(a2.results).toEqual([]);
    expect(a2.params.button).toEqual({
      text: "Type some text to format it",
      start_parameter: "inline-help",
    });
  });

  it("quotes a hostile user name safely: verbatim text, one bold entity, no markup", async () => {
    const name = "<b>Eve</b> *bold* _[x](tg://user?id=1) 👩‍💻`";
    const d = await demo(name);
    const m = await say(d, "/whoami");
    expect(m.text).toBe(`You are ${name} (@alice), id ${d.user.id}.`);
    expect(m.entities).toEqual([{ type: "bold", offset: 8, length: name.length }]);
  });

  it("echoes other text", async () => {
    const d = await demo();
    expect((await say(d, "echo me ✨")).text).toBe("echo me ✨");
  });
});

describe("the run command", () => {
  it("starts with no token, plays the demo and exits 0", async () => {
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const env = { ...process.env, BOT_TOKEN: "", REDIS_URL: "", DEMO_INTERACTIVE: "0" };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--conditions=@bot/source", "--import", "tsx", "src/main.ts"],
      { cwd, env, timeout: 60_000 },
    );
    expect(stdout).toContain("No BOT_TOKEN: starting the @bot emulator");
    expect(stdout).toContain("(memory storage and jobs)");
    expect(stdout).toContain("bot (edited): Counter: 1");
    expect(stdout).toContain("⏰ Reminder: stretch your legs");
    expect(stdout).toContain("Demo finished.");
  });
});
