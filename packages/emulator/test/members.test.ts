import type { ChatMemberUpdated, Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEmulator,
  type Emulator,
  type EmulatorBot,
  EmulatorError,
  type UserActor,
} from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;
let bob: UserActor;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "member_bot" });
  alice = emu.user({ first_name: "Alice" });
  bob = emu.user({ first_name: "Bob" });
});
afterEach(() => emu.close());

const ALL = ["message", "chat_member", "my_chat_member"];
/** Takes every queued update of a bot (all kinds), confirming them. */
async function take(of: EmulatorBot = bot): Promise<Update[]> {
  const got = await ok<Update[]>(emu, of.token, "getUpdates", { allowed_updates: ALL });
  const last = got.at(-1);
  if (last !== undefined) await ok(emu, of.token, "getUpdates", { offset: last.update_id + 1 });
  return got;
}
const kinds = (us: Update[]) => us.map((u) => Object.keys(u).find((k) => k !== "update_id"));
const statuses = (c: ChatMemberUpdated | undefined) => [
  c?.old_chat_member.status,
  c?.new_chat_member.status,
];

describe("membership: chat_member and my_chat_member", () => {
  it("a bot added to a group gets my_chat_member and the new_chat_members message, from the adder", async () => {
    const group = emu.group({ title: "Club", members: [alice, bob], bots: [] });
    await take();
    const m = alice.add(group, bot);
    expect(m?.new_chat_members).toEqual([bot.user]);
    expect(m?.from).toEqual(alice.user);
    const got = await take();
    expect(kinds(got)).toEqual(["message", "my_chat_member"]);
    const change = got[1]?.my_chat_member;
    expect(change?.from).toEqual(alice.user);
    expect(change?.chat.id).toBe(group.id);
    expect(statuses(change)).toEqual(["left", "member"]);
    expect(change?.new_chat_member.user).toEqual(bot.user);
    // now it can write there
    await ok(emu, bot.token, "sendMessage", { chat_id: group.id, text: "Hello, club" });
  });

  it("a removed bot gets my_chat_member (kicked), sees no more messages and cannot write", async () => {
    const group = emu.supergroup({ title: "Club", members: [alice, bob] });
    await take();
    expect(() => bob.remove(group, bot)).toThrow(/creator or an administrator/);
    alice.remove(group, bot);
    const got = await take();
    expect(kinds(got)).toEqual(["my_chat_member"]);
    expect(statuses(got[0]?.my_chat_member)).toEqual(["administrator", "kicked"]);
    expect(() => bob.send("anyone?", { chat: group })).toThrow(/no bot is a member/);
    const write = await fetch(`${emu.apiRoot}/bot${bot.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: group.id, text: "x" }),
    });
    expect(write.status).toBe(403);
  });

  it("an administrator bot gets chat_member for joins, adds, leaves and removals, with who did it", async () => {
    const group = emu.group({ title: "Club", members: [alice] });
    await take();
    const carol = emu.user({ first_name: "Carol" });
    bob.join(group);
    alice.add(group, carol);
    carol.leave(group);
    alice.remove(group, bob);
    const got = await take();
    const changes = got.flatMap((u) => (u.chat_member ? [u.chat_member] : []));
    expect(
      changes.map((c) => [c.new_chat_member.user.first_name, c.from.first_name, ...statuses(c)]),
    ).toEqual([
      ["Bob", "Bob", "left", "member"],
      ["Carol", "Alice", "left", "member"],
      ["Carol", "Carol", "member", "left"],
      ["Bob", "Alice", "member", "kicked"],
    ]);
    const service = got.flatMap((u) => (u.message ? [u.message] : []));
    expect(
      service.map(
        (m) => m.new_chat_members?.[0]?.first_name ?? `-${m.left_chat_member?.first_name}`,
      ),
    ).toEqual(["Bob", "Carol", "-Carol", "-Bob"]);
  });

  it("a bot that is only a member gets the service messages but no chat_member", async () => {
    const group = emu.group({ title: "Club", members: [alice], bots: [] });
    alice.add(group, bot);
    await take();
    bob.join(group);
    expect(kinds(await take())).toEqual(["message"]);
  });

  it("refuses impossible changes with BOT_EMULATOR_INVALID_OPTIONS", async () => {
    const group = emu.group({ title: "Club", members: [alice] });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return EmulatorError.is(e) ? e.code : "other";
      }
      return "none";
    };
    expect(code(() => alice.join(group))).toBe("BOT_EMULATOR_INVALID_OPTIONS"); // already in
    expect(code(() => bob.leave(group))).toBe("BOT_EMULATOR_INVALID_OPTIONS"); // never was
    expect(code(() => bob.add(group, alice))).toBe("BOT_EMULATOR_INVALID_OPTIONS"); // not a member
    expect(code(() => alice.leave(group))).toBe("BOT_EMULATOR_INVALID_OPTIONS"); // the creator
    expect(code(() => alice.join(alice.id))).toBe("BOT_EMULATOR_NOT_FOUND"); // a private chat
  });

  it("blocking and unblocking a bot in private sends my_chat_member", async () => {
    alice.send("/start");
    await take();
    alice.block();
    alice.unblock();
    const got = await take();
    expect(got.map((u) => statuses(u.my_chat_member))).toEqual([
      ["member", "kicked"],
      ["kicked", "member"],
    ]);
    expect(got[0]?.my_chat_member?.chat).toMatchObject({ id: alice.id, type: "private" });
    await ok(emu, bot.token, "sendMessage", { chat_id: alice.id, text: "welcome back" });
  });

  it("channels: joins reach administrator bots as chat_member, without a service message", async () => {
    const channel = emu.channel({ title: "News" });
    await take();
    alice.join(channel);
    expect(kinds(await take())).toEqual(["chat_member"]);
  });
});

describe("moderation by a bot: banChatMember, unbanChatMember", () => {
  it("an administrator bot bans a member: left_chat_member from the bot, chat_member, and the user is out", async () => {
    const group = emu.supergroup({ title: "Club", members: [alice, bob] });
    await take();
    await ok(emu, bot.token, "banChatMember", { chat_id: group.id, user_id: bob.id });
    const got = await take();
    expect(kinds(got)).toEqual(["message", "chat_member"]);
    expect(got[0]?.message?.left_chat_member).toEqual(bob.user);
    expect(got[0]?.message?.from).toEqual(bot.user);
    expect(got[1]?.chat_member?.from).toEqual(bot.user);
    expect(statuses(got[1]?.chat_member)).toEqual(["member", "kicked"]);
    expect(
      await ok(emu, bot.token, "getChatMember", { chat_id: group.id, user_id: bob.id }),
    ).toMatchObject({ status: "kicked" });
    // banning again changes nothing; unbanning lifts it without a service message
    await ok(emu, bot.token, "banChatMember", { chat_id: group.id, user_id: bob.id });
    expect(await take()).toEqual([]);
    await ok(emu, bot.token, "unbanChatMember", {
      chat_id: group.id,
      user_id: bob.id,
      only_if_banned: true,
    });
    const lifted = await take();
    expect(kinds(lifted)).toEqual(["chat_member"]);
    expect(statuses(lifted[0]?.chat_member)).toEqual(["kicked", "left"]);
    // and the user may join again
    bob.join(group);
    expect(kinds(await take())).toEqual(["message", "chat_member"]);
  });

  it("unbanChatMember without only_if_banned removes a member; with it, leaves the member alone", async () => {
    const group = emu.group({ title: "Club", members: [alice, bob] });
    await take();
    await ok(emu, bot.token, "unbanChatMember", {
      chat_id: group.id,
      user_id: bob.id,
      only_if_banned: true,
    });
    expect(await take()).toEqual([]);
    await ok(emu, bot.token, "unbanChatMember", { chat_id: group.id, user_id: bob.id });
    const got = await take();
    expect(kinds(got)).toEqual(["message", "chat_member"]);
    expect(statuses(got[1]?.chat_member)).toEqual(["member", "left"]);
  });

  it("a banned bot gets my_chat_member; refusals read like Telegram's", async () => {
    const other = emu.createBot({ username: "other_bot" });
    const group = emu.supergroup({ title: "Club", members: [alice, bob], bots: [bot] });
    alice.add(group, other);
    await take();
    await take(other);
    await ok(emu, bot.token, "banChatMember", { chat_id: group.id, user_id: other.id });
    const seen = await take(other);
    expect(kinds(seen)).toEqual(["my_chat_member"]);
    expect(statuses(seen[0]?.my_chat_member)).toEqual(["member", "kicked"]);
    const refusal = async (params: Record<string, unknown>, token = bot.token) =>
      (await call(emu, token, "banChatMember", params)).body.description;
    expect(await refusal({ chat_id: group.id, user_id: alice.id })).toBe(
      "Bad Request: can't remove chat owner",
    );
    expect(await refusal({ chat_id: group.id, user_id: bot.id })).toBe(
      "Bad Request: can't restrict self",
    );
    expect(await refusal({ chat_id: group.id, user_id: 424_242 })).toBe(
      "Bad Request: user not found",
    );
    alice.send("hi"); // the private chat, which has no members to ban
    expect(await refusal({ chat_id: alice.id, user_id: bob.id })).toBe(
      "Bad Request: chat member status can't be changed in private chats",
    );
    // a bot that is only a member may not ban
    const plain = emu.createBot({ username: "plain_bot" });
    alice.add(group, plain);
    expect(await refusal({ chat_id: group.id, user_id: bob.id }, plain.token)).toBe(
      "Bad Request: not enough rights to restrict/ban chat member",
    );
  });
});
