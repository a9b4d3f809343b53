import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot } from "../src/bot.ts";

let emulator: Emulator;
let alice: UserActor;
let developer: UserActor;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const logged: string[] = [];
const wait = { timeoutMs: 10_000 };

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "error_handler_bot" });
  alice = emulator.user({ first_name: "Alice" });
  developer = emulator.user({ first_name: "Dev" });
  bot = createBot(token, {
    clientOptions: { apiRoot: emulator.apiRoot, retry: false },
    developerChatId: developer.id,
    log: (line) => void logged.push(line),
  });
  polling = bot.start({ timeout: 1 });
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
});

it("tells the user, logs, and reports the update and stack trace to the developer", async () => {
  developer.send("/start");
  expect((await developer.nextMessage(wait)).text).toBe(
    `Use /bad_command to cause an error.\nYour chat id is ${developer.id}`,
  );

  const sent = alice.send("/bad_command");
  expect((await alice.nextMessage(wait)).text).toBe(
    "Sorry, something went wrong. The developer has been told.",
  );
  const report = await developer.nextMessage(wait);
  expect(report.text).toMatch(/^An exception was raised while handling an update\n/);
  expect(report.text).toContain(`"message_id": ${sent.message_id}`);
  expect(report.text).toContain('"text": "/bad_command"');
  expect(report.text).toContain("TypeError");
  expect(report.text?.length).toBeLessThanOrEqual(4096);
  expect(report.entities?.map((e) => e.type)).toEqual(["pre", "pre"]);
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatch(/^Exception while handling an update: TypeError/);
});
