import {
  Bot,
  type BotOptions,
  type Context,
  type DataFlavor,
  dataSessions,
  fmt,
  mention,
} from "@bot/dispatcher";

/** Where each poll the bot sent lives, by poll id (poll updates carry no chat). */
interface SentPoll {
  readonly chatId: number;
  readonly messageId: number;
  readonly options: readonly string[];
}

/** `botData`: the polls and quizzes the bot sent. */
export interface PollData {
  polls: Record<string, SentPoll>;
}

/** The bot's context: the dispatcher's plus PTB-style data (`botData`). */
export type PollContext = Context & DataFlavor<object, object, PollData>;

/** Voters after which a poll or quiz is closed. */
export const VOTERS = 3;

/** The poll /poll sends. */
export const FEELINGS = ["Good", "Really good", "Fantastic", "Great"] as const;

/**
 * Joins answers as prose: "a", "a and b", "a, b and c".
 *
 * @param items The answers.
 * @returns The phrase.
 */
export function prose(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/**
 * The poll bot: `/poll` sends a non-anonymous poll (several answers allowed) and announces each
 * answer in the chat; `/quiz` sends a quiz. Each is stopped once {@link VOTERS} people voted.
 * Poll and poll-answer updates carry no chat, so the bot keeps each poll's chat in `botData`.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(token: string, options: BotOptions<PollContext> = {}): Bot<PollContext> {
  const bot = new Bot<PollContext>(token, options);
  bot.use(dataSessions<object, object, PollData>({ initial: { bot: () => ({ polls: {} }) } }));

  const remember = (ctx: PollContext, pollId: string, sent: SentPoll) =>
    ctx.updateBotData((d) => {
      d.polls[pollId] = sent;
    });
  const forget = (ctx: PollContext, pollId: string) =>
    ctx.updateBotData((d) => {
      delete d.polls[pollId];
    });

  bot.command(["start", "help"], (ctx) =>
    ctx.reply("Send /poll to get a poll or /quiz to get a quiz."),
  );

  bot.command("poll", async (ctx) => {
    const message = await ctx.replyWithPoll(
      "How are you?",
      FEELINGS.map((text) => ({ text })),
      {
        is_anonymous: false,
        allows_multiple_answers: true,
      },
    );
    if (message.poll === undefined) return;
    await remember(ctx, message.poll.id, {
      chatId: message.chat.id,
      messageId: message.message_id,
      options: [...FEELINGS],
    });
  });

  bot.command("quiz", async (ctx) => {
    const options = ["1", "2", "4", "20"];
    const message = await ctx.replyWithPoll(
      "How many eggs do you need to make a cake?",
      options.map((text) => ({ text })),
      {
        type: "quiz",
        correct_option_ids: [2],
        explanation: "Four eggs for a classic sponge.",
      },
    );
    if (message.poll === undefined) return;
    await remember(ctx, message.poll.id, {
      chatId: message.chat.id,
      messageId: message.message_id,
      options,
    });
  });

  // A non-anonymous poll: who chose what.
  bot.on("poll_answer", async (ctx) => {
    const answer = ctx.pollAnswer;
    const sent = (await ctx.botData).polls[answer.poll_id];
    if (sent === undefined || answer.user === undefined || answer.option_ids.length === 0) return;
    const chosen = answer.option_ids.map((i) => sent.options[i] ?? "?");
    const text = fmt`${mention(answer.user.first_name, answer.user)} feels ${prose(chosen)}!`;
    await ctx.api.sendMessage({ chat_id: sent.chatId, text: text.text, entities: text.entities });
  });

  // Every poll's new state: close it at the voter limit.
  bot.on("poll", async (ctx) => {
    const poll = ctx.update.poll;
    if (poll.is_closed) {
      await forget(ctx, poll.id);
      return;
    }
    const sent = (await ctx.botData).polls[poll.id];
    if (sent === undefined || poll.total_voter_count < VOTERS) return;
    await ctx.api.stopPoll({ chat_id: sent.chatId, message_id: sent.messageId });
  });
  return bot;
}
