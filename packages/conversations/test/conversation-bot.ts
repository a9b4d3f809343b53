/**
 * python-telegram-bot's conversationbot.py, written with @bot/conversations. The lines between
 * the markers are the README's, word for word (a test checks it).
 */
import type { Bot, Context } from "@bot/dispatcher";
import {
  type Conversation,
  type ConversationFlavor,
  conversation,
  type DataOf,
  END,
  steps,
} from "../src/index.js";

// biome-ignore format: these are the README's lines, verbatim
// README:begin
type Profile = Partial<Record<"gender" | "photo" | "location" | "bio", string | undefined>>;
export type MyContext = Context & ConversationFlavor<Profile>;
type State = "GENDER" | "PHOTO" | "LOCATION" | "BIO";
const { command, hears, on } = steps<MyContext, State>();

const profile = conversation({
  name: "profile",
  entry: [
    command("start", async (ctx) => {
      await ctx.reply("Hi! Are you a boy or a girl? Send /cancel to stop.", {
        reply_markup: {
          keyboard: [[{ text: "Boy" }, { text: "Girl" }, { text: "Other" }]],
          one_time_keyboard: true,
        },
      });
      return "GENDER";
    }),
  ],
  states: {
    GENDER: [
      hears(/^(Boy|Girl|Other)$/, async (ctx) => {
        ctx.conversation.data.gender = ctx.match[1];
        await ctx.reply("Please send me a photo of yourself, or send /skip.", {
          reply_markup: { remove_keyboard: true },
        });
        return "PHOTO";
      }),
    ],
    PHOTO: [
      on("message:photo", async (ctx) => {
        ctx.conversation.data.photo = ctx.message.photo.at(-1)?.file_id;
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
        ctx.conversation.data.location = `${latitude},${longitude}`;
        await ctx.reply("Maybe I can visit you sometime! Tell me something about yourself.");
        return "BIO";
      }),
      command("skip", async (ctx) => {
        await ctx.reply("You seem a bit paranoid! Tell me something about yourself.");
        return "BIO";
      }),
    ],
    BIO: [
      hears(/^[^/].*/s, async (ctx) => {
        // any text but a command
        ctx.conversation.data.bio = ctx.match[0];
        const { gender, photo, location } = ctx.conversation.data;
        await ctx.reply(
          `Thank you! ${gender}, ${photo ? "photo" : "no photo"}, ${location ?? "no location"}: ${ctx.match[0]}`,
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
// README:end

/** The conversation, for the tests that inspect it (`active`). */
export const profileConversation: Conversation<MyContext, State, DataOf<MyContext>> = profile;

/** Installs the conversation, then a catch-all that shows what was passed on. */
export function install(bot: Bot<MyContext>): void {
  bot.use(profile);
  bot.on("message", (ctx) => ctx.reply("(not in the conversation)"));
}
