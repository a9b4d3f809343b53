/**
 * The @bot application: routing with filters that narrow the context, the context and its
 * shortcuts, formatting and keyboards, sessions on a pluggable storage, and long polling.
 *
 * The names are grouped by who needs them. What only adapter and storage authors need (the
 * scheduler, the poller, dedup, update keys, the compiled filters) is in
 * `@bot/dispatcher/advanced`.
 *
 * @module
 */

// -- Building a bot: the bot, routing, the context, errors --
export type { BotInfo } from "./core/api.js";
export { Bot, type BotOptions, type ErrorHandler } from "./core/bot.js";
export {
  type CallbackQueryContext,
  type ChatTypeContext,
  type CommandContext,
  Composer,
  type HearsContext,
  type InlineQueryContext,
} from "./core/composer.js";
export { Context, type ContextClass, type ContextConstructor } from "./core/context.js";
export { type BotLike, type DeepLinkOptions, deepLink, startGroupLink } from "./core/deep-link.js";
export type { ContextShortcuts, InlineResult, MessageText } from "./core/shortcut-types.js";
export { type Filter, type FilterQuery, matchFilter } from "./core/filter.js";
export type { Middleware, MiddlewareFn, MiddlewareObj, NextFunction } from "./core/middleware.js";
export type { Trigger, TriggerMatch } from "./core/trigger.js";
export type { PollingOptions } from "./runtime/polling-options.js";
export type { WorkOptions } from "./runtime/work.js";
export {
  BotError,
  DispatcherError,
  type DispatcherErrorCode,
  type ErrorSource,
  HandlerStop,
} from "./core/errors.js";
export {
  HandlerTimeoutError,
  isStorageUnavailable,
  PollingError,
  RuntimeError,
  type RuntimeErrorCode,
  UpdateNotConfirmedError,
} from "./runtime/errors.js";

// -- Formatting, keyboards and callback data --
export {
  blockquote,
  bold,
  code,
  customEmoji,
  dateTime,
  expandableBlockquote,
  type FmtValue,
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
export { type HtmlValue, html, type MarkupValue, md } from "./format/templates.js";
export { toHtml } from "./format/render.js";
export {
  escapeHtml,
  escapeHtmlAttribute,
  escapeMarkdownV2,
  escapeMarkdownV2Code,
  escapeMarkdownV2Url,
  MarkupText,
} from "./format/escape.js";
export { CAPTION_MAX_LENGTH, MESSAGE_TEXT_MAX_LENGTH, splitFormatted } from "./format/split.js";
export { InlineKeyboard } from "./format/inline-keyboard.js";
export {
  forceReply,
  Keyboard,
  type KeyboardOptions,
  removeKeyboard,
} from "./format/reply-keyboard.js";
export {
  CallbackDataCodec,
  type CallbackDataOptions,
  type CallbackScope,
  callbackData,
} from "./format/callback-data.js";
export { FormatError, type FormatErrorCode } from "./format/errors.js";

// -- Sessions and storage --
export { dataSessions, migrateChatData } from "./runtime/data-sessions.js";
export { session } from "./runtime/session.js";
export type {
  DataFlavor,
  DataScope,
  DataSessionOptions,
  DataSessionsMiddleware,
  SessionContext,
  SessionFlavor,
  SessionLockOptions,
  SessionMiddleware,
  SessionOptions,
} from "./runtime/session-types.js";
export type {
  Storage,
  StorageEntry,
  StorageWriteOptions,
} from "./runtime/storage.js";
export { MemoryStorage, type MemoryStorageOptions } from "./runtime/memory-storage.js";
export { LeaseLostError, LockTimeoutError, SessionConflictError } from "./runtime/errors.js";
