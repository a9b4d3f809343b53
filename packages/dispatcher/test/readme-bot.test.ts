/**
 * Must-show: the bot of the package README, with formatted replies and the context shortcuts,
 * type-checks and runs against `@bot/emulator`. The handlers between the markers are the
 * README's lines; a test checks they are still there, word for word.
 */
import { readFileSync } from "node:fs";
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import type { MessageEntity } from "@bot/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bot, bold, deepLink, fmt, html, InlineKeyboard } from "../src/index.js";

const buildReport = async (): Promise<string> => "report: all good";

// biome-ignore format: these are the README's lines, verbatim
function readmeBot(bot: Bot): void {
  // README:begin
  bot.command("start", (ctx) => ctx.reply(fmt`Hi ${bold(ctx.from?.first_name ?? "")}! Payload: ${ctx.match}`));
  bot.command("invite", (ctx) => ctx.reply(deepLink(ctx.me, `ref_${ctx.from?.id}`)));
  bot.command("menu", (ctx) => ctx.reply(fmt`${bold("Menu")}`, { reply_markup: new InlineKeyboard().text("Page 2", "page:2") }));
  bot.command("pin", (ctx) => ctx.pinChatMessage());
  bot.command("report", (ctx) => ctx.withChatAction("typing", async () => ctx.reply(await buildReport())));
  bot.hears(/^order (\d+)$/, (ctx) => ctx.reply(html`Order <b>${ctx.match[1] ?? ""}</b> received`));
  bot.callbackQuery(/^page:(\d+)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(fmt`Page ${bold(ctx.match[1] ?? "")}`);
  });
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text)); // last: the commands above come first
  // README:end
}

let emu: Emulator;
let bot: Bot;
let alice: UserActor;
let polling: Promise<void>;
const errors: unknown[] = [];

beforeAll(async () => {
  emu = await createEmulator();
  const { token } = emu.createBot({ username: "readme_bot" });
  alice = emu.user({ first_name: "Alice" });
  bot = new Bot(token, { clientOptions: { apiRoot: emu.apiRoot, retry: false } });
  readmeBot(bot);
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start();
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
});

const kinds = (entities: readonly MessageEntity[] | undefined) =>
  (entities ?? []).map((e) => `${e.type}@${e.offset}+${e.length}`);
const next = () => alice.nextMessage({ timeoutMs: 5000 });

describe("the README bot against the emulator", () => {
  it("is the README's code, line for line", () => {
    const source = readFileSync(new URL(import.meta.url), "utf8");
    const body = source.slice(
      source.indexOf("// README:begin") + 15,
      source.indexOf("// README:end"),
    );
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of body.split("\n").map((l) => l.trim())) {
      if (line !== "") expect(readme).toContain(line);
    }
  });

  it("greets with formatted text, links, echoes, and registration order holds", async () => {
    alice.send("/start ref_1");
    const hi = await next();
    expect(hi.text).toBe("Hi Alice! Payload: ref_1");
    expect(kinds(hi.entities)).toEqual(["bold@3+5"]);
    alice.send("/invite");
    expect((await next()).text).toBe(`https://t.me/readme_bot?start=ref_${alice.id}`);
    alice.send("order 42");
    const order = await next();
    expect(order.text).toBe("Order 42 received");
    expect(kinds(order.entities)).toEqual(["bold@6+2"]);
    alice.send("hello");
    expect((await next()).text).toBe("hello");
  });

  it("edits the menu with formatted text from a button", async () => {
    alice.send("/menu");
    const menu = await next();
    expect(menu.text).toBe("Menu");
    alice.click("Page 2");
    const edited = await alice.nextEdit({ timeoutMs: 5000 });
    expect(edited.text).toBe("Page 2");
    expect(kinds(edited.entities)).toEqual(["bold@5+1"]);
  });

  it("pins the command's message and shows typing during slow work", async () => {
    alice.send("/pin"); // the emulator checks the message exists; a failure would reach bot.catch
    alice.send("/report");
    expect((await next()).text).toBe("report: all good");
    expect(emu.events().some((e) => e.type === "chat_action" && e.action === "typing")).toBe(true);
    expect(errors).toEqual([]);
  });
});
