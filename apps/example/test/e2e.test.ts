import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
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

describe("the example bot, end to end through the emulator", () => {
  it("plays the scripted conversation", async () => {
    const d = await demo();
    const lines = await runScript(d, () => {});
    const text = lines.join("\n");
    expect(text).toContain("bot: Welcome, Alice! You came with the payload demo-link.");
    expect(text).toContain("bot: This chat has counted to 1.");
    expect(text).toContain("bot: This chat has counted to 2.");
    expect(text).toContain("bot (edited): Counter: 2");
    expect(lines.at(-1)).toBe("  bot: Hello, echo!");
  });

  it("greets with a deep-link payload, and without one", async () => {
    const d = await demo();
    d.user.send("/start");
    expect((await d.user.nextMessage()).text).toBe(
      "Welcome, Alice! Send /help to see what I can do.",
    );
    d.user.send("/start ref_42");
    const m = await d.user.nextMessage();
    expect(m.text).toBe("Welcome, Alice! You came with the payload ref_42.");
    expect(m.entities?.map((e) => e.type)).toEqual(["bold", "italic"]);
  });

  it("keeps a counter per chat in chatData", async () => {
    const d = await demo();
    const bob = d.emulator.user({ first_name: "Bob" });
    d.user.send("/count");
    await d.user.nextMessage();
    d.user.send("/count");
    expect((await d.user.nextMessage()).text).toBe("This chat has counted to 2.");
    bob.send("/count");
    expect((await bob.nextMessage()).text).toBe("This chat has counted to 1.");
  });

  it("edits the menu message in place when a button is pressed", async () => {
    const d = await demo();
    d.user.send("/menu");
    const menu = await d.user.nextMessage();
    const edit = d.emulator.waitFor((e) => (e?.type === "edit" ? e.message : undefined));
    const answer = d.emulator.waitFor((e) => (e?.type === "callback_answer" ? e : undefined));
    d.user.click("➕");
    const edited = await edit;
    expect(edited.message_id).toBe(menu.message_id);
    expect(edited.text).toBe("Counter: 1");
    expect((await answer).text).toBe("Set to 1");
    expect(
      d.emulator.chat(d.user.id).messages.filter((m) => m.text?.startsWith("Counter")),
    ).toHaveLength(1);
  });

  it("quotes a hostile user name safely: verbatim text, one bold entity, no markup", async () => {
    const name = "<b>Eve</b> *bold* _[x](tg://user?id=1) 👩‍💻`";
    const d = await demo(name);
    d.user.send("/whoami");
    const m = await d.user.nextMessage();
    expect(m.text).toBe(`You are ${name} (@alice), id ${d.user.id}.`);
    expect(m.entities).toEqual([{ type: "bold", offset: 8, length: name.length }]);
  });

  it("echoes other text", async () => {
    const d = await demo();
    d.user.send("echo me ✨");
    expect((await d.user.nextMessage()).text).toBe("echo me ✨");
  });
});

describe("the run command", () => {
  it("starts with no token, plays the demo and exits 0", async () => {
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const env = { ...process.env, BOT_TOKEN: "", DEMO_INTERACTIVE: "0" };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--conditions=@bot/source", "--import", "tsx", "src/main.ts"],
      { cwd, env, timeout: 60_000 },
    );
    expect(stdout).toContain("No BOT_TOKEN: starting the @bot emulator");
    expect(stdout).toContain("bot (edited): Counter: 1");
    expect(stdout).toContain("Demo finished.");
  });
});
