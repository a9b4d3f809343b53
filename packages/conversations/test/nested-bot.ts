/**
 * python-telegram-bot's nestedconversationbot.py, reduced to its shape: a top-level menu whose
 * SELECTING_ACTION state holds a child conversation (adding a family member: level, gender,
 * name). The child's END returns to the menu, its "Show data" maps to the parent's SHOWING,
 * its /cancel returns STOPPING (the parent ends), and the parent's /stop fallback stays
 * reachable from inside the child.
 */
import { type Bot, type Context, InlineKeyboard } from "@bot/dispatcher";
import {
  type Conversation,
  type ConversationFlavor,
  child,
  conversation,
  type DataOf,
  END,
  steps,
} from "../src/index.js";

interface Member {
  level?: string;
  gender?: string;
  name?: string;
}
export type FamilyContext = Context &
  ConversationFlavor<{ members?: Member[]; current?: Member; self?: string }>;

type Top = "SELECTING_ACTION" | "SHOWING" | "DESCRIBING_SELF";
type Level = "SELECTING_LEVEL" | "SELECTING_GENDER" | "TYPING";

const top = steps<FamilyContext, Top>();
const member = steps<FamilyContext, Level | "SHOWING" | "STOPPING">();

const menu = new InlineKeyboard()
  .text("Add family member", "ADDING_MEMBER")
  .text("Add yourself", "ADDING_SELF")
  .row()
  .text("Show data", "SHOWING")
  .text("Done", "END");

async function showMenu(ctx: FamilyContext): Promise<void> {
  await ctx.reply("What do you want to do?", { reply_markup: menu });
}
async function showData(ctx: FamilyContext): Promise<void> {
  const { members = [], self } = ctx.conversation.data;
  const lines = members.map((m) => `${m.level} ${m.gender} ${m.name}`);
  await ctx.reply(`Yourself: ${self ?? "-"}; family: ${lines.join(", ") || "-"}`, {
    reply_markup: new InlineKeyboard().text("Back", "BACK"),
  });
}

const addMember = child({
  name: "member",
  entry: [
    member.callbackQuery("ADDING_MEMBER", async (ctx) => {
      ctx.conversation.data.current = {};
      await ctx.reply("Parent or child?", {
        reply_markup: new InlineKeyboard()
          .text("Parent", "PARENT")
          .text("Child", "CHILD")
          .row()
          .text("Show data", "SHOWING")
          .text("Back", "END"),
      });
      return "SELECTING_LEVEL";
    }),
  ],
  states: {
    SELECTING_LEVEL: [
      member.callbackQuery(/^(PARENT|CHILD)$/, async (ctx) => {
        ctx.conversation.data.current = { level: String(ctx.match[1]).toLowerCase() };
        await ctx.reply("Male or female?", {
          reply_markup: new InlineKeyboard().text("Male", "MALE").text("Female", "FEMALE"),
        });
        return "SELECTING_GENDER";
      }),
    ],
    SELECTING_GENDER: [
      member.callbackQuery(/^(MALE|FEMALE)$/, async (ctx) => {
        const current = ctx.conversation.data.current ?? {};
        current.gender = String(ctx.match[1]).toLowerCase();
        ctx.conversation.data.current = current;
        await ctx.reply("Name?");
        return "TYPING";
      }),
    ],
    TYPING: [
      member.hears(/^[^/].*/, async (ctx) => {
        const data = ctx.conversation.data;
        data.members = [...(data.members ?? []), { ...data.current, name: ctx.match[0] }];
        delete data.current;
        await ctx.reply(`Saved ${ctx.match[0]}.`);
        await showMenu(ctx);
        return END; // back to the parent's SELECTING_ACTION
      }),
    ],
  },
  fallbacks: [
    member.callbackQuery("SHOWING", async (ctx) => {
      await showData(ctx);
      return "SHOWING"; // the parent's SHOWING
    }),
    member.callbackQuery("END", async (ctx) => {
      await showMenu(ctx);
      return END;
    }),
    member.command("cancel", async (ctx) => {
      await ctx.reply("Cancelled everything.");
      return "STOPPING"; // the parent ends
    }),
  ],
  mapToParent: { [END]: "SELECTING_ACTION", SHOWING: "SHOWING", STOPPING: END },
});

export const family: Conversation<FamilyContext, Top, DataOf<FamilyContext>> = conversation({
  name: "family",
  entry: [
    top.command("start", async (ctx) => {
      await showMenu(ctx);
      return "SELECTING_ACTION";
    }),
  ],
  states: {
    SELECTING_ACTION: [
      addMember,
      top.callbackQuery("SHOWING", async (ctx) => {
        await showData(ctx);
        return "SHOWING";
      }),
      top.callbackQuery("ADDING_SELF", async (ctx) => {
        await ctx.reply("Okay, please tell me about yourself.");
        return "DESCRIBING_SELF";
      }),
      top.callbackQuery("END", async (ctx) => {
        await ctx.reply("See you around!");
        return END;
      }),
    ],
    SHOWING: [
      top.callbackQuery("BACK", async (ctx) => {
        await showMenu(ctx);
        return "SELECTING_ACTION";
      }),
    ],
    DESCRIBING_SELF: [
      top.hears(/^[^/].*/, async (ctx) => {
        ctx.conversation.data.self = ctx.match[0];
        await showMenu(ctx);
        return "SELECTING_ACTION";
      }),
    ],
  },
  fallbacks: [
    top.command("stop", async (ctx) => {
      await ctx.reply("Okay, bye.");
      return END;
    }),
  ],
});

/** Installs the conversation, then a catch-all that shows what was passed on. */
export function installFamily(bot: Bot<FamilyContext>): void {
  bot.use(family);
  bot.on(["message", "callback_query"], (ctx) => ctx.reply("(outside)"));
}
