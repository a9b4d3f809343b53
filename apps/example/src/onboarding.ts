import { type ConversationFlavor, conversation, END, steps } from "@bot/conversations";
import { type Context, callbackData, type DataFlavor, InlineKeyboard } from "@bot/dispatcher";
import type { ChatJobs } from "@bot/jobs";
import * as v from "valibot";

/** The languages the onboarding offers. */
export const LANGUAGES = ["TypeScript", "Python", "Go", "Rust"] as const;

/** What the bot keeps per user (`userData`). */
export interface UserProfile {
  name?: string;
  language?: (typeof LANGUAGES)[number];
}

/** What the bot keeps per chat (`chatData`). */
export interface ChatData {
  count: number;
}

/** The example's context: sessions (`chatData`, `userData`), the onboarding conversation, `ctx.jobs`. */
export type ExampleContext = Context &
  DataFlavor<ChatData, UserProfile> &
  ConversationFlavor<{ name?: string }> & { readonly jobs: ChatJobs };

/** The language buttons' callback data: a typed, validated value instead of a hand-made string. */
export const languageData = callbackData("lang", v.picklist(LANGUAGES));

type State = "NAME" | "LANGUAGE";
const { command, hears, callbackQuery } = steps<ExampleContext, State>();

/**
 * The onboarding conversation: `/onboard` asks for a name (text), then a language (inline
 * buttons with typed callback data), and saves both in `userData`. `/cancel` stops it.
 */
export const onboarding = conversation({
  name: "onboarding",
  allowReentry: true,
  entry: [
    command("onboard", async (ctx) => {
      await ctx.reply("Let's get you set up. What should I call you? (/cancel stops)");
      return "NAME";
    }),
  ],
  states: {
    NAME: [
      hears(/^(?!\/)(.{1,64})$/s, async (ctx) => {
        const name = (ctx.match[1] as string).trim();
        ctx.conversation.data.name = name;
        const keyboard = InlineKeyboard.grid(
          LANGUAGES.map((l) => InlineKeyboard.text(l, languageData.pack(l))),
          2,
        );
        await ctx.reply(`Nice to meet you, ${name}! Which language do you write bots in?`, {
          reply_markup: keyboard,
        });
        return "LANGUAGE";
      }),
    ],
    LANGUAGE: [
      callbackQuery(languageData.pattern, async (ctx) => {
        const language = languageData.unpack(ctx.callbackQuery.data);
        const profile = await ctx.userData;
        profile.name = ctx.conversation.data.name ?? ctx.from.first_name;
        profile.language = language;
        await ctx.answerCallbackQuery({ text: language });
        await ctx.editMessageText(`${language} it is.`);
        await ctx.reply(
          `All set, ${profile.name}. /profile shows what I know; try /remind 10m stretch your legs.`,
        );
        return END;
      }),
    ],
  },
  fallbacks: [
    command("cancel", async (ctx) => {
      await ctx.reply("Onboarding cancelled. Send /onboard to start again.");
      return END;
    }),
  ],
});
