import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createApp, register } from "../src/app.ts";

let emulator: Emulator;
let alice: UserActor;
let app: Awaited<ReturnType<typeof createApp>>["app"];
let bot: Awaited<ReturnType<typeof createApp>>["bot"];
let base: string;
const errors: unknown[] = [];
const secret = "test_secret_123";

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "webhook_bot" });
  alice = emulator.user({ first_name: "Alice" });
  ({ app, bot } = await createApp(token, secret, {
    clientOptions: { apiRoot: emulator.apiRoot, retry: false },
  }));
  bot.catch((err) => void errors.push(err.error));
  base = await app.listen({ port: 0, host: "127.0.0.1" });
  await register(bot, `${base}/telegram/main`, secret);
});
afterAll(async () => {
  await app.close();
  await bot.api.close();
  await emulator.close();
});

it("keeps the app's own routes and gets updates by webhook", async () => {
  expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
  alice.send("/start");
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Hi from the webhook!");
  alice.send("echo me");
  expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("echo me");
  // an attempt is logged when the app answers, which in "await" mode follows the handler
  const attempts = await vi.waitFor(
    () => {
      const found = emulator.events().filter((e) => e.type === "webhook_attempt");
      if (found.length < 2) throw new Error("not yet");
      return found;
    },
    { timeout: 10_000, interval: 20 },
  );
  expect(attempts.every((e) => e.type === "webhook_attempt" && e.error === undefined)).toBe(true);
  expect(errors).toEqual([]);
});

it("refuses a request without the secret", async () => {
  const res = await fetch(`${base}/telegram/main`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ update_id: 1 }),
  });
  expect(res.status).toBe(401);
});
