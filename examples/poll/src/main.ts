/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator in
 * process, with three users in a group who answer a poll and a quiz; prints it and exits.
 */
import { createEmulator } from "@bot/emulator";
import { createBot, FEELINGS } from "./bot.ts";

const token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
  const bot = createBot(token);
  console.log("Polling Telegram; Ctrl-C stops.");
  await bot.start({ signals: ["SIGINT", "SIGTERM"] });
} else {
  console.log("No BOT_TOKEN: running against the @bot emulator.\n");
  const emulator = await createEmulator();
  const { token: fake } = emulator.createBot({ username: "poll_bot" });
  const alice = emulator.user({ first_name: "Alice" });
  const bob = emulator.user({ first_name: "Bob" });
  const carol = emulator.user({ first_name: "Carol" });
  const group = emulator.group({ title: "Poll club", members: [alice, bob, carol] });
  const bot = createBot(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
  const polling = bot.start({ timeout: 1 });
  const next = () => alice.nextMessage({ chat: group, timeoutMs: 10_000 });
  const closed = (pollId: string) =>
    emulator.waitFor(
      (e) =>
        e?.type === "edit" && e.message.poll?.id === pollId && e.message.poll.is_closed
          ? e.message.poll
          : undefined,
      { timeoutMs: 10_000 },
    );

  console.log("Alice (in Poll club): /poll");
  alice.send("/poll", { chat: group });
  const poll = await next();
  console.log(`  bot: poll "${poll.poll?.question}" ${FEELINGS.map((f) => `[${f}]`).join(" ")}`);
  const stopped = closed(poll.poll?.id ?? "");
  for (const [user, picks] of [
    [alice, [0, 3]],
    [bob, [2]],
    [carol, [1]],
  ] as const) {
    console.log(`${user.user.first_name} votes ${picks.map((i) => FEELINGS[i]).join(" + ")}`);
    user.vote(poll, picks);
    console.log(`  bot: ${(await next()).text}`);
  }
  const result = await stopped;
  console.log(`  (poll closed after ${result.total_voter_count} voters)`);

  console.log("Alice: /quiz");
  alice.send("/quiz", { chat: group });
  const quiz = await next();
  console.log(`  bot: quiz "${quiz.poll?.question}"`);
  const quizStopped = closed(quiz.poll?.id ?? "");
  for (const [user, pick] of [
    [alice, 2],
    [bob, 1],
    [carol, 2],
  ] as const)
    user.vote(quiz, pick);
  const answers = (await quizStopped).options.map((o) => `${o.text}: ${o.voter_count}`).join(", ");
  console.log(`  (quiz closed after three answers: ${answers})`);

  await bot.stop();
  await polling;
  await bot.api.close();
  await emulator.close();
}
