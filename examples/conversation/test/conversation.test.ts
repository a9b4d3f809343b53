import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

let emulator: Emulator;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "professor_bot" });
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

async function reply(user: UserActor, act: () => unknown): Promise<string> {
  act();
  return (await user.nextMessage({ timeoutMs: 10_000 })).text ?? "";
}

it("walks gender, photo, location and bio, and sums them up", async () => {
  const alice = emulator.user({ first_name: "Alice" });
  expect(await reply(alice, () => alice.send("/start"))).toContain("Are you a boy or a girl?");
  expect(await reply(alice, () => alice.send("Girl"))).toContain("send me a photo");
  expect(await reply(alice, () => alice.sendPhoto())).toContain("Gorgeous!");
  expect(await reply(alice, () => alice.sendLocation(52.52, 13.405))).toContain(
    "Maybe I can visit you sometime!",
  );
  expect(await reply(alice, () => alice.send("I like tea."))).toBe(
    "Thank you! I hope we can talk again some day.\n\n" +
      "Gender: Girl\nPhoto: received\nLocation: 52.5200, 13.4050\nBio: I like tea.",
  );
  // the conversation ended: text is no longer taken as a bio
  expect(await reply(alice, () => alice.send("hello?"))).toBe(
    "Send /start to begin, or /cancel to stop.",
  );
});

it("skips the photo and the location with /skip", async () => {
  const bob = emulator.user({ first_name: "Bob" });
  await reply(bob, () => bob.send("/start"));
  await reply(bob, () => bob.send("Boy"));
  expect(await reply(bob, () => bob.send("/skip"))).toContain("I bet you look great!");
  expect(await reply(bob, () => bob.send("/skip"))).toContain("You seem a bit paranoid!");
  expect(await reply(bob, () => bob.send("Just Bob."))).toContain(
    "Gender: Boy\nPhoto: skipped\nLocation: skipped\nBio: Just Bob.",
  );
});

it("stays on a step when the answer does not fit, and /cancel ends it from any step", async () => {
  const carol = emulator.user({ first_name: "Carol" });
  await reply(carol, () => carol.send("/start"));
  // not one of the keyboard's answers: the step stays, the bot hints
  expect(await reply(carol, () => carol.send("Robot"))).toBe(
    "Send /start to begin, or /cancel to stop.",
  );
  expect(await reply(carol, () => carol.send("Other"))).toContain("send me a photo");
  // a location is not a photo: still on PHOTO
  expect(await reply(carol, () => carol.sendLocation(0, 0))).toBe(
    "Send /start to begin, or /cancel to stop.",
  );
  expect(await reply(carol, () => carol.send("/cancel"))).toBe(
    "Bye! I hope we can talk again some day.",
  );
  // a new /start begins again from the gender question, with nothing left from before
  expect(await reply(carol, () => carol.send("/start"))).toContain("Are you a boy or a girl?");
  await reply(carol, () => carol.send("Girl"));
  await reply(carol, () => carol.send("/skip"));
  await reply(carol, () => carol.send("/skip"));
  expect(await reply(carol, () => carol.send("Again."))).toContain("Gender: Girl\nPhoto: skipped");
});

it("keeps two users' conversations apart", async () => {
  const dan = emulator.user({ first_name: "Dan" });
  const eve = emulator.user({ first_name: "Eve" });
  await reply(dan, () => dan.send("/start"));
  await reply(eve, () => eve.send("/start"));
  await reply(dan, () => dan.send("Boy"));
  expect(await reply(eve, () => eve.send("/skip"))).toBe(
    "Send /start to begin, or /cancel to stop.",
  ); // Eve is still on GENDER
  expect(await reply(dan, () => dan.send("/skip"))).toContain("I bet you look great!");
});
