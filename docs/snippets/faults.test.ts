// faults.test.ts: the bot survives a 429 from "Telegram", because the client waits it out
import { Bot } from "@bot/dispatcher";
import { createEmulator } from "@bot/emulator";
import { expect, it } from "vitest";

it("waits out a flood limit and delivers the reply", async () => {
  const emu = await createEmulator();
  const { token } = emu.createBot({ username: "flood_bot" });
  const bot = new Bot(token, { clientOptions: { apiRoot: emu.apiRoot } });
  bot.command("start", (ctx) => ctx.reply("Hi!"));
  const polling = bot.start({ timeout: 1, signals: false });
  // #region inject
  // The next sendMessage answers 429 "retry after 1 s"; the one after it works.
  const fault = emu.inject({
    method: "sendMessage",
    times: 1,
    fault: { type: "flood", retryAfter: 1 },
  });
  // #endregion inject
  const alice = emu.user({ first_name: "Alice" });
  alice.send("/start");
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Hi!");
  expect(fault.hits).toBe(1);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
});
