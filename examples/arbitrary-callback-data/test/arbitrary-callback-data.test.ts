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
  const { token } = emulator.createBot({ username: "callback_data_bot" });
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

type Message = Awaited<ReturnType<UserActor["nextMessage"]>>;
const data = (m: Message) => m.reply_markup?.inline_keyboard.flat().map((b) => b.callback_data);

it("carries the whole list in each button, overflowing into the store, and expires on /clear", async () => {
  alice.send("/start");
  const start = await alice.nextMessage(wait);
  expect(start.text).toBe("Please choose:");
  expect(start.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
    "1",
    "2",
    "3",
    "4",
    "5",
  ]);
  expect(data(start)?.some((d) => d?.includes("~"))).toBe(false); // [n] fits in 64 bytes

  // 30 picks: "[3,1,...]" grows past the 64 bytes a button can carry
  const picked = Array.from({ length: 30 }, (_, i) => ((i * 7) % 5) + 1);
  let last: Message = start;
  for (const [i, n] of picked.entries()) {
    alice.click(String(n));
    last = await alice.nextEdit(wait);
    expect(last.message_id).toBe(start.message_id);
    expect(last.text).toBe(
      `So far you've selected ${JSON.stringify(picked.slice(0, i + 1))}. Choose the next item:`,
    );
  }
  // the list no longer fits: the buttons carry a key into the store
  for (const d of data(last) ?? []) {
    expect(Buffer.byteLength(d ?? "")).toBeLessThanOrEqual(64);
    expect(d).toContain("~");
  }

  alice.send("/clear");
  expect((await alice.nextMessage(wait)).text).toBe("All clear!");
  const press = alice.click("1");
  const expired = await alice.nextEdit(wait);
  expect(expired.text).toBe(
    "Sorry, I could not process this button click. Please send /start to get a new keyboard.",
  );
  const answer = emulator
    .events()
    .find((e) => e.type === "callback_answer" && e.queryId === press.id);
  expect(answer).toMatchObject({ text: "Button is no longer valid", showAlert: true });
  expect(errors).toEqual([]);
});
