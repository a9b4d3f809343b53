/**
 * The @bot application: routing, filters with type narrowing, context,
 * sessions, conversations and long polling.
 *
 * @module
 */

// -- core: Bot, Composer, filters, Context (owned by src/core/) --

// -- runtime: Storage, sessions, scheduler, polling (owned by src/runtime/) --

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
  FormattedText,
  type FormattedCaption,
  type FormattedInputText,
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
  html,
  type MarkupCaption,
  type MarkupParseMode,
  MarkupText,
  type MarkupValue,
  md,
} from "./format/escape.js";
export {
  CALLBACK_DATA_MAX_BYTES,
  checkCallbackData,
  InlineKeyboard,
} from "./format/inline-keyboard.js";
export {
  forceReply,
  Keyboard,
  type KeyboardOptions,
  removeKeyboard,
} from "./format/reply-keyboard.js";
