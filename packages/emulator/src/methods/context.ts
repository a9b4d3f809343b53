import type { BotRecord, World } from "../state.js";
import type { WebhookConfig, WebhookDelivery } from "../webhook.js";

/** What method handlers need from the server beyond the world. */
export interface Host {
  /**
   * Starts (or replaces) a bot's webhook delivery.
   *
   * @param bot The bot.
   * @param config The webhook settings.
   */
  startWebhook(bot: BotRecord, config: WebhookConfig): Promise<void>;
  /**
   * Stops a bot's webhook delivery.
   *
   * @param bot The bot.
   */
  stopWebhook(bot: BotRecord): Promise<void>;
  /**
   * The bot's active webhook.
   *
   * @param bot The bot.
   * @returns The delivery, or `undefined` in polling mode.
   */
  webhook(bot: BotRecord): WebhookDelivery | undefined;
  /** The longest long poll, in seconds. */
  readonly maxPollSeconds: number;
  /** The base URL of the emulator, for file links. */
  readonly url: string;
}

/** One Bot API call as a handler sees it. */
export interface CallContext {
  readonly world: World;
  readonly host: Host;
  readonly bot: BotRecord;
  /** Parameters after `METHOD_SPECS` coercion. */
  readonly params: Record<string, unknown>;
  /** Aborted when the HTTP request goes away. */
  readonly signal: AbortSignal;
}

/** A Bot API method implementation; it returns the `result` or throws an `ApiFailure`. */
export type MethodHandler = (ctx: CallContext) => unknown;
