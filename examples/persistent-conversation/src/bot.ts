import {
  type Conversation,
  type ConversationFlavor,
  conversation,
  type DataOf,
  END,
  steps,
} from "@bot/conversations";
import { Bot, type BotOptions, type Context, type DataFlavor, dataSessions } from "@bot/dispatcher";

/** What the user told the bot, by category ("Age": "30"). Kept in `userData`, across conversations. */
export type Facts = Record<string, string>;

/** The step's data: the category the next answer belongs to. */
interface Pending {
  choice?: string;
}

/** The bot's context: the dispatcher's plus the conversation and `ctx.userData`. */
export type FactsContext = Context & ConversationFlavor<Pending> & DataFlavor<object, Facts>;

type State = "CHOOSING" | "TYPING_CHOICE" | "TYPING_REPLY";
const { command, hears } = steps<FactsContext, State>();

/** The reply keyboard of the CHOOSING step. */
const choices = {
  keyboard: [
    [{ text: "Age" }, { text: "Favourite colour" }],
    [{ text: "Number of siblings" }, { text: "Something else..." }],
    [{ text: "Done" }],
  ],
  one_time_keyboard: true,
};

/**
 * The facts as lines, "Age - 30".
 *
 * @param facts What the user told the bot.
 * @returns One line per fact, or "(nothing yet)".
 */
export function listFacts(facts: Facts): string {
  const lines = Object.entries(facts).map(([k, v]) => `${k} - ${v}`);
  return lines.length === 0 ? "(nothing yet)" : lines.join("\n");
}

// Any text that is neither a command nor "Done".
const answer = /^(?!\/|Done$)[\s\S]+$/;

async function askFor(ctx: FactsContext, choice: string): Promise<State> {
  ctx.conversation.data.choice = choice;
  const known = (await ctx.userData)[choice];
  await ctx.reply(
    known === undefined
      ? `Your ${choice.toLowerCase()}? Yes, I would love to hear about that!`
      : `Your ${choice.toLowerCase()}? I already know this about it: ${known}`,
  );
  return "TYPING_REPLY";
}

/**
 * PTB's persistent conversation: the user picks a category from a keyboard (or names their
 * own with "Something else..."), then types the answer; "Done" ends it. The conversation's
 * step and the facts (in `userData`) both live in the bot's storage, so a restart in the middle
 * resumes the same step.
 */
export const facts: Conversation<FactsContext, State, DataOf<FactsContext>> = conversation({
  name: "facts",
  entry: [
    command("start", async (ctx) => {
      const known = await ctx.userData;
      const intro =
        Object.keys(known).length > 0
          ? `Hi! Welcome back. You already told me:\n${listFacts(known)}\nTell me more, or change something.`
          : "Hi! I am Doctor Botter. I keep what you tell me, even when I restart. What would you like to tell me about?";
      await ctx.reply(intro, { reply_markup: choices });
      return "CHOOSING";
    }),
  ],
  states: {
    CHOOSING: [
      hears(/^(Age|Favourite colour|Number of siblings)$/, (ctx) =>
        askFor(ctx, ctx.match[1] as string),
      ),
      hears("Something else...", async (ctx) => {
        await ctx.reply(
          'Alright, send me the category first, for example "Most impressive skill".',
        );
        return "TYPING_CHOICE";
      }),
    ],
    TYPING_CHOICE: [hears(answer, (ctx) => askFor(ctx, ctx.match[0].trim()))],
    TYPING_REPLY: [
      hears(answer, async (ctx) => {
        const choice = ctx.conversation.data.choice ?? "Something";
        const known = await ctx.userData;
        known[choice] = ctx.match[0].trim();
        delete ctx.conversation.data.choice;
        await ctx.reply(
          `Neat! This is what you told me so far:\n${listFacts(known)}\nTell me more, or change something.`,
          { reply_markup: choices },
        );
        return "CHOOSING";
      }),
    ],
  },
  fallbacks: [
    hears("Done", async (ctx) => {
      delete ctx.conversation.data.choice;
      await ctx.reply(
        `I learned these facts about you:\n${listFacts(await ctx.userData)}\nUntil next time!`,
        {
          reply_markup: { remove_keyboard: true },
        },
      );
      return END;
    }),
  ],
});

/**
 * The persistent conversation bot. Give it a shared storage (`new RedisStorage(...)`) in
 * `options.storage` so the conversation survives restarts; `/show_data` works at any time.
 *
 * @param token The bot token.
 * @param options Bot options: the storage, and the emulator's API root.
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: BotOptions<FactsContext> = {},
): Bot<FactsContext> {
  const bot = new Bot<FactsContext>(token, options);
  bot.use(dataSessions<object, Facts>());
  bot.command("show_data", async (ctx) =>
    ctx.reply(`This is what you already told me:\n${listFacts(await ctx.userData)}`),
  );
  bot.use(facts);
  bot.on("message", (ctx) =>
    ctx.reply("Send /start to tell me about yourself, /show_data to see what I know."),
  );
  return bot;
}
