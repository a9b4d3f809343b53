import type { Storage } from "./storage.js";

/** What sessions learn from the bot that runs them: its default storage and its id. */
export interface BotScope {
  /** The bot's default storage (`new Bot(token, { storage })`). */
  readonly storage: Storage;
  /** The bot's id from its token (the part before the colon), if the client knows it. */
  readonly botId: number | undefined;
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
