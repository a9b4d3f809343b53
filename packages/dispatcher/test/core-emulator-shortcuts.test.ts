import { afterEach, describe, expect, it } from "vitest";
import { type EmulatedBot, emulatedBot } from "./fixtures/emulator-bot.js";

let env: EmulatedBot | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe("context shortcuts against the emulator", () => {
  it("ctx.react sets the bot's reaction on the message it handles", async () => {
    env = await emulatedBot();
    const { emu, bot, errors, info } = env;
    const alice = emu.user({ first_name: "Alice", bot: info });
    alice.send("react to this");
    const message = emu.chat(alice.id).last();
    expect(message).toBeDefined();
    bot.on("message", async (ctx) => {
      await ctx.react("🔥");
    });
    await bot.handleUpdate({ update_id: 1, message: message as never });
    expect(errors).toEqual([]);
    expect(emu.events().filter((e) => e.type === "reaction")).toMatchObject([
      {
        chatId: alice.id,
        messageId: message?.message_id,
        reaction: [{ type: "emoji", emoji: "🔥" }],
      },
    ]);
  });
});
