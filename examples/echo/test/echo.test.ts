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
  const { token } = emulator.createBot({ username: "echo_bot" });
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

const next = async () => (await alice.nextMessage({ timeoutMs: 10_000 })).text;

it("greets, helps, and echoes text", async () => {
  alice.send("/start");
  expect(await next()).toBe("Hi Alice! Send me text.");
  alice.send("/help");
  expect(await next()).toBe("I repeat every message you send me.");
  alice.send("Hello, echo!");
  expect(await next()).toBe("Hello, echo!");
  expect(errors).toEqual([]);
});
