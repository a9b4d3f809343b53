import {
  type Conversation,
  type ConversationFlavor,
  conversation,
  type DataOf,
  END,
  steps,
} from "@bot/conversations";
import { Bot, type BotOptions, type Context } from "@bot/dispatcher";

/** What the conversation collects about the user. */
export interface Profile {
  gender?: string;
  photo?: string;
  location?: string;
  bio?: string;
}

/** The bot's context: the dispatcher's plus `ctx.conversation` with the profile. */
export type ProfileContext = Context & ConversationFlavor<Profile>;

type State = "GENDER" | "PHOTO" | "LOCATION" | "BIO";
const { command, hears, on } = steps<ProfileContext, State>();

/**
 * The conversation: `/start` asks for a gender (a one-time reply keyboard), then a photo or
 * `/skip`, a location or `/skip`, then a short bio; `/cancel` ends it from any step.
 */
export const profile: Conversation<ProfileContext, State, DataOf<ProfileContext>> = conversation({
  name: "profile",
  entry: [
    command("start", async (ctx) => {
      await ctx.reply(
        "Hi! I am Professor Bot and I'd like to get to know you. Send /cancel to stop.\n\nAre you a boy or a girl?",
        {
          reply_markup: {
            keyboard: [[{ text: "Boy" }, { text: "Girl" }, { text: "Other" }]],
            one_time_keyboard: true,
            input_field_placeholder: "Boy or Girl?",
          },
        },
      );
      return "GENDER";
    }),
  ],
  states: {
    GENDER: [
      hears(/^(Boy|Girl|Other)$/, async (ctx) => {
        ctx.conversation.data.gender = ctx.match[1] as string;
        await ctx.reply("I see! Please send me a photo of yourself, or send /skip.", {
          reply_markup: { remove_keyboard: true },
        });
        return "PHOTO";
      }),
    ],
    PHOTO: [
      on("message:photo", async (ctx) => {
        const largest = ctx.message.photo.at(-1);
        if (largest !== undefined) ctx.conversation.data.photo = largest.file_id;
        await ctx.reply("Gorgeous! Now send me your location please, or send /skip.");
        return "LOCATION";
      }),
      command("skip", async (ctx) => {
        await ctx.reply("I bet you look great! Now send me your location please, or send /skip.");
        return "LOCATION";
      }),
    ],
    LOCATION: [
      on("message:location", async (ctx) => {
        const { latitude, longitude } = ctx.message.location;
        ctx.conversation.data.location = `${latitude.toFixed(4)}, ${longitude.toFixed(4)}`;
        await ctx.reply(
          "Maybe I can visit you sometime! At last, tell me something about yourself.",
        );
        return "BIO";
      }),
      command("skip", async (ctx) => {
        await ctx.reply("You seem a bit paranoid! At last, tell me something about yourself.");
        return "BIO";
      }),
    ],
    BIO: [
      hears(/^(?!\/)[\s\S]+/, async (ctx) => {
        ctx.conversation.data.bio = ctx.match[0];
        await ctx.reply(
          `Thank you! I hope we can talk again some day.\n\n${summary(ctx.conversation.data)}`,
        );
        return END;
      }),
    ],
  },
  fallbacks: [
    command("cancel", async (ctx) => {
      await ctx.reply("Bye! I hope we can talk again some day.", {
        reply_markup: { remove_keyboard: true },
      });
      return END;
    }),
  ],
});

/**
 * One line per answer, for the final message.
 *
 * @param p The collected profile.
 * @returns The summary.
 */
export function summary(p: Profile): string {
  return [
    `Gender: ${p.gender ?? "-"}`,
    `Photo: ${p.photo === undefined ? "skipped" : "received"}`,
    `Location: ${p.location ?? "skipped"}`,
    `Bio: ${p.bio ?? "-"}`,
  ].join("\n");
}

/**
 * The conversation bot. Updates outside the conversation (text before /start, an answer
 * that fits no step) get a hint instead of silence.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here, a test its storage).
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: BotOptions<ProfileContext> = {},
): Bot<ProfileContext> {
  const bot = new Bot<ProfileContext>(token, options);
  bot.use(profile);
  bot.on("message", (ctx) => ctx.reply("Send /start to begin, or /cancel to stop."));
  return bot;
}
