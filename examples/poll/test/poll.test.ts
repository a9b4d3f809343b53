import { createEmulator, type Emulator, type EmulatorChat, type UserActor } from "@bot/emulator";
import type { Poll } from "@bot/types";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBot, prose } from "../src/bot.ts";

let emulator: Emulator;
let bot: ReturnType<typeof createBot>;
let polling: Promise<void>;
let alice: UserActor;
let bob: UserActor;
let carol: UserActor;
let group: EmulatorChat;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await createEmulator();
  const { token } = emulator.createBot({ username: "poll_bot" });
  alice = emulator.user({ first_name: "Alice" });
  bob = emulator.user({ first_name: "Bob" });
  carol = emulator.user({ first_name: "Carol" });
  group = emulator.group({ title: "Poll club", members: [alice, bob, carol] });
  bot = createBot(token, { clientOptions: { apiRoot: emulator.apiRoot, retry: false } });
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start({ timeout: 1 });
});
afterAll(async () => {
  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
  expect(errors).toEqual([]);
});

const next = () => alice.nextMessage({ chat: group, timeoutMs: 10_000 });
const closed = (pollId: string) =>
  emulator.waitFor<Poll>(
    (e) =>
      e?.type === "edit" && e.message.poll?.id === pollId && e.message.poll.is_closed
        ? e.message.poll
        : undefined,
    { timeoutMs: 10_000 },
  );

it("joins answers as prose", () => {
  expect(prose(["a"])).toBe("a");
  expect(prose(["a", "b"])).toBe("a and b");
  expect(prose(["a", "b", "c"])).toBe("a, b and c");
});

it("announces each answer to /poll with a mention, and stops the poll at three voters", async () => {
  alice.send("/poll", { chat: group });
  const message = await next();
  expect(message.poll).toMatchObject({
    question: "How are you?",
    is_anonymous: false,
    allows_multiple_answers: true,
  });
  expect(message.poll?.options.map((o) => o.text)).toEqual([
    "Good",
    "Really good",
    "Fantastic",
    "Great",
  ]);
  const stopped = closed(message.poll?.id ?? "");
  alice.vote(message, [3, 0]);
  const first = await next();
  expect(first.text).toBe("Alice feels Good and Great!");
  expect(first.entities).toEqual([
    { type: "text_mention", offset: 0, length: 5, user: alice.user },
  ]);
  bob.vote(message, [2]);
  expect((await next()).text).toBe("Bob feels Fantastic!");
  expect(emulator.chat(group.id).messages.find((m) => m.poll)?.poll?.is_closed).toBe(false);
  carol.vote(message, [1, 2, 3]);
  expect((await next()).text).toBe("Carol feels Really good, Fantastic and Great!");
  const poll = await stopped;
  expect(poll.total_voter_count).toBe(3);
  expect(poll.options.map((o) => o.voter_count)).toEqual([1, 1, 2, 2]);
  expect(() => alice.vote(message, [1])).toThrow(/closed/);
});

it("a retracted vote is not announced", async () => {
  alice.send("/poll", { chat: group });
  const message = await next();
  alice.vote(message, [0]);
  expect((await next()).text).toBe("Alice feels Good!");
  alice.vote(message, []);
  alice.send("/help", { chat: group });
  // the next message is the answer to /help: nothing was said about the retraction
  expect((await next()).text).toBe("Send /poll to get a poll or /quiz to get a quiz.");
});

it("sends a quiz with its correct answer and closes it after three answers", async () => {
  alice.send("/quiz", { chat: group });
  const quiz = await next();
  expect(quiz.poll).toMatchObject({
    type: "quiz",
    question: "How many eggs do you need to make a cake?",
    correct_option_ids: [2],
    explanation: "Four eggs for a classic sponge.",
  });
  const stopped = closed(quiz.poll?.id ?? "");
  alice.vote(quiz, 2);
  bob.vote(quiz, 1);
  expect(() => bob.vote(quiz, 2)).toThrow(/does not allow changing/); // one answer per quiz
  carol.vote(quiz, 2);
  const result = await stopped;
  expect(result.options.map((o) => o.voter_count)).toEqual([0, 1, 2, 0]);
  // anonymous quiz: the bot learned only counts, and said nothing in the chat
  expect(alice.unread()).toEqual([]);
});
