import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { callChannel, createEmulator, type Emulator } from "@bot/emulator";
import { Bot, InlineKeyboard, InputFile, webhookCallback } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Must show 2 of issue 5: grammY, a bot from outside our code, runs against the
// emulator over real sockets with long polling, and a scripted user gets its replies.
describe("grammY against @bot/emulator", () => {
  let emu: Emulator;
  let bot: Bot;
  let polling: Promise<void>;
  let token: string;

  beforeAll(async () => {
    emu = await createEmulator();
    const handle = emu.createBot({ username: "grammy_demo_bot", first_name: "grammY demo" });
    token = handle.token;
    bot = new Bot(token, { client: { apiRoot: emu.apiRoot } });
    bot.command("start", (ctx) =>
      ctx.reply(`Welcome, ${ctx.from?.first_name}! payload=${ctx.match || "none"}`),
    );
    bot.command("menu", (ctx) =>
      ctx.reply("Pick a colour", {
        reply_markup: new InlineKeyboard().text("Red", "colour:red").text("Blue", "colour:blue"),
      }),
    );
    bot.callbackQuery(/^colour:(.+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: `You picked ${ctx.match[1]}` });
      await ctx.editMessageText(`Colour: ${ctx.match[1]}`);
    });
    bot.command("doc", (ctx) =>
      ctx.replyWithDocument(new InputFile(Buffer.from("hello from grammY"), "hello.txt"), {
        caption: "a file",
      }),
    );
    bot.on("message:text", (ctx) =>
      ctx.reply(`echo: ${ctx.message.text}`, {
        reply_parameters: { message_id: ctx.message.message_id },
      }),
    );
    bot.catch((err) => {
      throw err.error;
    });
    await bot.init();
    await new Promise<void>((started) => {
      polling = bot.start({ timeout: 10, drop_pending_updates: true, onStart: () => started() });
    });
  });

  afterAll(async () => {
    await bot.stop();
    await polling;
    await emu.close();
  });

  it("answers getMe through grammY", () => {
    expect(bot.botInfo.username).toBe("grammy_demo_bot");
    expect(bot.botInfo.id).toBe(Number(token.split(":")[0]));
  });

  it("replies to /start with a deep-link payload and echoes text", async () => {
    const alice = emu.user({ first_name: "Alice" });
    alice.send("/start ref42");
    const welcome = await alice.nextMessage({ timeoutMs: 10_000 });
    expect(welcome.text).toBe("Welcome, Alice! payload=ref42");
    expect(welcome.from?.username).toBe("grammy_demo_bot");

    const hello = alice.send("hello there");
    const echo = await alice.nextMessage({ timeoutMs: 10_000 });
    expect(echo.text).toBe("echo: hello there");
    expect(echo.reply_to_message?.message_id).toBe(hello.message_id);
  });

  it("round-trips an inline button: callback answered and the message edited", async () => {
    const bob = emu.user({ first_name: "Bob" });
    bob.send("/menu");
    const menu = await bob.nextMessage({ timeoutMs: 10_000 });
    expect(menu.reply_markup?.inline_keyboard[0]?.map((b) => b.text)).toEqual(["Red", "Blue"]);

    const answered = emu.waitFor((e) => e?.type === "callback_answer" && e, { timeoutMs: 10_000 });
    const edited = emu.waitFor((e) => e?.type === "edit" && e.chatId === bob.id && e.message, {
      timeoutMs: 10_000,
    });
    const query = bob.click("Blue");
    expect((await answered).queryId).toBe(query.id);
    expect((await answered).text).toBe("You picked blue");
    expect((await edited).text).toBe("Colour: blue");
    expect(emu.chat(bob.id).messages.find((m) => m.message_id === menu.message_id)?.text).toBe(
      "Colour: blue",
    );
  });

  it("uploads a file with grammY's multipart encoder; getFile and the download path return it", async () => {
    const dave = emu.user({ first_name: "Dave" });
    dave.send("/doc");
    const doc = await dave.nextMessage({ timeoutMs: 10_000 });
    expect(doc.caption).toBe("a file");
    expect(doc.document?.file_name).toBe("hello.txt");
    const file = await bot.api.getFile(doc.document?.file_id as string);
    const res = await fetch(`${emu.apiRoot}/file/bot${token}/${file.file_path}`);
    expect(await res.text()).toBe("hello from grammY");
  });

  it("confirms what it handled: nothing stays queued", async () => {
    const carol = emu.user({ first_name: "Carol" });
    carol.send("one");
    carol.send("two");
    expect((await carol.nextMessage({ timeoutMs: 10_000 })).text).toBe("echo: one");
    expect((await carol.nextMessage({ timeoutMs: 10_000 })).text).toBe("echo: two");
    // grammY confirms with the next getUpdates offset.
    for (let i = 0; i < 500 && emu.pendingUpdates().length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(emu.pendingUpdates()).toEqual([]);
  });
});

describe("grammY's webhookCallback fed by the emulator's webhook delivery", () => {
  let emu: Emulator;
  let server: Server;

  afterAll(async () => {
    await emu.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("delivers with the secret header and runs the reply grammY puts in the webhook answer", async () => {
    emu = await createEmulator();
    const { token } = emu.createBot({ username: "grammy_hook_bot" });
    const bot = new Bot(token, {
      client: { apiRoot: emu.apiRoot, canUseWebhookReply: () => true },
    });
    bot.on("message:text", (ctx) => ctx.reply(`hook echo: ${ctx.message.text}`));
    await bot.init();
    server = createServer(webhookCallback(bot, "http", { secretToken: "hook_secret_1" }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    // A wrong secret: grammY answers 401, the emulator keeps the update and records the error.
    await bot.api.setWebhook(url, { secret_token: "wrong_secret" });
    const eve = emu.user({ first_name: "Eve" });
    eve.send("first");
    const failed = await emu.waitFor((e) => e?.type === "webhook_attempt" && e.error, {
      timeoutMs: 10_000,
    });
    expect(failed).toBe("Wrong response from the webhook: 401");
    expect((await bot.api.getWebhookInfo()).pending_update_count).toBe(1);

    // The right secret: the held update is redelivered and answered through the webhook reply.
    const httpCalls: string[] = [];
    const listen = (m: unknown) => httpCalls.push((m as { method: string }).method);
    callChannel.subscribe(listen);
    await bot.api.setWebhook(url, { secret_token: "hook_secret_1" });
    expect((await eve.nextMessage({ timeoutMs: 10_000 })).text).toBe("hook echo: first");
    eve.send("second");
    expect((await eve.nextMessage({ timeoutMs: 10_000 })).text).toBe("hook echo: second");
    callChannel.unsubscribe(listen);
    // The replies rode in the webhook answers: no sendMessage request reached the API over HTTP.
    expect(httpCalls).toEqual(["setWebhook"]);
    await bot.api.deleteWebhook();
  });
});
