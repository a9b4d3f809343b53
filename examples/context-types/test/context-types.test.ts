import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ClickContext, createBot } from "../src/bot.ts";

let emulator: Emulator;
let alice: UserActor;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];
const contexts: unknown[] = [];
const wait = { timeoutMs: 10_000 };

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "context_types_bot" });
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

it("counts clicks per message through the custom context", async () => {
  alice.send("/start");
  const first = await alice.nextMessage(wait);
  expect(first.text).toBe("This button was clicked 0 times.");
  alice.send("/start");
  const second = await alice.nextMessage(wait);

  const texts: string[] = [];
  for (let i = 0; i < 2; i++) {
    alice.click("Click me!", { message: first });
    texts.push((await alice.nextEdit(wait)).text ?? "");
  }
  alice.click("Click me!", { message: second }); // its own count
  const other = await alice.nextEdit(wait);
  expect(texts).toEqual(["This button was clicked 1 time.", "This button was clicked 2 times."]);
  expect(other.message_id).toBe(second.message_id);
  expect(other.text).toBe("This button was clicked 1 time.");
  expect(errors).toEqual([]);
});

it("hands handlers the custom class", async () => {
  bot.command("whoami", (ctx) => {
    contexts.push(ctx);
    return ctx.reply(`messageClicks outside a callback query: ${ctx.messageClicks}`);
  });
  alice.send("/whoami");
  expect((await alice.nextMessage(wait)).text).toBe("messageClicks outside a callback query: 0");
  expect(contexts[0]).toBeInstanceOf(ClickContext);
});
