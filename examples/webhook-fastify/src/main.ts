/**
 * With BOT_TOKEN, WEBHOOK_URL (public https URL of /telegram/main) and WEBHOOK_SECRET:
 * serves the app on PORT (default 8443) and registers the webhook with Telegram.
 * Without BOT_TOKEN: starts the @bot emulator, which delivers webhooks to the app on
 * 127.0.0.1; a user talks to the bot, the conversation is printed, and it exits.
 */
import { createEmulator } from "@bot/emulator";
import { createApp, register } from "./app.ts";

const token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
  const url = process.env.WEBHOOK_URL;
  const secret = process.env.WEBHOOK_SECRET;
  if (url === undefined || secret === undefined) {
    console.error("Set WEBHOOK_URL and WEBHOOK_SECRET too.");
    process.exit(1);
  }
  const { app, bot } = await createApp(token, secret);
  await app.listen({ port: Number(process.env.PORT ?? 8443), host: "0.0.0.0" });
  await register(bot, url, secret);
  console.log("Serving the webhook; Ctrl-C stops.");
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void app.close());
} else {
  console.log("No BOT_TOKEN: running against the @bot emulator.\n");
  const emulator = await createEmulator();
  const { token: fake } = emulator.createBot({ username: "webhook_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const secret = "demo_secret";
  const { app, bot } = await createApp(fake, secret, {
    clientOptions: { apiRoot: emulator.apiRoot },
  });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  await register(bot, `${base}/telegram/main`, secret);
  console.log(`App at ${base}: GET /health -> ${await (await fetch(`${base}/health`)).text()}`);
  for (const text of ["/start", "Hello, webhook!"]) {
    console.log(`Alice: ${text}`);
    alice.send(text);
    console.log(`  bot: ${(await alice.nextMessage({ timeoutMs: 10_000 })).text}`);
  }
  await app.close();
  await bot.api.close();
  await emulator.close();
}
