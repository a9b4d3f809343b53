import type { Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CONFLICT,
  createEmulator,
  type Emulator,
  type EmulatorBot,
  type UserActor,
} from "../src/index.js";
import { call, ok, settled } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "poll_bot" });
  alice = emu.user({ first_name: "Alice" });
});
afterEach(() => emu.close());

const texts = (updates: Update[]) => updates.map((u) => u.message?.text);
const getUpdates = (params: Record<string, unknown> = {}) =>
  ok<Update[]>(emu, bot.token, "getUpdates", params);

describe("getUpdates offsets (FACTS §4)", () => {
  it("returns unconfirmed updates again until an offset above their id confirms them", async () => {
    alice.send("one");
    alice.send("two");
    const first = await getUpdates();
    expect(texts(first)).toEqual(["one", "two"]);
    expect((first[1] as Update).update_id).toBe((first[0] as Update).update_id + 1);
    expect(texts(await getUpdates())).toEqual(["one", "two"]);
    const next = await getUpdates({ offset: (first[0] as Update).update_id + 1 });
    expect(texts(next)).toEqual(["two"]);
    expect(texts(await getUpdates())).toEqual(["two"]);
    expect(await getUpdates({ offset: (first[1] as Update).update_id + 1 })).toEqual([]);
    expect(emu.pendingUpdates(bot)).toEqual([]);
  });

  it("keeps only the last N updates for a negative offset", async () => {
    for (const t of ["a", "b", "c", "d"]) alice.send(t);
    expect(texts(await getUpdates({ offset: -2 }))).toEqual(["c", "d"]);
    expect(texts(await getUpdates())).toEqual(["c", "d"]);
  });

  it("honours limit", async () => {
    for (const t of ["a", "b", "c"]) alice.send(t);
    expect(texts(await getUpdates({ limit: 2 }))).toEqual(["a", "b"]);
    expect(texts(await getUpdates({ limit: "1" }))).toEqual(["a"]);
  });

  it("long polling waits and returns as soon as an update arrives", async () => {
    const pending = getUpdates({ timeout: 30 });
    expect(await settled(pending)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(await settled(pending)).toBe(false);
    alice.send("wake up");
    expect(texts(await pending)).toEqual(["wake up"]);
  });

  it("a long poll with nothing to deliver answers an empty list at its timeout", async () => {
    expect(await getUpdates({ timeout: 1 })).toEqual([]);
  });
});

describe("allowed_updates (sticky, FACTS §4)", () => {
  it("by default leaves out chat_member; naming it opts in; the filter sticks", async () => {
    const group = emu.group({ title: "G", members: [alice] });
    const bob = emu.user({ first_name: "Bob" });
    bob.join(group);
    const kinds = (us: Update[]) => us.map((u) => Object.keys(u).find((k) => k !== "update_id"));
    const first = await getUpdates();
    expect(kinds(first)).toEqual(["message"]);
    await getUpdates({
      offset: (first.at(-1) as Update).update_id + 1,
      allowed_updates: ["chat_member", "callback_query"],
    });
    const carol = emu.user({ first_name: "Carol" });
    carol.join(group);
    alice.send("text is filtered out now", { chat: group });
    expect(kinds(await getUpdates())).toEqual(["chat_member"]);
    const later = await getUpdates({ allowed_updates: [] });
    expect(kinds(later)).toEqual(["chat_member"]);
    alice.send("back to default", { chat: group });
    expect(kinds(await getUpdates({ offset: (later.at(-1) as Update).update_id + 1 }))).toEqual([
      "message",
    ]);
  });

  it("accepts allowed_updates as a JSON string in a form body", async () => {
    await fetch(`${emu.apiRoot}/bot${bot.token}/getUpdates`, {
      method: "POST",
      body: new URLSearchParams({ allowed_updates: '["callback_query"]' }),
    });
    alice.send("ignored");
    expect(await getUpdates()).toEqual([]);
  });
});

describe("409 conflicts (FACTS §4)", () => {
  it("ends the older long poll when a second poller comes", async () => {
    const older = call(emu, bot.token, "getUpdates", { timeout: 30 });
    await new Promise((r) => setTimeout(r, 50));
    const newer = getUpdates({ timeout: 30 });
    const a = await older;
    expect(a.status).toBe(409);
    expect(a.body).toEqual({ ok: false, error_code: 409, description: CONFLICT.otherPoller });
    expect(a.body.description).toBe(
      "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    );
    alice.send("for the newer one");
    expect(texts(await newer)).toEqual(["for the newer one"]);
  });

  it("refuses getUpdates while a webhook is set, and ends a pending poll on setWebhook", async () => {
    const pending = call(emu, bot.token, "getUpdates", { timeout: 30 });
    await new Promise((r) => setTimeout(r, 50));
    await ok(emu, bot.token, "setWebhook", { url: "http://127.0.0.1:9/hook" });
    const ended = await pending;
    expect(ended.status).toBe(409);
    expect(ended.body.description).toBe("Conflict: terminated by setWebhook request");
    const refused = await call(emu, bot.token, "getUpdates");
    expect(refused.status).toBe(409);
    expect(refused.body.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    await ok(emu, bot.token, "deleteWebhook");
    expect((await call(emu, bot.token, "getUpdates")).status).toBe(200);
  });

  it("a poll from another bot does not conflict", async () => {
    const other = emu.createBot({ username: "other_bot" });
    const mine = call(emu, bot.token, "getUpdates", { timeout: 30 });
    await new Promise((r) => setTimeout(r, 20));
    await ok(emu, other.token, "getUpdates", { timeout: 0 });
    expect(await settled(mine)).toBe(false);
    alice.send("x");
    expect((await mine).status).toBe(200);
  });
});
