import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

let emulator: Emulator;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "family_bot" });
  bot = createBot(token, { clientOptions: { apiRoot: emulator.apiRoot, retry: false } });
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start({ timeout: 1 });
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
  expect(errors).toEqual([]);
});

function user(name: string) {
  const u: UserActor = emulator.user({ first_name: name });
  const reply = async () => (await u.nextMessage({ timeoutMs: 10_000 })).text ?? "";
  return {
    say: (text: string) => {
      u.send(text);
      return reply();
    },
    press: (button: string) => {
      u.click(button);
      return reply();
    },
    actor: u,
  };
}

it("adds a family member through two nested levels, and yourself, then shows it all", async () => {
  const alice = user("Alice");
  expect(await alice.say("/start")).toMatch(/^Hi! I collect information/);
  expect(await alice.press("Add family member")).toBe("Add a parent or a child?");
  expect(await alice.press("Parent")).toBe("Male or female?");
  expect(await alice.press("Female")).toBe("Select a feature to update.");
  expect(await alice.press("Name")).toBe("Okay, tell me the name.");
  expect(await alice.say("Mary")).toBe("Got it! Select a feature to update, or Done.");
  expect(await alice.press("Age")).toBe("Okay, tell me the age.");
  expect(await alice.say("61")).toBe("Got it! Select a feature to update, or Done.");
  // the grandchild ended, the child saves the member and ends: back to the menu
  expect(await alice.press("Done")).toBe("New family member added. What would you like to do?");
  expect(await alice.press("Add yourself")).toBe("Okay, please tell me about yourself.");
  expect(await alice.say("I write bots")).toBe("Got it! What would you like to do?");
  expect(await alice.press("Show data")).toBe(
    "Yourself: I write bots\nParent (female): name Mary, age 61",
  );
  expect(await alice.press("Back")).toBe("What would you like to do?");
  expect(await alice.press("Done")).toBe(
    "See you around!\n\nYourself: I write bots\nParent (female): name Mary, age 61",
  );
  expect(await alice.say("hello")).toBe("Send /start to begin.");
});

it("'Show data' inside the child maps to the parent's SHOWING; Back returns to the menu", async () => {
  const bob = user("Bob");
  await bob.say("/start");
  await bob.press("Add family member");
  expect(await bob.press("Show data")).toBe("Yourself: -");
  // the child ended into the parent's SHOWING: this Back is the parent's, not the child's
  expect(await bob.press("Back")).toBe("What would you like to do?");
  expect(await bob.press("Add family member")).toBe("Add a parent or a child?");
  expect(await bob.press("Child")).toBe("Male or female?");
  expect(await bob.press("Back")).toBe("Nothing added. What would you like to do?"); // the child's
  expect(await bob.press("Show data")).toBe("Yourself: -");
});

it("/stop from the deepest level ends everything (the child maps STOPPING to END)", async () => {
  const carol = user("Carol");
  await carol.say("/start");
  await carol.press("Add family member");
  await carol.press("Child");
  await carol.press("Male");
  expect(await carol.press("Name")).toBe("Okay, tell me the name.");
  expect(await carol.say("/stop")).toBe("Okay, bye.");
  expect(await carol.say("Tom")).toBe("Send /start to begin."); // not taken as a name
  const answered = emulator.waitFor((e) => (e?.type === "callback_answer" ? e : undefined));
  carol.actor.click("Age"); // a button of the ended conversation
  expect((await answered).text).toBe("This menu is no longer active.");
});

it("keeps each user's nesting apart", async () => {
  const dan = user("Dan");
  const eve = user("Eve");
  await dan.say("/start");
  await eve.say("/start");
  await dan.press("Add family member");
  expect(await eve.press("Add yourself")).toBe("Okay, please tell me about yourself.");
  expect(await dan.press("Parent")).toBe("Male or female?");
  expect(await eve.say("Eve here")).toBe("Got it! What would you like to do?");
});
