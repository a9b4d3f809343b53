import type { ChatAdministratorRights, MenuButton } from "@bot/types";
import { badRequest } from "../errors.js";
import { optBool, optInt, optString } from "../params.js";
import type { CallContext, MethodHandler } from "./context.js";

/** The text for a language: its own, else the default one, else `fallback`. */
function forLanguage(texts: Map<string, string>, ctx: CallContext, fallback: string): string {
  const lang = optString(ctx.params, "language_code") ?? "";
  return texts.get(lang) ?? texts.get("") ?? fallback;
}

/** Sets (or, with an empty or missing text, removes) the dedicated text of a language. */
function setForLanguage(
  texts: Map<string, string>,
  ctx: CallContext,
  param: string,
  max: number,
): void {
  const text = optString(ctx.params, param) ?? "";
  if ([...text].length > max) throw badRequest(`${param} is too long (at most ${max} characters)`);
  const lang = optString(ctx.params, "language_code") ?? "";
  if (text === "") texts.delete(lang);
  else texts.set(lang, text);
}

function setMyName(ctx: CallContext): true {
  const p = ctx.bot.profile;
  setForLanguage(p.names, ctx, "name", 64);
  // The default name is the bot's name: `getMe` and the messages it sends show it.
  ctx.bot.user.first_name = p.names.get("") ?? p.firstName;
  return true;
}

const MENU_TYPES = new Set(["commands", "web_app", "default"]);

function menuButton(raw: unknown): MenuButton {
  if (raw === undefined) return { type: "default" };
  const b = raw as { type?: unknown; text?: unknown; web_app?: { url?: unknown } } | null;
  if (typeof b !== "object" || b === null || !MENU_TYPES.has(b.type as string))
    throw badRequest("can't parse menu button JSON object");
  if (b.type === "web_app") {
    const url = b.web_app?.url;
    if (typeof b.text !== "string" || b.text === "") throw badRequest("menu button text is empty");
    if (typeof url !== "string" || !url.startsWith("https://"))
      throw badRequest("BUTTON_URL_INVALID");
    return { type: "web_app", text: b.text, web_app: { url } };
  }
  return { type: b.type as "commands" | "default" };
}

/** The private chat a menu button call names (`0`: the bot's default). */
function menuChat(ctx: CallContext): number {
  const id = optInt(ctx.params, "chat_id");
  if (id === undefined) return 0;
  const record = ctx.world.resolveChat(ctx.bot, id);
  if (record.chat.type !== "private") throw badRequest("chat not found");
  return id;
}

const RIGHTS_FIELDS = [
  "is_anonymous",
  "can_manage_chat",
  "can_delete_messages",
  "can_manage_video_chats",
  "can_restrict_members",
  "can_promote_members",
  "can_change_info",
  "can_invite_users",
  "can_post_stories",
  "can_edit_stories",
  "can_delete_stories",
  "can_send_welcome_messages",
] as const;
const OPTIONAL_RIGHTS = [
  "can_post_messages",
  "can_edit_messages",
  "can_pin_messages",
  "can_manage_topics",
  "can_manage_direct_messages",
  "can_manage_tags",
] as const;

/** Rights as given (each flag `true` only when passed as `true`), or none at all. */
function rights(raw: unknown): ChatAdministratorRights {
  if (raw !== undefined && (typeof raw !== "object" || raw === null))
    throw badRequest("can't parse administrator rights JSON object");
  const given = (raw ?? {}) as Record<string, unknown>;
  const out = {} as Record<string, boolean>;
  for (const f of RIGHTS_FIELDS) out[f] = given[f] === true;
  for (const f of OPTIONAL_RIGHTS) if (given[f] !== undefined) out[f] = given[f] === true;
  return out as unknown as ChatAdministratorRights;
}

/** The bot's profile: names, descriptions, menu buttons, default administrator rights. */
export const profileMethods: Record<string, MethodHandler> = {
  setMyName,
  getMyName: (ctx) => {
    const p = ctx.bot.profile;
    return { name: forLanguage(p.names, ctx, p.firstName) };
  },
  setMyDescription: (ctx) => {
    setForLanguage(ctx.bot.profile.descriptions, ctx, "description", 512);
    return true;
  },
  getMyDescription: (ctx) => ({
    description: forLanguage(ctx.bot.profile.descriptions, ctx, ""),
  }),
  setMyShortDescription: (ctx) => {
    setForLanguage(ctx.bot.profile.shortDescriptions, ctx, "short_description", 120);
    return true;
  },
  getMyShortDescription: (ctx) => ({
    short_description: forLanguage(ctx.bot.profile.shortDescriptions, ctx, ""),
  }),
  setChatMenuButton: (ctx) => {
    const chat = menuChat(ctx);
    const button = menuButton(ctx.params.menu_button);
    const buttons = ctx.bot.profile.menuButtons;
    if (button.type === "default") buttons.delete(chat);
    else buttons.set(chat, button);
    return true;
  },
  getChatMenuButton: (ctx) => {
    const chat = menuChat(ctx);
    const buttons = ctx.bot.profile.menuButtons;
    return buttons.get(chat) ?? (chat === 0 ? undefined : buttons.get(0)) ?? { type: "default" };
  },
  setMyDefaultAdministratorRights: (ctx) => {
    const p = ctx.bot.profile;
    const channels = optBool(ctx.params, "for_channels") === true;
    const key = channels ? "channels" : "groups";
    if (ctx.params.rights === undefined) delete p.rights[key];
    else p.rights[key] = rights(ctx.params.rights);
    return true;
  },
  getMyDefaultAdministratorRights: (ctx) => {
    const p = ctx.bot.profile;
    const channels = optBool(ctx.params, "for_channels") === true;
    return (channels ? p.rights.channels : p.rights.groups) ?? rights(undefined);
  },
};
