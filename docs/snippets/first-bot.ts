// bot.ts: run with `node bot.ts` (Node 22.18+ runs TypeScript) or `npx tsx bot.ts`
import { Bot } from "@bot/dispatcher";

const token = process.env.BOT_TOKEN;
if (!token) throw new Error("Set BOT_TOKEN to the token @BotFather gave you");

const bot = new Bot(token);
bot.command("start", (ctx) => ctx.reply(`Hi ${ctx.from?.first_name ?? "there"}! Send me text.`));
bot.command("help", (ctx) => ctx.reply("I repeat every message you send me."));
bot.on("message:text", (ctx) => ctx.reply(ctx.message.text)); // after the commands
bot.catch((err) => console.error("handler failed:", err.message));

await bot.start({ onStart: (me) => console.log(`@${me.username} is polling; Ctrl-C stops`) });
