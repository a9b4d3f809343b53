import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

let emulator: Emulator;
let alice: UserActor;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];
const wait = { timeoutMs: 10_000 };

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "deep_link_bot" });
  alice = emulator.user({ first_name: "Alice" });
  bot = createBot(token, { clientOptions: { apiRoot: emulator.apiRoot, retry: false } });
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start({ timeout: 1 });
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
});

it("hands out a link, and its /start payload unlocks the next steps", async () => {
  alice.send("/start");
  expect((await alice.nextMessage(wait)).text).toBe(
    "Feel free to tell your friends about it:\nhttps://t.me/deep_link_bot?start=check-this-out",
  );

  alice.send("/start check-this-out"); // what Telegram sends when Alice opens the link
  const hidden = await alice.nextMessage(wait);
  expect(hidden.text).toBe("Awesome, you just accessed hidden functionality! Continue here:");
  expect(hidden.reply_markup?.inline_keyboard).toEqual([
    [{ text: "Continue here!", url: "https://t.me/deep_link_bot?start=using-buttons" }],
  ]);

  alice.send("/start using-buttons");
  expect((await alice.nextMessage(wait)).text).toBe(
    "Deep links work from buttons too. And callback buttons still work:",
  );
  const press = alice.click("Like this!");
  expect((await alice.nextEdit(wait)).text).toBe(
    "Share the bot: https://t.me/deep_link_bot?start=check-this-out",
  );
  expect(
    emulator.events().find((e) => e.type === "callback_answer" && e.queryId === press.id),
  ).toMatchObject({ text: "Happy to see you here!" });
  expect(errors).toEqual([]);
});
