/**
 * The @bot application: routing, filters with type narrowing, context,
 * sessions, conversations and long polling.
 *
 * @module
 */

// -- core: Bot, Composer, filters, Context (owned by src/core/) --
export type { BotInfo } from "./core/api.js";
export { Bot, type BotOptions, DISPATCHER_CHANNEL, type ErrorHandler } from "./core/bot.js";
export { normaliseCommands, type ParsedCommand, parseCommand } from "./core/command.js";
export {
  type CallbackQueryContext,
  type ChatTypeContext,
  type CommandContext,
  Composer,
  type HearsContext,
  type InlineQueryContext,
} from "./core/composer.js";
export {
  Context,
  type ContextConstructor,
  type HandleUpdateOptions,
  type WebhookReplySink,
} from "./core/context.js";
export {
  BotError,
  DispatcherError,
  type DispatcherErrorCode,
  type ErrorSource,
  HandlerStop,
} from "./core/errors.js";
export {
  type CamelCase,
  type CompiledFilter,
  compileFilter,
  type EntityType,
  type Filter,
  type FilterQuery,
  type KindShape,
  type MessageKind,
  matchFilter,
  type ShortcutKind,
} from "./core/filter.js";
export type { Middleware, MiddlewareFn, MiddlewareObj, NextFunction } from "./core/middleware.js";
export { compileTriggers, type Trigger, type TriggerMatch } from "./core/trigger.js";

// -- runtime: Storage, sessions, scheduler, polling (owned by src/runtime/) --
export { type ClaimResult, UpdateDedup, type UpdateDedupOptions } from "./runtime/dedup.js";
export {
  HandlerTimeoutError,
  LeaseLostError,
  LockTimeoutError,
  PollingError,
  RuntimeError,
  type RuntimeErrorCode,
  SessionConflictError,
} from "./runtime/errors.js";
export { MemoryStorage, type MemoryStorageOptions } from "./runtime/memory-storage.js";
export { POLLING_CHANNEL, Poller } from "./runtime/poller.js";
export type { PollingApi, PollingHost, PollingOptions } from "./runtime/polling-options.js";
export {
  KeyedScheduler,
  type KeyedSchedulerOptions,
  type SchedulerTask,
  type TaskHandle,
  type TaskKey,
  type TaskState,
} from "./runtime/scheduler.js";
export {
  type DataFlavor,
  type DataSessionOptions,
  dataSessions,
  migrateChatData,
  type SessionContext,
  type SessionFlavor,
  type SessionLockOptions,
  type SessionMiddleware,
  type SessionOptions,
  session,
} from "./runtime/sessions.js";
export type {
  Storage,
  StorageCommitResult,
  StorageEntry,
  StorageLease,
  StorageLeaseWrite,
  StorageLockOptions,
  StorageWriteOptions,
} from "./runtime/storage.js";
export { escapeKeyPart, storageKey } from "./runtime/storage-key.js";
export {
  updateChat,
  updateChatId,
  updateKey,
  updateUser,
  updateUserId,
} from "./runtime/update-keys.js";

// -- end of runtime --

export {
  CallbackDataCodec,
  type CallbackDataOptions,
  callbackData,
  type UpdateHolder,
} from "./format/callback-data.js";
// -- format: entities, escaping, keyboards (owned by src/format/) --
export {
  blockquote,
  bold,
  canContain,
  code,
  customEmoji,
  dateTime,
  expandableBlockquote,
  type FmtValue,
  type FormattedCaption,
  type FormattedInputText,
  FormattedText,
  fmt,
  italic,
  join,
  link,
  mention,
  pre,
  spoiler,
  strikethrough,
  type TextWithEntities,
  toFormatted,
  underline,
} from "./format/entities.js";
export { FormatError, type FormatErrorCode } from "./format/errors.js";
export {
  escapeHtml,
  escapeHtmlAttribute,
  escapeMarkdownV2,
  escapeMarkdownV2Code,
  escapeMarkdownV2Url,
  type MarkupCaption,
  type MarkupParseMode,
  MarkupText,
} from "./format/escape.js";
export {
  CALLBACK_DATA_MAX_BYTES,
  checkCallbackData,
  InlineKeyboard,
} from "./format/inline-keyboard.js";
export { toHtml } from "./format/render.js";
export {
  forceReply,
  Keyboard,
  type KeyboardOptions,
  removeKeyboard,
} from "./format/reply-keyboard.js";
export {
  CAPTION_MAX_LENGTH,
  MESSAGE_TEXT_MAX_LENGTH,
  splitFormatted,
} from "./format/split.js";
export { type HtmlValue, html, type MarkupValue, md } from "./format/templates.js";
