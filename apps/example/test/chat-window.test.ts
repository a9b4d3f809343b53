// The emulator's chat window in a real Chromium (Debian's /usr/bin/chromium through
// playwright-core; no browser is downloaded). Screenshots go to apps/example/.artifacts/.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Bot,
  blockquote,
  bold,
  code,
  fmt,
  InlineKeyboard,
  italic,
  Keyboard,
  link,
  pre,
  spoiler,
  strikethrough,
  underline,
} from "@bot/dispatcher";
import { createEmulator, type Emulator } from "@bot/emulator";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleBot } from "../src/bot.ts";

const ARTIFACTS = fileURLToPath(new URL("../.artifacts/chat-window/", import.meta.url));
const TOKEN = "888001:chat-window-secret_XYZ123";
const SECRET = TOKEN.split(":")[1] as string;
/** A 2x2 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

let emu: Emulator;
let bot: Bot;
let polling: Promise<void>;
let browser: Browser;
let page: Page;
const bodies: string[] = [];
/** Console errors and uncaught exceptions of the page (a CSP violation shows up here). */
const problems: string[] = [];

function testBot(token: string, apiRoot: string): Bot {
  const b = new Bot(token, { clientOptions: { apiRoot } });
  b.command("start", (ctx) =>
    ctx.reply("Pick one", {
      reply_markup: new InlineKeyboard().text("Yes", "pick:yes").text("No", "pick:no"),
    }),
  );
  b.callbackQuery(/^pick:(\w+)$/, async (ctx) => {
    await ctx.editMessageText(`You picked ${ctx.match[1]}`);
    await ctx.answerCallbackQuery({ text: `Picked ${ctx.match[1]}` });
  });
  b.command("format", (ctx) => {
    const f = fmt`${bold(fmt`bold ${italic("both")}`)} ${italic("italic")} ${underline("under")} ${strikethrough("strike")} ${code("mono")} ${spoiler("secret")} ${link("site", "https://example.com/")}
${pre("const x = 1;", "ts")}${blockquote("quoted")}`;
    return ctx.reply(f.text, { entities: f.entities });
  });
  b.command("colours", (ctx) =>
    ctx.reply("Choose a colour", {
      reply_markup: new Keyboard().text("Red").text("Blue").oneTime(),
    }),
  );
  b.command("vanish", async (ctx) => {
    const m = await ctx.reply("Now you see me");
    await ctx.api.deleteMessage({ chat_id: m.chat.id, message_id: m.message_id });
  });
  b.command("share", (ctx) =>
    ctx.reply("Share something", {
      reply_markup: new Keyboard().requestContact("Share my phone").requestLocation("Share place"),
    }),
  );
  b.on("message:contact", (ctx) => ctx.reply(`Thanks, ${ctx.message.contact.phone_number}`));
  b.command("poll", (ctx) =>
    ctx.api.sendPoll({
      chat_id: ctx.chat.id,
      question: "Lunch?",
      options: [{ text: "Pizza" }, { text: "Soup" }],
      is_anonymous: false,
    }),
  );
  b.on("inline_query", (ctx) =>
    ctx.answerInlineQuery([
      {
        type: "article",
        id: "echo",
        title: `Echo ${ctx.inlineQuery.query}`,
        description: "sends the text back",
        input_message_content: { message_text: ctx.inlineQuery.query },
      },
    ]),
  );
  b.command("leak", (ctx) => ctx.reply(`my token is ${token}`));
  b.on("message:photo", (ctx) =>
    ctx.replyWithPhoto(ctx.message.photo.at(-1)?.file_id ?? "", { caption: "Nice photo" }),
  );
  b.on("message:text", (ctx) => ctx.reply(`You said ${ctx.message.text}`));
  return b;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  emu = await createEmulator({ ui: true });
  emu.createBot({ username: "window_bot", first_name: "Window", token: TOKEN });
  const alice = emu.user({ first_name: "Alice", username: "alice" });
  const bob = emu.user({ first_name: "Bob", username: "bob" });
  emu.group({ title: "Friends", members: [alice, bob] });
  bot = testBot(TOKEN, emu.apiRoot);
  await bot.init();
  await bot.api.setMyCommands({
    commands: [
      { command: "start", description: "Start" },
      { command: "format", description: "Formatting" },
    ],
  });
  polling = bot.start({ timeout: 5, signals: false });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
  page.setDefaultTimeout(10_000);
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("response", (res) => {
    if (res.url().endsWith("/ui/api/events")) return;
    res.text().then(
      (t) => bodies.push(t),
      () => {},
    );
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
  await polling;
  await bot?.api.close();
  await emu?.close();
});

/** The bits of the browser's `window` the page functions use (this project has no DOM types). */
type Win = { getComputedStyle(e: unknown): { getPropertyValue(p: string): string } };
type Img = { complete: boolean; naturalWidth: number };

const lastBot = () => page.locator(".message.bot").last();

async function send(text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

describe("the emulator's chat window in Chromium", () => {
  it("loads under a strict CSP and goes live", async () => {
    const res = await page.goto(emu.uiUrl ?? "");
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(res?.headers()["x-content-type-options"]).toBe("nosniff");
    await page.locator("#connection.live").waitFor();
    expect(await page.textContent("#chat-title")).toBe("Window (@window_bot)");
  });

  it("sends /start, clicks an inline button and sees the edit and the answer", async () => {
    await send("/start");
    await expect.poll(() => lastBot().textContent()).toContain("Pick one");
    const id = await lastBot().getAttribute("data-message-id");
    await lastBot().getByRole("button", { name: "Yes" }).click();
    const edited = page.locator(`.message[data-message-id="${id}"]`);
    await expect.poll(() => edited.locator(".text").textContent()).toBe("You picked yes");
    expect(await edited.locator(".edited").count()).toBe(1);
    expect(await edited.locator(".inline-keyboard").count()).toBe(0);
    await page.locator(".toast", { hasText: "Picked yes" }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}01-start-and-edit.png` });
  });

  it("uploads a photo and shows the one the bot sends back", async () => {
    await page.setInputFiles("#file-input", {
      name: "dot.png",
      mimeType: "image/png",
      buffer: PNG,
    });
    await expect.poll(() => lastBot().locator(".text").textContent()).toBe("Nice photo");
    const img = lastBot().locator("img.photo");
    await expect
      .poll(() =>
        img.evaluate((i) => (i as unknown as Img).complete && (i as unknown as Img).naturalWidth),
      )
      .toBe(2);
    expect(await page.locator(".message.out img.photo").count()).toBe(1);
    await page.setInputFiles("#file-input", {
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("hello"),
    });
    const doc = page.locator(".message.out a.document").last();
    await expect.poll(() => doc.textContent()).toContain("notes.txt");
    const href = (await doc.getAttribute("href")) ?? "";
    const file = await page.request.get(new URL(href, emu.url).href);
    expect(file.headers()["content-disposition"]).toMatch(/^attachment/);
    expect(await file.text()).toBe("hello");
    await page.screenshot({ path: `${ARTIFACTS}02-photo.png` });
  });

  it("renders entities as elements with the right styles", async () => {
    await page.click("#menu-button");
    const items = page.locator(".command-item .command-name");
    expect(await items.allTextContents()).toEqual(["/start", "/format"]);
    await page.locator(".command-item", { hasText: "/format" }).click();
    const text = lastBot().locator(".text");
    await text.locator("blockquote").waitFor();
    const style = (selector: string, prop: string) =>
      text
        .locator(selector)
        .first()
        .evaluate(
          (e, p) => (globalThis as unknown as Win).getComputedStyle(e).getPropertyValue(p),
          prop,
        );
    expect(await text.locator("strong").textContent()).toBe("bold both");
    expect(await text.locator("strong > em").textContent()).toBe("both");
    expect(Number(await style("strong", "font-weight"))).toBeGreaterThanOrEqual(600);
    expect(await style("em", "font-style")).toBe("italic");
    expect(await style("u", "text-decoration-line")).toContain("underline");
    expect(await style("s", "text-decoration-line")).toContain("line-through");
    expect(await style(":scope > code", "font-family")).toMatch(/mono/i);
    expect(await text.locator("pre code").getAttribute("data-language")).toBe("ts");
    expect(await text.locator("pre code").textContent()).toBe("const x = 1;");
    expect(await text.locator("a").getAttribute("href")).toBe("https://example.com/");
    expect(await text.locator("a").getAttribute("rel")).toBe("noopener noreferrer");
    expect(await style(".spoiler", "color")).toBe("rgba(0, 0, 0, 0)");
    await text.locator(".spoiler").click();
    expect(await style(".spoiler", "color")).not.toBe("rgba(0, 0, 0, 0)");
    expect(await style("blockquote", "border-left-style")).toBe("solid");
    await page.screenshot({ path: `${ARTIFACTS}03-formatting.png` });
  });

  it("shows the raw update and API call of a message on demand", async () => {
    await lastBot().locator(".raw-toggle").click();
    const raw = lastBot().locator("pre.raw");
    await expect.poll(() => raw.textContent()).toContain('"method": "sendMessage"');
    const mine = page.locator(".message.out").last();
    await mine.locator(".raw-toggle").click();
    await expect.poll(() => mine.locator("pre.raw").textContent()).toContain('"update_id"');
    await page.screenshot({ path: `${ARTIFACTS}04-raw.png` });
    await lastBot().locator(".raw-toggle").click();
    expect(await raw.count()).toBe(0);
  });

  it("shows a reply keyboard, a deletion, and never the token", async () => {
    await send("/colours");
    await page.locator("#reply-keyboard .reply-button", { hasText: "Red" }).click();
    await expect.poll(() => lastBot().locator(".text").textContent()).toBe("You said Red");
    expect(await page.locator("#reply-keyboard").isHidden()).toBe(true);
    await send("/vanish");
    await page.locator(".message.deleted", { hasText: "Message deleted" }).waitFor();
    await send("<b>not bold</b><img src=x>");
    await expect
      .poll(() => lastBot().locator(".text").textContent())
      .toBe("You said <b>not bold</b><img src=x>");
    expect(await lastBot().locator(".text b, .text img").count()).toBe(0);
    await send("/leak");
    await expect
      .poll(() => lastBot().locator(".text").textContent())
      .toBe("my token is [bot token]");
    expect(await page.content()).not.toContain(SECRET);
    await page.screenshot({ path: `${ARTIFACTS}05-keyboard-delete.png` });
    expect(bodies.length).toBeGreaterThan(5);
    for (const b of bodies) expect(b).not.toContain(SECRET);
  });

  it("switches to another user in a group", async () => {
    await page.selectOption("#user-select", { label: "Bob (@bob)" });
    await page.locator(".chat-item", { hasText: "Friends" }).click();
    await expect.poll(() => page.textContent("#chat-title")).toBe("Friends");
    await send("hello from Bob");
    await expect
      .poll(() => lastBot().locator(".text").textContent())
      .toBe("You said hello from Bob");
    expect(await page.locator(".message.out .text").last().textContent()).toBe("hello from Bob");
    await page.selectOption("#user-select", { label: "Alice (@alice)" });
    const bobs = page.locator(".message.in:not(.bot)").last();
    await expect.poll(() => bobs.locator(".sender").textContent()).toBe("Bob");
    await page.screenshot({ path: `${ARTIFACTS}06-group.png` });
  });

  it("votes in a poll and shares a contact from a reply keyboard", async () => {
    await send("/poll");
    const poll = lastBot().locator(".poll");
    await poll.waitFor();
    expect(await poll.locator(".poll-question").textContent()).toBe("Lunch?");
    await poll.locator(".poll-option", { hasText: "Soup" }).click();
    await expect
      .poll(() =>
        lastBot().locator(".poll-option", { hasText: "Soup" }).locator(".poll-count").textContent(),
      )
      .toBe("1 · 100%");
    expect(await lastBot().locator(".poll-total").textContent()).toBe("1 voted");
    await page.locator(".chat-item", { hasText: "Window" }).click();
    await send("/share");
    await page.locator("#reply-keyboard .reply-button", { hasText: "Share my phone" }).click();
    await expect
      .poll(() => lastBot().locator(".text").textContent())
      .toMatch(/^Thanks, \+1555\d+$/);
    expect(await page.locator(".message.out .media-label").last().textContent()).toContain(
      "[Contact] Alice",
    );
    await page.screenshot({ path: `${ARTIFACTS}07-poll-contact.png` });
  });

  it("builds overlapping, nested and hostile entities safely", async () => {
    // A string, so that neither Vite nor tsc touch the browser-side code.
    const html = (await page.evaluate(`(async () => {
      const { renderText } = await import("/ui/render.js");
      const render = (text, entities) => {
        const box = document.createElement("div");
        box.append(renderText(text, entities));
        return box.innerHTML;
      };
      return {
        overlap: render("abcdef", [
          { type: "bold", offset: 0, length: 4 },
          { type: "italic", offset: 2, length: 4 },
        ]),
        astral: render("😀 bold", [{ type: "bold", offset: 3, length: 4 }]),
        hostile: render("click <b>", [
          { type: "text_link", offset: 0, length: 5, url: "javascript:alert(1)" },
          { type: "bold", offset: 99, length: 3 },
          { type: "underline", offset: 6, length: -2 },
        ]),
        url: render("see example.com/x", [{ type: "url", offset: 4, length: 13 }]),
      };
    })()`)) as Record<string, string>;
    expect(html.overlap).toBe("<strong>ab<em>cd</em></strong><em>ef</em>");
    expect(html.astral).toBe("😀 <strong>bold</strong>");
    expect(html.hostile).toBe('<span class="entity-link">click</span> &lt;b&gt;');
    expect(html.url).toBe(
      'see <a href="http://example.com/x" target="_blank" rel="noopener noreferrer">example.com/x</a>',
    );
  });

  it("replies to a message", async () => {
    const target = page.locator(".message.bot").last();
    await target.locator(".reply-action").click();
    expect(await page.textContent("#replying-text")).toMatch(/^Reply to Window: /);
    await send("this is a reply");
    const mine = page.locator(".message.out").last();
    await expect.poll(() => mine.locator(".reply-to strong").textContent()).toBe("Window");
    expect(await page.locator("#replying").isHidden()).toBe(true);
    await expect
      .poll(() => lastBot().locator(".text").textContent())
      .toBe("You said this is a reply");
    await page.screenshot({ path: `${ARTIFACTS}09-reply.png` });
  });

  it("previews inline results while typing @bot query", async () => {
    await page.fill("#text", "");
    await page.locator("#text").pressSequentially("@window_bot kittens");
    const result = page.locator("#inline-results .inline-result-title");
    await expect.poll(() => result.first().textContent()).toBe("Echo kittens");
    await page.screenshot({ path: `${ARTIFACTS}10-inline.png` });
    await page.fill("#text", "");
    await page.locator("#text").dispatchEvent("input");
    expect(await page.locator("#inline-results").isHidden()).toBe(true);
  });

  it("ran without a console error or a CSP violation", () => {
    expect(problems).toEqual([]);
  });

  it("opens with `pnpm example --ui`: prints the URL, keeps running, stops on Ctrl-C", async () => {
    const child = spawn(
      process.execPath,
      ["--conditions=@bot/source", "--import", "tsx", "src/main.ts", "--ui"],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: { ...process.env, BOT_TOKEN: "", DEMO_INTERACTIVE: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    const exited = new Promise<number | null>((r) => child.on("exit", r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /Chat window: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.stderr.on("data", (d: Buffer) => {
          out += d.toString();
        });
        void exited.then(() => reject(new Error(`example exited: ${out}`)));
      });
      const p = await browser.newPage();
      await p.goto(url);
      await p.locator("#connection.live").waitFor();
      // The scripted conversation is there, and the command menu comes from setMyCommands.
      await expect
        .poll(() => p.locator(".message.bot .text").last().textContent())
        .toBe("Hello, echo!");
      expect(await p.locator("#menu-button").isVisible()).toBe(true);
      expect(await p.locator(".chat-item", { hasText: "Example group" }).count()).toBe(1);
      await p.screenshot({ path: `${ARTIFACTS}08-example-ui.png` });
      await p.close();
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode).toBeNull();
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(out).toContain("Demo finished.");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  it("works with the example bot too", async () => {
    const other = await createEmulator({ ui: true });
    try {
      const b = other.createBot({ username: "example_bot" });
      other.user({ first_name: "Alice" });
      const { bot: example } = createExampleBot(b.token, {
        bot: { clientOptions: { apiRoot: other.apiRoot } },
      });
      await example.init();
      const run = example.start({ timeout: 5, signals: false });
      const p = await browser.newPage();
      await p.goto(other.uiUrl ?? "");
      await p.locator("#connection.live").waitFor();
      await p.fill("#text", "/menu");
      await p.press("#text", "Enter");
      const menu = p.locator(".message.bot").last();
      await menu.getByRole("button", { name: "➕" }).click();
      await expect.poll(() => menu.locator(".text").textContent()).toBe("Counter: 1");
      await p.close();
      await example.stop();
      await run;
      await example.api.close();
    } finally {
      await other.close();
    }
  });
});
