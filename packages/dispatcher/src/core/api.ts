import type { User } from "@bot/types";

/** The bot's own user, as `getMe` returns it: a bot always has a username. */
export type BotInfo = User & { username: string };
