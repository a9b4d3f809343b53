import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

let emulator: Emulator;
let alice: UserActor;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "keyboard_bot" });
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

it("shows the buttons, answers the click and edits the message", async () => {
  alice.send("/start");
  const shown = await alice.nextMessage({ timeoutMs: 10_000 });
  expect(shown.text).toBe("Please choose:");
  expect(shown.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([
    ["Option 1", "Option 2"],
    ["Option 3"],
  ]);
  const query = alice.click("Option 2");
  const edited = await alice.nextEdit({ timeoutMs: 10_000 });
  expect(edited.message_id).toBe(shown.message_id);
  expect(edited.text).toBe("Selected option: 2");
  const answered = emulator
    .events()
    .some((e) => e.type === "callback_answer" && e.queryId === query.id);
  expect(answered).toBe(true); // answered before the edit, so already recorded
  expect(errors).toEqual([]);
});
