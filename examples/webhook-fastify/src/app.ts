import { Bot, type BotOptions, type Context } from "@bot/dispatcher";
import { setWebhook, webhook } from "@bot/webhook-fastify";
import Fastify, { type FastifyInstance } from "fastify";

/**
 * An existing web app (here one /health route) that also serves the bot's webhook under
 * /telegram/main. The bot echoes text and answers /start through the webhook response.
 *
 * @param token The bot token.
 * @param secretToken The webhook secret Telegram sends back in a header.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The app (not listening) and the bot.
 */
export async function createApp(
  token: string,
  secretToken: string,
  options: BotOptions<Context> = {},
): Promise<{ app: FastifyInstance; bot: Bot }> {
  const bot = new Bot(token, options);
  bot.command("start", (ctx) =>
    ctx.webhookReply("sendMessage", { chat_id: ctx.chatId ?? 0, text: "Hi from the webhook!" }),
  );
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));

  const app = Fastify();
  app.get("/health", async () => ({ ok: true }));
  await app.register(webhook, {
    prefix: "/telegram",
    bot,
    path: "/main",
    secretToken,
    delivery: "await",
  });
  return { app, bot };
}

/**
 * Points Telegram (or the emulator) at the app's webhook.
 *
 * @param bot The bot.
 * @param url The public URL of /telegram/main.
 * @param secretToken The secret the app checks.
 */
export async function register(bot: Bot, url: string, secretToken: string): Promise<void> {
  await setWebhook(bot, { url, secretToken });
}
