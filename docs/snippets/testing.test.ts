// bot.test.ts: an end-to-end test of the routing guide's bot, through @bot/emulator
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot } from "./routing.ts";

let emu: Emulator;
let alice: UserActor;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeAll(async () => {
  emu = await createEmulator();
  const { token } = emu.createBot({ username: "shop_bot" });
  alice = emu.user({ first_name: "Alice" });
  // retry: false, so a failing call shows up at once instead of being retried
  bot = createBot(token, { clientOptions: { apiRoot: emu.apiRoot, retry: false } });
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start({ timeout: 1, signals: false });
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
});

const next = async () => (await alice.nextMessage({ timeoutMs: 10_000 })).text;

it("routes commands, hears and the catch-all", async () => {
  alice.send("/start ref42");
  expect(await next()).toBe("Welcome! Payload: ref42");
  alice.send("order 7");
  expect(await next()).toBe("Order #7 received");
  alice.send("!shout");
  expect(await next()).toBe("No bangs.");
  alice.send("hello");
  expect(await next()).toBe("You said: hello");
});

it("narrows photos and runs group-only commands in groups only", async () => {
  alice.sendPhoto(undefined, {});
  expect(await next()).toMatch(/^A photo of \d+x\d+$/);
  const group = emu.group({ title: "Friends", members: [alice] });
  alice.send("/rules", { chat: group });
  expect((await alice.nextMessage({ chat: group, timeoutMs: 10_000 })).text).toBe("Be nice.");
  expect(errors).toEqual([]);
});
