import type { Message, Poll, Update } from "@bot/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEmulator,
  type Emulator,
  type EmulatorBot,
  EmulatorError,
  ManualClock,
  type UserActor,
} from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
  emu = await createEmulator({ clock });
  bot = emu.createBot({ username: "poll_bot" });
  alice = emu.user({ first_name: "Alice" });
  alice.send("/start");
});
afterEach(() => emu.close());

/** Confirms what is queued and returns the updates after it. */
async function drain(): Promise<Update[]> {
  const got = await ok<Update[]>(emu, bot.token, "getUpdates");
  const last = got.at(-1);
  if (last !== undefined) await ok(emu, bot.token, "getUpdates", { offset: last.update_id + 1 });
  return got;
}

const sendPoll = (params: Record<string, unknown>) =>
  ok<Message & { poll: Poll }>(emu, bot.token, "sendPoll", {
    chat_id: alice.id,
    question: "Tea or coffee?",
    options: ["Tea", "Coffee", "Both"],
    ...params,
  });

describe("polls: votes from actors", () => {
  it("a vote in a non-anonymous poll gives poll_answer, then poll with the new counts", async () => {
    await drain();
    const sent = await sendPoll({ is_anonymous: false, allows_multiple_answers: true });
    expect(sent.poll.allows_revoting).toBe(true); // the default for regular polls
    const message = await alice.nextMessage();
    const poll = alice.vote(message, [2, 0]);
    expect(poll.options.map((o) => o.voter_count)).toEqual([1, 0, 1]);
    expect(poll.total_voter_count).toBe(1);
    const [answer, state] = await drain();
    expect(answer?.poll_answer).toEqual({
      poll_id: sent.poll.id,
      user: alice.user,
      option_ids: [0, 2],
      option_persistent_ids: ["0", "2"],
    });
    expect(state?.poll).toEqual(poll);
    expect(emu.chat(alice.id).last()?.poll?.total_voter_count).toBe(1);
    expect(emu.events().some((e) => e.type === "user_vote" && e.pollId === sent.poll.id)).toBe(
      true,
    );
  });

  it("an anonymous poll gives only poll updates; a retracted vote empties option_ids", async () => {
    const sent = await sendPoll({});
    await drain();
    alice.vote(sent.poll.id, 1);
    const [state] = await drain();
    expect(Object.keys(state ?? {})).toEqual(["update_id", "poll"]);
    const after = alice.vote(sent.poll.id, []);
    expect(after.total_voter_count).toBe(0);
    expect(after.options.map((o) => o.voter_count)).toEqual([0, 0, 0]);
    expect(() => alice.vote(sent.poll.id, [])).toThrow(/no vote to retract/);
  });

  it("counts voters in a group and refuses users who are not members", async () => {
    const bob = emu.user({ first_name: "Bob" });
    const eve = emu.user({ first_name: "Eve" });
    const group = emu.group({ title: "Club", members: [alice, bob] });
    const sent = await ok<Message & { poll: Poll }>(emu, bot.token, "sendPoll", {
      chat_id: group.id,
      question: "Meet on Friday?",
      options: ["Yes", "No"],
      is_anonymous: false,
    });
    alice.vote(sent.poll.id, 0);
    expect(bob.vote(sent.poll.id, 0).options[0]?.voter_count).toBe(2);
    expect(() => eve.vote(sent.poll.id, 1)).toThrow(/not in the poll's chat/);
  });

  it("a quiz needs correct_option_ids, keeps them in its updates, and allows no second vote", async () => {
    const missing = await call(emu, bot.token, "sendPoll", {
      chat_id: alice.id,
      question: "2 + 2?",
      options: ["3", "4"],
      type: "quiz",
    });
    expect(missing.status).toBe(400);
    const bad = await call(emu, bot.token, "sendPoll", {
      chat_id: alice.id,
      question: "2 + 2?",
      options: ["3", "4"],
      type: "quiz",
      correct_option_ids: [2],
    });
    expect(bad.body.description).toBe("Bad Request: wrong correct option ids specified");
    const regular = await call(emu, bot.token, "sendPoll", {
      chat_id: alice.id,
      question: "Tea?",
      options: ["Yes", "No"],
      correct_option_ids: [0],
    });
    expect(regular.status).toBe(400);
    const quiz = await sendPoll({
      question: "2 + 2?",
      options: ["3", "4"],
      type: "quiz",
      correct_option_ids: [1],
      explanation: "Count on your fingers.",
    });
    expect(quiz.poll.allows_revoting).toBe(false);
    expect(quiz.poll.explanation).toBe("Count on your fingers.");
    await drain();
    alice.vote(quiz.poll.id, 0);
    const [state] = await drain();
    expect(state?.poll?.correct_option_ids).toEqual([1]);
    expect(() => alice.vote(quiz.poll.id, 1)).toThrow(/does not allow changing a vote/);
  });

  it("validates option ids and single answers", async () => {
    const sent = await sendPoll({});
    let caught: unknown;
    try {
      alice.vote(sent.poll.id, 3);
    } catch (e) {
      caught = e;
    }
    expect(EmulatorError.is(caught) && caught.code).toBe("BOT_EMULATOR_INVALID_OPTIONS");
    expect(() => alice.vote(sent.poll.id, [0, 0])).toThrow(/distinct option ids/);
    expect(() => alice.vote(sent.poll.id, [0, 1])).toThrow(/one answer/);
    expect(() => alice.vote("nope", 0)).toThrow(/unknown poll/);
  });

  it("stopPoll closes it, tells the bot with a poll update, and later votes are refused", async () => {
    const sent = await sendPoll({ is_anonymous: false });
    alice.vote(sent.poll.id, 1);
    await drain();
    const stopped = await ok<Poll>(emu, bot.token, "stopPoll", {
      chat_id: alice.id,
      message_id: sent.message_id,
    });
    expect(stopped.is_closed).toBe(true);
    expect(stopped.total_voter_count).toBe(1);
    const [state] = await drain();
    expect(state?.poll).toEqual(stopped);
    expect(() => alice.vote(sent.poll.id, 0)).toThrow(/closed/);
  });

  it("open_period sets close_date; after it, votes are refused", async () => {
    const sent = await sendPoll({ open_period: 60 });
    expect(sent.poll.close_date).toBe(sent.date + 60);
    const both = await call(emu, bot.token, "sendPoll", {
      chat_id: alice.id,
      question: "x",
      options: ["a"],
      open_period: 60,
      close_date: sent.date + 100,
    });
    expect(both.status).toBe(400);
    alice.vote(sent.poll.id, 0);
    clock.advance(60_000);
    expect(() => alice.vote(sent.poll.id, 1)).toThrow(/closed/);
  });
});
