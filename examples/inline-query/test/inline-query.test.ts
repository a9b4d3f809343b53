import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createBot } from "../src/bot.ts";

let emulator: Emulator;
let alice: UserActor;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "inline_bot" });
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

it("answers an inline query with caps, bold and italic articles", async () => {
  const query = alice.inline("hello <world>");
  const answer = await vi.waitFor(
    () => {
      const found = emulator
        .events()
        .find((e) => e.type === "inline_answer" && e.queryId === query.id);
      if (found === undefined) throw new Error("not answered yet");
      return found;
    },
    { timeout: 10_000, interval: 20 },
  );
  expect(answer).toMatchObject({
    results: [
      { id: "caps", title: "Caps", input_message_content: { message_text: "HELLO <WORLD>" } },
      {
        id: "bold",
        title: "Bold",
        input_message_content: {
          message_text: "hello <world>",
          entities: [{ type: "bold", offset: 0, length: 13 }],
        },
      },
      {
        id: "italic",
        title: "Italic",
        input_message_content: {
          message_text: "hello <world>",
          entities: [{ type: "italic", offset: 0, length: 13 }],
        },
      },
    ],
  });
  expect(errors).toEqual([]);
});
