import { request } from "node:http";
import type { Message, Update } from "@bot/types";
import { afterEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { ok } from "./helpers.js";

const TOKEN = "777001:ui-test-secret-token_ABC";
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

const emulators: Emulator[] = [];
afterEach(async () => {
  for (const e of emulators.splice(0)) await e.close();
});

async function setup() {
  const emu = await createEmulator({ ui: true });
  emulators.push(emu);
  const bot = emu.createBot({ username: "ui_bot", token: TOKEN });
  const alice = emu.user({ first_name: "Alice", language_code: "en" });
  const bob = emu.user({ first_name: "Bob" });
  const group = emu.group({ title: "Friends", members: [alice, bob] });
  return { emu, bot, alice, bob, group };
}

/** Every body the page got, to check that no token is in any of them. */
const seen: string[] = [];

async function get(emu: Emulator, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}${path}`, { headers });
  const text = await res.text();
  seen.push(text);
  return { res, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

async function post(
  emu: Emulator,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${emu.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-emulator-ui": "1", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
}

/** Reads server-sent events until `count` data frames arrived. */
function events(emu: Emulator): {
  frames: Record<string, unknown>[];
  next(n: number): Promise<void>;
  close(): void;
} {
  const frames: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buffer = "";
  const req = request(`${emu.url}/ui/api/events`, (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      seen.push(chunk);
      let i = buffer.indexOf("\n\n");
      while (i >= 0) {
        const frame = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = frame.split("\n").find((l) => l.startsWith("data: "));
        if (data !== undefined) frames.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
        i = buffer.indexOf("\n\n");
      }
      for (const w of waiters.splice(0)) w();
    });
  });
  req.on("error", () => {});
  req.end();
  return {
    frames,
    next: (n) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${frames.length} events`)), 5_000);
        const check = () => {
          if (frames.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
    close: () => req.destroy(),
  };
}

describe("the chat window (createEmulator({ ui: true }))", () => {
  it("is off by default: no page, no uiUrl", async () => {
    const emu = await createEmulator();
    emulators.push(emu);
    expect(emu.uiUrl).toBeUndefined();
    expect((await fetch(`${emu.url}/`)).status).toBe(404);
    expect((await fetch(`${emu.url}/ui/api/state`)).status).toBe(404);
  });

  it("serves the page with a strict CSP and no inline script or style", async () => {
    const { emu } = await setup();
    expect(emu.uiUrl).toBe(`${emu.url}/`);
    const page = await get(emu, "/");
    expect(page.res.status).toBe(200);
    const csp = page.res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.text).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
    for (const asset of ["/ui/app.js", "/ui/render.js", "/ui/style.css"]) {
      const a = await get(emu, asset);
      expect(a.res.status, asset).toBe(200);
      expect(a.res.headers.get("content-security-policy")).toBe(csp);
    }
    expect((await get(emu, "/ui/app.js")).text).not.toContain("innerHTML");
    expect((await get(emu, "/ui/render.js")).text).not.toContain("innerHTML");
    expect((await get(emu, "/ui/../src/ui.ts")).res.status).toBe(404);
    expect((await get(emu, "/ui/nope.js")).res.status).toBe(404);
  });

  it("lists bots by id and users and groups, never a token", async () => {
    const { emu, bot, alice, group } = await setup();
    const state = (await get(emu, "/ui/api/state")).json();
    expect(state.bots).toEqual([{ id: bot.id, username: "ui_bot", first_name: "ui_bot" }]);
    expect(state.defaultBot).toBe(bot.id);
    expect((state.users as { id: number }[]).map((u) => u.id)).toContain(alice.id);
    expect(state.chats).toMatchObject([{ id: group.id, type: "group", title: "Friends" }]);
  });

  it("acts as a user: text, photo and document reach the bot as updates, with their raw update kept", async () => {
    const { emu, bot, alice, group, bob } = await setup();
    const sent = await post(emu, "/ui/api/send", {
      bot: bot.id,
      user: alice.id,
      chat: alice.id,
      text: "/start hi",
    });
    expect(sent).toEqual({ status: 200, body: { message_id: 1 } });
    const inGroup = await post(emu, "/ui/api/send", {
      bot: bot.id,
      user: bob.id,
      chat: group.id,
      text: "hello all",
    });
    expect(inGroup.status).toBe(200);
    const form = new FormData();
    for (const [k, v] of Object.entries({
      bot: bot.id,
      user: alice.id,
      chat: alice.id,
      caption: "look",
    }))
      form.append(k, String(v));
    form.append("file", new Blob([PNG], { type: "image/png" }), "dot.png");
    const photo = await fetch(`${emu.url}/ui/api/upload`, {
      method: "POST",
      headers: { "x-emulator-ui": "1" },
      body: form,
    });
    expect(photo.status).toBe(200);
    const doc = new FormData();
    for (const [k, v] of Object.entries({ bot: bot.id, user: alice.id, chat: alice.id }))
      doc.append(k, String(v));
    doc.append("file", new Blob(["<svg onload=alert(1)/>"], { type: "image/svg+xml" }), "x.svg");
    expect(
      (
        await fetch(`${emu.url}/ui/api/upload`, {
          method: "POST",
          headers: { "x-emulator-ui": "1" },
          body: doc,
        })
      ).status,
    ).toBe(200);

    const updates = await ok<Update[]>(emu, bot.token, "getUpdates");
    expect(updates.map((u) => u.message?.text ?? u.message?.caption)).toEqual([
      "/start hi",
      "hello all",
      "look",
      undefined,
    ]);
    expect(updates[0]?.message?.from?.id).toBe(alice.id);
    expect(updates[0]?.message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    expect(updates[1]?.message?.chat.id).toBe(group.id);
    expect(updates[2]?.message?.photo?.[0]?.width).toBe(1);
    expect(updates[3]?.message?.document?.file_name).toBe("x.svg");

    const trace = (await get(emu, `/ui/api/trace?bot=${bot.id}&chat=${alice.id}&message=1`)).json();
    expect((trace.updates as Update[])[0]?.update_id).toBe(updates[0]?.update_id);

    // A photo is shown inline; anything else (an SVG could run script) is a download.
    const png = await fetch(`${emu.url}/ui/api/files/${updates[2]?.message?.photo?.[0]?.file_id}`);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await png.arrayBuffer())).toEqual(PNG);
    const svg = await fetch(`${emu.url}/ui/api/files/${updates[3]?.message?.document?.file_id}`);
    expect(svg.headers.get("content-type")).toBe("application/octet-stream");
    expect(svg.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(svg.headers.get("content-security-policy")).toContain("sandbox");
    expect((await fetch(`${emu.url}/ui/api/files/nope`)).status).toBe(404);
    expect((await fetch(`${emu.url}/ui/api/files/%E0%A4%A`)).status).toBe(400);
  });

  it("shows what the bot does live: messages with their API call, reply keyboards, edits, deletions, answers", async () => {
    const { emu, bot, alice } = await setup();
    const stream = events(emu);
    await new Promise((r) => setTimeout(r, 100));
    await post(emu, "/ui/api/send", { bot: bot.id, user: alice.id, chat: alice.id, text: "/menu" });
    const reply = await ok<Message>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "<b>Pick</b>",
      parse_mode: "HTML",
      reply_markup: { inline_keyboard: [[{ text: "Yes", callback_data: "pick:yes" }]] },
    });
    await ok(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "Colours?",
      reply_markup: JSON.stringify({ keyboard: [["Red", "Blue"]], one_time_keyboard: true }),
    });
    const click = await post(emu, "/ui/api/click", {
      bot: bot.id,
      user: alice.id,
      chat: alice.id,
      message: reply.message_id,
      data: "pick:yes",
    });
    expect(click.status).toBe(200);
    const updates = await ok<Update[]>(emu, bot.token, "getUpdates");
    const query = updates.find((u) => u.callback_query)?.callback_query;
    expect(query?.data).toBe("pick:yes");
    expect(query?.id).toBe(click.body.queryId);
    await ok(emu, bot.token, "answerCallbackQuery", {
      callback_query_id: query?.id,
      text: "Yes it is",
    });
    await ok(emu, bot.token, "editMessageText", {
      chat_id: alice.id,
      message_id: reply.message_id,
      text: "Picked",
    });
    await ok(emu, bot.token, "deleteMessage", { chat_id: alice.id, message_id: reply.message_id });
    await ok(emu, bot.token, "setMyCommands", {
      commands: [{ command: "menu", description: "Menu" }],
    });
    await ok(emu, bot.token, "sendChatAction", { chat_id: alice.id, action: "typing" });
    await stream.next(8);
    stream.close();
    expect(stream.frames.map((f) => f.type)).toEqual([
      "message",
      "message",
      "message",
      "callback_answer",
      "edit",
      "delete",
      "commands",
      "chat_action",
    ]);
    expect(stream.frames[7]).toMatchObject({ chatId: alice.id, action: "typing" });
    const [, pick, colours, answer, edit, del] = stream.frames;
    expect((pick as { message: Message }).message.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
    ]);
    expect(colours?.keyboard).toEqual({ keyboard: [["Red", "Blue"]], one_time_keyboard: true });
    expect(answer).toMatchObject({ queryId: query?.id, text: "Yes it is", showAlert: false });
    expect((edit as { message: Message }).message.text).toBe("Picked");
    expect(del).toMatchObject({ type: "delete", messageId: reply.message_id });

    const chat = (
      await get(emu, `/ui/api/chat?bot=${bot.id}&chat=${alice.id}&user=${alice.id}`)
    ).json();
    expect((chat.messages as Message[]).map((m) => m.text)).toEqual(["/menu", "Colours?"]);
    expect(chat.keyboard).toEqual({ keyboard: [["Red", "Blue"]], one_time_keyboard: true });
    expect(chat.commands).toEqual([{ command: "menu", description: "Menu" }]);

    const trace = (
      await get(emu, `/ui/api/trace?bot=${bot.id}&chat=${alice.id}&message=${reply.message_id}`)
    ).json();
    expect((trace.calls as { method: string }[]).map((c) => c.method)).toEqual([
      "sendMessage",
      "editMessageText",
      "deleteMessage",
    ]);
    expect((trace.calls as { params: Record<string, unknown> }[])[0]?.params).toMatchObject({
      text: "<b>Pick</b>",
      parse_mode: "HTML",
    });
    expect((trace.updates as Update[])[0]?.callback_query?.data).toBe("pick:yes");
  });

  it("picks the command menu by scope and language like Telegram", async () => {
    const { emu, bot, alice, group } = await setup();
    await ok(emu, bot.token, "setMyCommands", {
      commands: [{ command: "a", description: "default" }],
    });
    await ok(emu, bot.token, "setMyCommands", {
      commands: [{ command: "b", description: "groups" }],
      scope: { type: "all_group_chats" },
    });
    await ok(emu, bot.token, "setMyCommands", {
      commands: [{ command: "c", description: "english private" }],
      scope: { type: "all_private_chats" },
      language_code: "en",
    });
    await ok(emu, bot.token, "setMyCommands", {
      commands: [{ command: "d", description: "this group" }],
      scope: { type: "chat", chat_id: group.id },
    });
    const menu = async (chat: number, user: number) =>
      (
        (await get(emu, `/ui/api/chat?bot=${bot.id}&chat=${chat}&user=${user}`)).json()
          .commands as { command: string }[]
      ).map((c) => c.command);
    expect(await menu(alice.id, alice.id)).toEqual(["c"]);
    expect(await menu(group.id, alice.id)).toEqual(["d"]);
    await ok(emu, bot.token, "deleteMyCommands", { scope: { type: "chat", chat_id: group.id } });
    expect(await menu(group.id, alice.id)).toEqual(["b"]);
  });

  it("never hands the page a token, even when the bot sends its own", async () => {
    const { emu, bot, alice } = await setup();
    const stream = events(emu);
    await new Promise((r) => setTimeout(r, 100));
    await post(emu, "/ui/api/send", { bot: bot.id, user: alice.id, chat: alice.id, text: "hi" });
    const leak = await ok<Message>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: `my token is ${TOKEN}`,
    });
    await stream.next(2);
    stream.close();
    const chat = await get(emu, `/ui/api/chat?bot=${bot.id}&chat=${alice.id}&user=${alice.id}`);
    expect(chat.text).toContain("my token is [bot token]");
    await get(emu, `/ui/api/trace?bot=${bot.id}&chat=${alice.id}&message=${leak.message_id}`);
    await get(emu, "/ui/api/state");
    await get(emu, "/");
    for (const body of seen) expect(body).not.toContain(TOKEN.split(":")[1]);
  });

  it("refuses cross-site requests and foreign host names, and answers bad input with 4xx", async () => {
    const { emu, bot, alice } = await setup();
    const body = { bot: bot.id, user: alice.id, chat: alice.id, text: "x" };
    const noHeader = await fetch(`${emu.url}/ui/api/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(noHeader.status).toBe(403);
    expect((await post(emu, "/ui/api/send", body, { origin: "http://evil.example" })).status).toBe(
      403,
    );
    expect((await post(emu, "/ui/api/send", body, { "sec-fetch-site": "cross-site" })).status).toBe(
      403,
    );
    // DNS rebinding: a page on another name that resolves to 127.0.0.1.
    const rebound = await new Promise<number>((resolve) => {
      request(`${emu.url}/ui/api/state`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(rebound).toBe(403);
    expect(await ok(emu, bot.token, "getUpdates")).toEqual([]);

    const bad = [
      { ...body, text: "" },
      { ...body, text: 5 },
      { ...body, user: "x" },
      { ...body, user: 1 },
      { ...body, user: bot.id },
      { ...body, bot: 12 },
      { ...body, chat: -1 },
    ];
    for (const b of bad) {
      const r = await post(emu, "/ui/api/send", b);
      expect(r.status, JSON.stringify(b)).toBeGreaterThanOrEqual(400);
      expect(r.status, JSON.stringify(b)).toBeLessThan(500);
    }
    expect((await post(emu, "/ui/api/click", { ...body, message: 99, data: "x" })).status).toBe(
      404,
    );
    const raw = await fetch(`${emu.url}/ui/api/send`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-emulator-ui": "1" },
      body: "{nope",
    });
    expect(raw.status).toBe(400);
    expect((await fetch(`${emu.url}/ui/api/state`, { method: "DELETE" })).status).toBe(405);
    expect((await get(emu, "/ui/api/chat?bot=abc&chat=1")).res.status).toBe(400);
  });

  it("adds users and groups from the page", async () => {
    const { emu, bot, alice } = await setup();
    const carol = await post(emu, "/ui/api/users", { first_name: "Carol", username: "carol" });
    expect(carol.status).toBe(200);
    const g = await post(emu, "/ui/api/groups", {
      bot: bot.id,
      title: "Trio",
      members: [alice.id, carol.body.id],
    });
    expect(g.status).toBe(200);
    await post(emu, "/ui/api/send", {
      bot: bot.id,
      user: carol.body.id,
      chat: g.body.id,
      text: "hey",
    });
    const [u] = await ok<Update[]>(emu, bot.token, "getUpdates");
    expect(u?.message).toMatchObject({ text: "hey", chat: { id: g.body.id, title: "Trio" } });
    expect((await post(emu, "/ui/api/users", { first_name: "" })).status).toBe(400);
    expect(
      (await post(emu, "/ui/api/groups", { bot: bot.id, title: "x", members: [] })).status,
    ).toBe(400);
  });

  it("votes in polls and shares a contact or a location, as the reply-keyboard buttons do", async () => {
    const { emu, bot, alice, group, bob } = await setup();
    const poll = await ok<Message>(emu, bot.token, "sendPoll", {
      chat_id: group.id,
      question: "Lunch?",
      options: [{ text: "Pizza" }, { text: "Soup" }],
      is_anonymous: false,
    });
    const stream = events(emu);
    await new Promise((r) => setTimeout(r, 100));
    const vote = await post(emu, "/ui/api/vote", {
      bot: bot.id,
      user: bob.id,
      chat: group.id,
      message: poll.message_id,
      options: [1],
    });
    expect(vote).toEqual({ status: 200, body: { total_voter_count: 1 } });
    await stream.next(1);
    stream.close();
    expect(stream.frames[0]).toMatchObject({ type: "edit", chatId: group.id });
    expect((stream.frames[0] as { message: Message }).message.poll?.options[1]?.voter_count).toBe(
      1,
    );
    const trace = (
      await get(emu, `/ui/api/trace?bot=${bot.id}&chat=${group.id}&message=${poll.message_id}`)
    ).json();
    expect((trace.updates as Update[]).map((u) => Object.keys(u)[1])).toEqual([
      "poll_answer",
      "poll",
    ]);
    expect((trace.calls as { method: string }[]).map((c) => c.method)).toEqual(["sendPoll"]);
    const bad = { bot: bot.id, user: bob.id, chat: group.id, message: poll.message_id };
    expect((await post(emu, "/ui/api/vote", { ...bad, options: [7] })).status).toBe(400);
    expect((await post(emu, "/ui/api/vote", { ...bad, options: "0" })).status).toBe(400);
    expect((await post(emu, "/ui/api/vote", { ...bad, message: 999, options: [0] })).status).toBe(
      404,
    );

    expect(
      (
        await post(emu, "/ui/api/share", {
          bot: bot.id,
          user: alice.id,
          chat: alice.id,
          what: "contact",
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post(emu, "/ui/api/share", {
          bot: bot.id,
          user: alice.id,
          chat: alice.id,
          what: "location",
        })
      ).status,
    ).toBe(200);
    expect(
      (await post(emu, "/ui/api/share", { bot: bot.id, user: alice.id, chat: alice.id, what: "x" }))
        .status,
    ).toBe(400);
    const updates = await ok<Update[]>(emu, bot.token, "getUpdates");
    const shared = updates.filter((u) => u.message?.chat.id === alice.id).map((u) => u.message);
    expect(shared[0]?.contact).toMatchObject({ user_id: alice.id, first_name: "Alice" });
    expect(shared[1]?.location).toMatchObject({ latitude: 51.5007, longitude: -0.1246 });
  });

  it("types inline queries and streams the bot's answer", async () => {
    const { emu, bot, alice } = await setup();
    const stream = events(emu);
    await new Promise((r) => setTimeout(r, 100));
    const typed = await post(emu, "/ui/api/inline", { bot: bot.id, user: alice.id, query: "cats" });
    expect(typed.status).toBe(200);
    const [u] = await ok<Update[]>(emu, bot.token, "getUpdates");
    expect(u?.inline_query).toMatchObject({ id: typed.body.queryId, query: "cats" });
    const results = [
      { type: "article", id: "1", title: "Cats", input_message_content: { message_text: "cats" } },
    ];
    await ok(emu, bot.token, "answerInlineQuery", {
      inline_query_id: u?.inline_query?.id,
      results,
    });
    await stream.next(1);
    stream.close();
    expect(stream.frames[0]).toEqual({
      type: "inline_answer",
      botId: bot.id,
      queryId: typed.body.queryId,
      results,
    });
    expect(
      (await post(emu, "/ui/api/inline", { bot: bot.id, user: alice.id, query: 5 })).status,
    ).toBe(400);
  });

  it("validates the option", async () => {
    await expect(createEmulator({ ui: "yes" as unknown as boolean })).rejects.toThrow(
      /ui must be a boolean/,
    );
  });
});
