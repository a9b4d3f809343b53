/**
 * Every runnable snippet of the site, run against @bot/emulator. The pages include these
 * files (`<<< @/snippets/...`), so what a reader sees is what runs here; `pnpm typecheck`
 * type-checks every snippet, runnable or not.
 */
import type { BotOptions } from "@bot/dispatcher";
import { ManualClock } from "@bot/emulator";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createBot as conversationsBot, type OrderContext } from "../snippets/conversations.ts";
import { createBot as formattingBot } from "../snippets/formatting.ts";
import { type JobsContext, createBot as jobsBot } from "../snippets/jobs.ts";
import { createBot as keyboardsBot, vote } from "../snippets/keyboards.ts";
import { createBot as sessionsBot } from "../snippets/sessions.ts";
import { createApp } from "../snippets/webhook.ts";
import { type Running, run } from "./harness.ts";

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe("getting started", () => {
  it("the emulator version of the first bot prints the conversation", async () => {
    const lines: string[] = [];
    const log = vi
      .spyOn(console, "log")
      .mockImplementation((line: string) => void lines.push(line));
    try {
      await import("../snippets/first-bot-emulator.ts");
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual([
      "Alice: /start\n  bot: Hi Alice! Send me text.",
      "Alice: Hello!\n  bot: Hello!",
    ]);
  });
});

describe("routing", () => {
  it("refuses a filter query with a typo when it is registered", async () => {
    const { Bot } = await import("@bot/dispatcher");
    const bot = new Bot("123:abc");
    expect(() => bot.on("mesage:text" as "message:text", () => {})).toThrow();
  });
});

describe("formatting", () => {
  it("sends entities and escaped markup", async () => {
    const r = await run(formattingBot);
    running = r;
    r.alice.send("/hi");
    const hi = await r.alice.nextMessage({ timeoutMs: 10_000 });
    expect(hi.text).toBe("Hello Alice!");
    expect(hi.entities).toEqual([{ type: "bold", offset: 6, length: 5 }]);
    r.alice.send("/echo <i>not italic</i> & co");
    const echo = await r.alice.nextMessage({ timeoutMs: 10_000 });
    expect(echo.text).toBe("You wrote: <i>not italic</i> & co");
    expect(echo.entities).toEqual([{ type: "bold", offset: 0, length: 10 }]);
    r.alice.send("/mdecho *not bold* [x](y)");
    expect(await r.next()).toBe("You wrote: *not bold* [x](y)");
    r.alice.send("/list");
    const list = await r.alice.nextMessage({ timeoutMs: 10_000 });
    expect(list.text).toBe("one, two, three");
    expect(list.entities?.map((e) => e.type)).toEqual(["bold", "code", "spoiler"]);
    expect(r.errors).toEqual([]);
  });
});

describe("keyboards and callback data", () => {
  it("packs signed callback data, answers the click and edits the message", async () => {
    const r = await run(keyboardsBot);
    running = r;
    r.alice.send("/poll");
    expect(await r.next()).toBe("Do you like it?");
    r.alice.click("👎");
    const edit = await r.alice.nextEdit({ timeoutMs: 10_000 });
    expect(edit.text).toBe("Vote on #7: no");
    expect(vote.safeUnpack(`${vote.pack({ id: 7, up: true })}x`)).toMatchObject({ success: false });
    r.alice.send("/size");
    expect(await r.next()).toBe("Pick a size");
    r.alice.send("XL");
    expect(await r.next()).toBe("Size XL");
    expect(r.errors).toEqual([]);
  });
});

describe("sessions", () => {
  it("counts per chat and keeps per-user settings", async () => {
    const r = await run(sessionsBot);
    running = r;
    r.alice.send("/count");
    expect(await r.next()).toBe("count: 1, everywhere: 1");
    r.alice.send("/count");
    expect(await r.next()).toBe("count: 2, everywhere: 2");
    r.alice.send("/lang de");
    expect(await r.next()).toBe("language: de");
    r.alice.send("/lang");
    expect(await r.next()).toBe("language: de");
    expect(r.errors).toEqual([]);
  });
});

describe("conversations", () => {
  it("walks the states and ends on the button", async () => {
    const r = await run(conversationsBot);
    running = r;
    r.alice.send("hello");
    expect(await r.next()).toBe("Send /order to order a pizza.");
    r.alice.send("/order");
    expect(await r.next()).toBe("Which pizza? (margherita or funghi)");
    r.alice.send("Funghi");
    expect(await r.next()).toBe("Size? (small, large)");
    r.alice.send("large");
    expect(await r.next()).toBe("A large funghi?");
    r.alice.click("Yes");
    expect((await r.alice.nextEdit({ timeoutMs: 10_000 })).text).toBe("Ordered!");
    r.alice.send("/cancel");
    expect(await r.next()).toBe("Send /order to order a pizza."); // no conversation active
    expect(r.errors).toEqual([]);
  });

  it("times out with no update arriving, on the emulator's clock", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
    const r = await run(
      (token, options: BotOptions<OrderContext>) => conversationsBot(token, options, clock),
      { clock },
    );
    running = r;
    r.alice.send("/order");
    expect(await r.next()).toBe("Which pizza? (margherita or funghi)");
    // the timer is armed once the update's state is saved, just after the reply
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    await clock.advanceAsync(9 * 60_000);
    expect(r.alice.unread()).toEqual([]);
    await clock.advanceAsync(60_000);
    expect(await r.next()).toBe("Too slow: order cancelled.");
    r.alice.send("funghi"); // the conversation ended: this is not an answer any more
    expect(await r.next()).toBe("Send /order to order a pizza.");
    expect(r.errors).toEqual([]);
  });
});

describe("jobs", () => {
  it("sends the reminder when the emulator's clock reaches it", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
    let jobs: ReturnType<typeof jobsBot>["jobs"] | undefined;
    const r = await run(
      (token, options: BotOptions<JobsContext>) => {
        const made = jobsBot(token, options, clock);
        jobs = made.jobs;
        return made.bot;
      },
      { clock, beforeStart: async () => jobs?.start() },
    );
    running = r;
    r.alice.send("/remind 10 stretch");
    expect(await r.next()).toBe("OK, in 10 min.");
    await clock.advanceAsync(9 * 60_000);
    expect(r.alice.unread()).toEqual([]);
    await clock.advanceAsync(60_000);
    expect(await r.next()).toBe("Reminder: stretch");
    r.alice.send("/cancel");
    expect(await r.next()).toBe("Nothing to cancel.");
    expect(r.errors).toEqual([]);
  });
});

describe("webhooks on Fastify", () => {
  it("serves the webhook next to the app's routes and refuses a wrong secret", async () => {
    const { createEmulator } = await import("@bot/emulator");
    const { setWebhook } = await import("@bot/webhook-fastify");
    const emu = await createEmulator();
    const { token } = emu.createBot({ username: "hook_bot" });
    const alice = emu.user({ first_name: "Alice" });
    const secret = "docs_secret_123";
    const { app, bot } = await createApp(token, secret, {
      clientOptions: { apiRoot: emu.apiRoot, retry: false },
    });
    const errors: unknown[] = [];
    bot.catch((err) => void errors.push(err.error));
    try {
      const base = await app.listen({ port: 0, host: "127.0.0.1" });
      await setWebhook(bot, { url: `${base}/telegram/main`, secretToken: secret });
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
      alice.send("/start");
      expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("Hi from the webhook!");
      alice.send("echo");
      expect((await alice.nextMessage({ timeoutMs: 10_000 })).text).toBe("echo");
      const forged = await fetch(`${base}/telegram/main`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "no" },
        body: "{}",
      });
      expect(forged.status).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await app.close();
      await bot.api.close();
      await emu.close();
    }
  });
});
