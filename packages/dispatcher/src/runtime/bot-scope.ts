import type { Storage } from "./storage.js";

/** What sessions learn from the bot that runs them: its default storage and its id. */
export interface BotScope {
  /** The bot's default storage (`new Bot(token, { storage })`). */
  readonly storage: Storage;
  /** The bot's id from its token (the part before the colon), if the client knows it. */
  readonly botId: number | undefined;
  /**
   * Reports an error to the bot's `bot.catch` (`bot.reportError`). Absent when two bots share
   * the client (whose error handler would be ambiguous).
   */
  readonly report?: ((error: unknown, ctx: object) => Promise<void>) | undefined;
}

/** `null` marks a client shared by bots with different storages (no default can be chosen). */
const scopes = new WeakMap<object, BotScope | null>();

/**
 * Records a bot's storage and id for its client, so sessions reached through `ctx.api` find
 * them without any per-update cost. `Bot`'s constructor calls it.
 *
 * @param client The bot's API client.
 * @param scope Its storage and id.
 */
export function registerBotScope(client: object, scope: BotScope): void {
  const known = scopes.get(client);
  if (known === undefined) {
    scopes.set(client, scope);
    return;
  }
  if (known === null || known.storage !== scope.storage) scopes.set(client, null);
  else scopes.set(client, { storage: known.storage, botId: known.botId });
}

/**
 * The scope of the bot a context belongs to.
 *
 * @param ctx A context (its `api` is the bot's client).
 * @returns The scope; `undefined` for a context not built by a `Bot`; `null` when two bots with
 * different storages share the client.
 */
export function botScopeOf(ctx: object): BotScope | undefined | null {
  const api = (ctx as { api?: unknown }).api;
  if (typeof api !== "object" || api === null) return undefined;
  return scopes.get(api);
}

/**
 * Reports an error that happened outside any update (a timer, a background task) to the
 * `bot.catch` of the bot a context belongs to, as `bot.reportError(error, ctx)` would.
 *
 * @param ctx A context built with the bot's client (`ctx.api`), e.g. one rebuilt from a stored update.
 * @param error The error.
 * @returns `true` when a bot took it; `false` when the client belongs to no single `Bot`.
 */
export async function reportToBot(ctx: object, error: unknown): Promise<boolean> {
  const report = botScopeOf(ctx)?.report;
  if (report === undefined) return false;
  await report(error, ctx);
  return true;
}
