/**
 * Serve an `@bot` bot as a Telegram webhook on your own Fastify 5 server.
 *
 * @module
 */

// -- contracts a bot (or a durable queue) implements --
export type {
  DedupStorage,
  WebhookApi,
  WebhookBot,
  WebhookHandleOptions,
  WebhookQueue,
  WebhookReplySink,
} from "./contract.js";
export {
  deadlineChannel,
  droppedChannel,
  duplicateChannel,
  rejectedChannel,
  updateChannel,
} from "./diagnostics.js";
// -- errors and observability --
export { WebhookError, type WebhookErrorCode } from "./errors.js";
export { type HealthLog, logWebhookHealth, redactUrl } from "./health.js";

// -- helpers --
export { deleteWebhook, type SetWebhookOptions, setWebhook } from "./helpers.js";
export type { WebhookDedupOptions, WebhookDelivery, WebhookOptions } from "./options.js";
// -- the plugin and its options --
export { webhook, webhook as default } from "./plugin.js";
