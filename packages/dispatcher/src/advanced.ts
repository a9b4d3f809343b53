/**
 * `@bot/dispatcher/advanced`: what adapter and storage authors need, and what tools built on the
 * kernel reuse. A bot needs none of it: `@bot/dispatcher` has the bot-building names.
 *
 * - Webhook adapters: `HandleUpdateOptions` and `WebhookReplySink` (what `bot.handleUpdate`
 *   takes), the keyed queue (`KeyedScheduler`), the one dedup (`UpdateDedup`), and the update
 *   keys (`updateChatId`, `updateUserId`, `updateKey`) that decide which updates run in order.
 * - Polling: `Poller` and the `PollingHost`/`PollingApi` it drives.
 * - Storage authors: `storageKey` and `escapeKeyPart`, the key scheme sessions and dedup share,
 *   and `STORAGE_UNAVAILABLE`, the brand `isStorageUnavailable` checks.
 * - Package authors: `brand` (from `@bot/types`), the one brand idiom of the `@bot` errors.
 * - Tools: the compiled filters (`compileFilter`), triggers and command parsing, and the
 *   `diagnostics_channel` names.
 *
 * @module
 */

// -- Webhook adapters and queues --
export type { HandleUpdateOptions, WebhookReplySink } from "./core/context.js";
export {
  KeyedScheduler,
  type KeyedSchedulerOptions,
  type SchedulerTask,
  type TaskHandle,
  type TaskKey,
  type TaskState,
} from "./runtime/scheduler.js";
export { type ClaimResult, UpdateDedup, type UpdateDedupOptions } from "./runtime/dedup.js";
export {
  updateChat,
  updateChatId,
  updateKey,
  updateUser,
  updateUserId,
} from "./runtime/update-keys.js";

// -- Tools: errors from outside an update (timers) to the bot's bot.catch --
export { reportToBot } from "./runtime/bot-scope.js";

// -- Polling --
export { POLLING_CHANNEL, Poller } from "./runtime/poller.js";
export type { PollingApi, PollingHost } from "./runtime/polling-options.js";

// -- Storage authors --
export { escapeKeyPart, storageKey } from "./runtime/storage-key.js";
export { STORAGE_UNAVAILABLE } from "./runtime/errors.js";

// -- Package authors: the one brand idiom (re-exported from @bot/types) --
export { type Brand, type BrandKey, brand } from "@bot/types";
export type {
  StorageCommitResult,
  StorageLease,
  StorageLeaseWrite,
  StorageLockOptions,
} from "./runtime/storage.js";

// -- Tools: filters, triggers, commands, diagnostics --
export { DISPATCHER_CHANNEL } from "./core/bot.js";
export {
  type CamelCase,
  type CompiledFilter,
  compileFilter,
  type EntityType,
  type KindShape,
  type MessageKind,
  type ShortcutKind,
} from "./core/filter.js";
export { compileTriggers } from "./core/trigger.js";
export { normaliseCommands, type ParsedCommand, parseCommand } from "./core/command.js";
export { CALLBACK_DATA_MAX_BYTES, checkCallbackData } from "./format/inline-keyboard.js";
export type { UpdateHolder } from "./format/callback-data.js";

// -- Formatting internals: entity nesting rules and the shapes of asCaption()/asInputText() --
export { canContain, type FormattedCaption, type FormattedInputText } from "./format/entities.js";
export type { MarkupCaption, MarkupParseMode } from "./format/escape.js";

// -- Update sources for bot.work(): what a queue implements (RedisUpdateQueue does) --
export type { UpdateSource, UpdateSourceHandler, UpdateSourceRunOptions } from "./runtime/work.js";
