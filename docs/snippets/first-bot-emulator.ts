// emulator.ts: the same bot with no token, against a local Telegram (@bot/emulator)
import { Bot } from "@bot/dispatcher";
import { createEmulator } from "@bot/emulator";

const emu = await createEmulator(); // a Bot API server on 127.0.0.1, ephemeral port
const { token } = emu.createBot({ username: "echo_bot" });

const bot = new Bot(token, { clientOptions: { apiRoot: emu.apiRoot } });
bot.command("start", (ctx) => ctx.reply(`Hi ${ctx.from?.first_name ?? "there"}! Send me text.`));
bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
const polling = bot.start({ timeout: 1, signals: false });

const alice = emu.user({ first_name: "Alice" });
for (const text of ["/start", "Hello!"]) {
  alice.send(text);
  console.log(`Alice: ${text}\n  bot: ${(await alice.nextMessage({ timeoutMs: 5_000 })).text}`);
}

await bot.stop();
await polling;
await bot.api.close();
await emu.close();
