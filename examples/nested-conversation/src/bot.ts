import { type ConversationFlavor, child, conversation, END, steps } from "@bot/conversations";
import { Bot, type BotOptions, type Context, InlineKeyboard } from "@bot/dispatcher";

/** A family member as the bot collects it. */
export interface Member {
  level?: "parent" | "child";
  gender?: "male" | "female";
  name?: string;
  age?: string;
}

/** What the conversations collect (parent and children share it). */
export interface Family {
  members?: Member[];
  self?: string;
  current?: Member;
  feature?: "name" | "age";
}

/** The bot's context: the dispatcher's plus `ctx.conversation` with the family data. */
export type FamilyContext = Context & ConversationFlavor<Family>;

// Three levels: the menu, adding a member, describing the member's features.
type Top = "SELECTING_ACTION" | "SHOWING" | "DESCRIBING_SELF";
type MemberState = "SELECTING_LEVEL" | "SELECTING_GENDER" | "DESCRIBING";
type FeatureState = "TYPING";

const top = steps<FamilyContext, Top>();
// the member child may also end with the parent's SHOWING, or STOPPING (the whole conversation)
const member = steps<FamilyContext, MemberState | "SHOWING" | "STOPPING">();
const feature = steps<FamilyContext, FeatureState>();

const menu = new InlineKeyboard()
  .text("Add family member", "ADD_MEMBER")
  .text("Add yourself", "ADD_SELF")
  .row()
  .text("Show data", "SHOW")
  .text("Done", "DONE");
const features = new InlineKeyboard()
  .text("Name", "FEATURE:name")
  .text("Age", "FEATURE:age")
  .text("Done", "FEATURES_DONE");

async function showMenu(ctx: FamilyContext, intro = "What would you like to do?"): Promise<void> {
  await ctx.reply(intro, { reply_markup: menu });
}

/**
 * The collected data as text.
 *
 * @param data The family data.
 * @returns One line for yourself, then one per member.
 */
export function describe(data: Family): string {
  const lines = [`Yourself: ${data.self ?? "-"}`];
  for (const m of data.members ?? [])
    lines.push(
      `${m.level === "parent" ? "Parent" : "Child"} (${m.gender ?? "?"}): name ${m.name ?? "-"}, age ${m.age ?? "-"}`,
    );
  return lines.join("\n");
}

async function showData(ctx: FamilyContext): Promise<void> {
  await ctx.reply(describe(ctx.conversation.data), {
    reply_markup: new InlineKeyboard().text("Back", "BACK"),
  });
}

// Level 3: one feature (name or age) of the member being added.
const describeFeature = child({
  name: "feature",
  entry: [
    feature.callbackQuery(/^FEATURE:(name|age)$/, async (ctx) => {
      await ctx.answerCallbackQuery();
      ctx.conversation.data.feature = ctx.match[1] as "name" | "age";
      await ctx.reply(`Okay, tell me the ${ctx.match[1]}.`);
      return "TYPING";
    }),
  ],
  states: {
    TYPING: [
      feature.hears(/^(?!\/)[\s\S]{1,64}$/, async (ctx) => {
        const data = ctx.conversation.data;
        data.current = { ...data.current, [data.feature ?? "name"]: ctx.match[0].trim() };
        delete data.feature;
        await ctx.reply("Got it! Select a feature to update, or Done.", { reply_markup: features });
        return END; // the member conversation stays in DESCRIBING
      }),
    ],
  },
});

// Level 2: adding a family member.
const addMember = child({
  name: "member",
  entry: [
    member.callbackQuery("ADD_MEMBER", async (ctx) => {
      await ctx.answerCallbackQuery();
      ctx.conversation.data.current = {};
      await ctx.reply("Add a parent or a child?", {
        reply_markup: new InlineKeyboard()
          .text("Parent", "LEVEL:parent")
          .text("Child", "LEVEL:child")
          .row()
          .text("Show data", "SHOW")
          .text("Back", "BACK"),
      });
      return "SELECTING_LEVEL";
    }),
  ],
  states: {
    SELECTING_LEVEL: [
      member.callbackQuery(/^LEVEL:(parent|child)$/, async (ctx) => {
        await ctx.answerCallbackQuery();
        ctx.conversation.data.current = { level: ctx.match[1] as "parent" | "child" };
        await ctx.reply("Male or female?", {
          reply_markup: new InlineKeyboard()
            .text("Male", "GENDER:male")
            .text("Female", "GENDER:female")
            .row()
            .text("Show data", "SHOW")
            .text("Back", "BACK"),
        });
        return "SELECTING_GENDER";
      }),
    ],
    SELECTING_GENDER: [
      member.callbackQuery(/^GENDER:(male|female)$/, async (ctx) => {
        await ctx.answerCallbackQuery();
        const data = ctx.conversation.data;
        data.current = { ...data.current, gender: ctx.match[1] as "male" | "female" };
        await ctx.reply("Select a feature to update.", { reply_markup: features });
        return "DESCRIBING";
      }),
    ],
    DESCRIBING: [
      describeFeature,
      member.callbackQuery("FEATURES_DONE", async (ctx) => {
        await ctx.answerCallbackQuery();
        const data = ctx.conversation.data;
        data.members = [...(data.members ?? []), data.current ?? {}];
        delete data.current;
        await showMenu(ctx, "New family member added. What would you like to do?");
        return END; // back to the menu (mapToParent)
      }),
    ],
  },
  fallbacks: [
    member.callbackQuery("SHOW", async (ctx) => {
      await ctx.answerCallbackQuery();
      await showData(ctx);
      return "SHOWING"; // the parent's SHOWING
    }),
    member.callbackQuery("BACK", async (ctx) => {
      await ctx.answerCallbackQuery();
      delete ctx.conversation.data.current;
      await showMenu(ctx, "Nothing added. What would you like to do?");
      return END;
    }),
    member.command("stop", async (ctx) => {
      await ctx.reply("Okay, bye.");
      return "STOPPING"; // ends the whole conversation
    }),
  ],
  mapToParent: { [END]: "SELECTING_ACTION", SHOWING: "SHOWING", STOPPING: END },
});

/** Level 1: the menu conversation, started by /start. */
export const family = conversation({
  name: "family",
  entry: [
    top.command("start", async (ctx) => {
      await showMenu(
        ctx,
        "Hi! I collect information about you and your family. Add a family member, yourself, " +
          "show the data, or end the conversation. /stop aborts.",
      );
      return "SELECTING_ACTION";
    }),
  ],
  states: {
    SELECTING_ACTION: [
      addMember,
      top.callbackQuery("ADD_SELF", async (ctx) => {
        await ctx.answerCallbackQuery();
        await ctx.reply("Okay, please tell me about yourself.");
        return "DESCRIBING_SELF";
      }),
      top.callbackQuery("SHOW", async (ctx) => {
        await ctx.answerCallbackQuery();
        await showData(ctx);
        return "SHOWING";
      }),
      top.callbackQuery("DONE", async (ctx) => {
        await ctx.answerCallbackQuery();
        await ctx.reply(`See you around!\n\n${describe(ctx.conversation.data)}`);
        return END;
      }),
    ],
    SHOWING: [
      top.callbackQuery("BACK", async (ctx) => {
        await ctx.answerCallbackQuery();
        await showMenu(ctx);
        return "SELECTING_ACTION";
      }),
    ],
    DESCRIBING_SELF: [
      top.hears(/^(?!\/)[\s\S]{1,200}$/, async (ctx) => {
        ctx.conversation.data.self = ctx.match[0].trim();
        await showMenu(ctx, "Got it! What would you like to do?");
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

/**
 * The nested conversation bot.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
export function createBot(
  token: string,
  options: BotOptions<FamilyContext> = {},
): Bot<FamilyContext> {
  const bot = new Bot<FamilyContext>(token, options);
  bot.use(family);
  bot.on("callback_query", (ctx) =>
    ctx.answerCallbackQuery({ text: "This menu is no longer active." }),
  );
  bot.on("message", (ctx) => ctx.reply("Send /start to begin."));
  return bot;
}
