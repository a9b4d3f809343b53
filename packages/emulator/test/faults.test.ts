import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEmulator,
  type Emulator,
  type EmulatorBot,
  ManualClock,
  type UserActor,
} from "../src/index.js";
import { call, ok, settled } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2030, 0, 1));
  emu = await createEmulator({ clock });
  bot = emu.createBot({ username: "fault_bot" });
  alice = emu.user({ first_name: "Alice" });
  alice.send("/start");
});
afterEach(() => emu.close());

const send = (text: string) => call(emu, bot.token, "sendMessage", { chat_id: alice.id, text });
const botTexts = () =>
  emu
    .chat(alice.id)
    .messages.filter((m) => m.from?.is_bot)
    .map((m) => m.text);

describe("fault injection", () => {
  it("429 with retry_after in the body and a Retry-After header, without running the method", async () => {
    const fault = emu.inject({ method: "sendMessage", fault: { type: "flood", retryAfter: 7 } });
    const a = await send("flooded");
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("7");
    expect(a.body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 7",
      parameters: { retry_after: 7 },
    });
    expect(botTexts()).toEqual([]);
    expect(fault.hits).toBe(1);
    expect((await send("next one passes")).status).toBe(200);
    expect(botTexts()).toEqual(["next one passes"]);
  });

  it("5xx before the effect by default", async () => {
    emu.inject({
      method: "sendmessage",
      fault: { type: "server", status: 502, description: "Bad Gateway" },
    });
    const a = await send("lost");
    expect(a.status).toBe(502);
    expect(a.body).toEqual({ ok: false, error_code: 502, description: "Bad Gateway" });
    expect(botTexts()).toEqual([]);
  });

  it("5xx after the effect when asked", async () => {
    emu.inject({ method: "sendMessage", fault: { type: "server", when: "after" } });
    const a = await send("stored anyway");
    expect(a.status).toBe(500);
    expect(a.body).toEqual({ ok: false, error_code: 500, description: "Internal Server Error" });
    expect(botTexts()).toEqual(["stored anyway"]);
  });

  it("drops the connection after the request was accepted: the message exists, no answer came", async () => {
    emu.inject({ method: "sendMessage", fault: { type: "drop" } });
    await expect(send("ghost")).rejects.toThrow();
    expect(botTexts()).toEqual(["ghost"]);
  });

  it("drops the connection before the effect when asked", async () => {
    emu.inject({ method: "sendMessage", fault: { type: "drop", when: "before" } });
    await expect(send("never")).rejects.toThrow();
    expect(botTexts()).toEqual([]);
  });

  it("slows a response: the effect happens, the answer comes later", async () => {
    emu.inject({ method: "sendMessage", fault: { type: "slow", delayMs: 400 } });
    const pending = send("slowly");
    const event = await emu.waitFor((e) => e?.type === "message" && e);
    expect(event && event.type === "message" ? event.message.text : undefined).toBe("slowly");
    expect(await settled(pending)).toBe(false);
    expect((await pending).status).toBe(200);
  });

  it("targets calls by times, skip, token and parameters", async () => {
    const other = emu.createBot({ username: "other_bot" });
    emu.inject({
      method: "getMe",
      token: other.token,
      fault: { type: "server" },
      times: Number.POSITIVE_INFINITY,
    });
    expect((await call(emu, bot.token, "getMe")).status).toBe(200);
    expect((await call(emu, other.token, "getMe")).status).toBe(500);
    expect((await call(emu, other.token, "getMe")).status).toBe(500);

    const second = emu.inject({
      method: "sendMessage",
      skip: 1,
      times: 2,
      fault: { type: "flood", retryAfter: 1 },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(`n${i}`)).status);
    expect(statuses).toEqual([200, 429, 429, 200]);
    expect(second.hits).toBe(2);

    const byText = emu.inject({
      method: "sendMessage",
      match: (p) => p.text === "bad",
      fault: { type: "server" },
    });
    expect((await send("good")).status).toBe(200);
    expect((await send("bad")).status).toBe(500);
    byText.remove();
    emu.inject({ fault: { type: "flood", retryAfter: 3 } });
    expect((await call(emu, bot.token, "getChat", { chat_id: alice.id })).status).toBe(429);
    emu.clearFaults();
  });
});

describe("clock", () => {
  it("dates messages from the injected clock, which tests can move", async () => {
    const first = await ok<{ date: number }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "t0",
    });
    expect(first.date).toBe(Date.UTC(2030, 0, 1) / 1000);
    clock.advance(90_000);
    const later = await ok<{ date: number }>(emu, bot.token, "sendMessage", {
      chat_id: alice.id,
      text: "t1",
    });
    expect(later.date).toBe(Date.UTC(2030, 0, 1) / 1000 + 90);
    expect(alice.send("user side").date).toBe(later.date);
  });
});
