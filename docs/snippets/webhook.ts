import { Bot, type BotOptions, type Context } from "@bot/dispatcher";
import { setWebhook, webhook } from "@bot/webhook-fastify";
import Fastify from "fastify";

// #region app
export async function createApp(
  token: string,
  secretToken: string,
  options: BotOptions<Context> = {},
) {
  const bot = new Bot(token, options);
  // One call may ride in the HTTP response (delivery "await"), saving a round trip.
  bot.command("start", (ctx) =>
    ctx.webhookReply("sendMessage", { chat_id: ctx.chatId ?? 0, text: "Hi from the webhook!" }),
  );
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));

  const app = Fastify(); // your existing app, with its own routes
  app.get("/health", async () => ({ ok: true }));
  await app.register(webhook, {
    prefix: "/telegram",
    bot,
    path: "/main",
    secretToken, // checked before the body is read; 1-256 of A-Z a-z 0-9 _ -
    delivery: "await", // answer when the handler finished: at-least-once
  });
  return { app, bot };
}
// #endregion app

// #region main
export async function main(): Promise<void> {
  const secret = process.env.WEBHOOK_SECRET!;
  const { app, bot } = await createApp(process.env.BOT_TOKEN!, secret);
  await app.listen({ port: Number(process.env.PORT ?? 8443), host: "0.0.0.0" });
  await setWebhook(bot, { url: process.env.WEBHOOK_URL!, secretToken: secret });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void app.close());
}
// #endregion main
