/**
 * An immutable builder for reply keyboards, plus `removeKeyboard` and `forceReply`.
 *
 * @module
 */
import type {
  ButtonStyle,
  ForceReply,
  KeyboardButton,
  KeyboardButtonRequestChat,
  KeyboardButtonRequestUsers,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
} from "@bot/types";
import { FormatError } from "./errors.js";
import { addButtons, changeLast, checkLabel, copyRows, type Rows, toGrid } from "./rows.js";

/** The options of a reply keyboard, as in `ReplyKeyboardMarkup`. */
export type KeyboardOptions = Omit<ReplyKeyboardMarkup, "keyboard">;

const OPTION_KEYS = [
  "is_persistent",
  "resize_keyboard",
  "one_time_keyboard",
  "input_field_placeholder",
  "selective",
] as const;

function checkPlaceholder(placeholder: string): string {
  if (typeof placeholder !== "string" || placeholder.length < 1 || placeholder.length > 64) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
      "a placeholder must be 1-64 characters",
    );
  }
  return placeholder;
}

function checkRequestId(requestId: number): number {
  if (!Number.isInteger(requestId) || requestId < -(2 ** 31) || requestId >= 2 ** 31) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
      "request_id must be a signed 32-bit integer",
    );
  }
  return requestId;
}

function toButton(button: string | KeyboardButton): KeyboardButton {
  return typeof button === "string" ? Keyboard.text(button) : button;
}

/**
 * An immutable reply keyboard that is also a `ReplyKeyboardMarkup`: options that are not set
 * are absent, not `undefined`, so the object serialises exactly.
 */
export class Keyboard implements ReplyKeyboardMarkup {
  /** The rows of buttons, as sent to Telegram. */
  readonly keyboard: KeyboardButton[][];
  /** Set by {@link Keyboard.persistent}. */
  declare readonly is_persistent?: boolean;
  /** Set by {@link Keyboard.resized}. */
  declare readonly resize_keyboard?: boolean;
  /** Set by {@link Keyboard.oneTime}. */
  declare readonly one_time_keyboard?: boolean;
  /** Set by {@link Keyboard.placeholder}. */
  declare readonly input_field_placeholder?: string;
  /** Set by {@link Keyboard.selected}. */
  declare readonly selective?: boolean;
  #open = true;

  /**
   * Creates a keyboard, empty or from rows of buttons or labels (empty rows are dropped).
   *
   * @param rows The initial rows.
   * @param options The keyboard options; `false` flags are left out.
   */
  constructor(rows: Rows<string | KeyboardButton> = [], options: KeyboardOptions = {}) {
    this.keyboard = copyRows(rows.map((r) => r.map(toButton)));
    const self = this as { -readonly [K in keyof KeyboardOptions]: KeyboardOptions[K] };
    for (const key of OPTION_KEYS) {
      const value = options[key];
      if (value === undefined || value === false) continue;
      if (key === "input_field_placeholder") self[key] = checkPlaceholder(value as string);
      else self[key] = value as boolean;
    }
  }

  #options(): KeyboardOptions {
    const o: Record<string, unknown> = {};
    for (const key of OPTION_KEYS) if (this[key] !== undefined) o[key] = this[key];
    return o as KeyboardOptions;
  }

  #with(rows: KeyboardButton[][], open: boolean, options: KeyboardOptions): Keyboard {
    const k = new Keyboard(rows, options);
    k.#open = open;
    return k;
  }

  #set(options: KeyboardOptions): Keyboard {
    return this.#with(this.keyboard, this.#open, { ...this.#options(), ...options });
  }

  /**
   * Creates a keyboard from rows of buttons or labels.
   *
   * @param rows The rows.
   * @returns The keyboard.
   */
  static from(rows: Rows<string | KeyboardButton>): Keyboard {
    return new Keyboard(rows);
  }

  /**
   * Creates a keyboard by flowing buttons or labels into rows of `columns`.
   *
   * @param buttons The buttons or labels, in reading order.
   * @param columns Buttons per row.
   * @returns The keyboard.
   */
  static grid(buttons: readonly (string | KeyboardButton)[], columns: number): Keyboard;
  /**
   * Creates a keyboard from a list of items, one button per item, in rows of `columns`.
   *
   * @param items The items, in reading order.
   * @param columns Buttons per row.
   * @param toButton Makes the button (or label) of an item.
   * @returns The keyboard.
   */
  static grid<T>(
    items: readonly T[],
    columns: number,
    toButton: (item: T, index: number) => string | KeyboardButton,
  ): Keyboard;
  static grid<T>(
    items: readonly T[],
    columns: number,
    toButton?: (item: T, index: number) => string | KeyboardButton,
  ): Keyboard {
    const buttons =
      toButton === undefined
        ? (items as readonly unknown[] as (string | KeyboardButton)[])
        : items.map(toButton);
    return new Keyboard(toGrid(buttons, columns));
  }

  /**
   * Makes a text button.
   *
   * @param label The button text, sent as a message when pressed.
   * @returns The button.
   */
  static text(label: string): KeyboardButton {
    return { text: checkLabel(label) };
  }

  /**
   * Makes a button that shares the user's phone number (private chats only).
   *
   * @param label The button text.
   * @returns The button.
   */
  static requestContact(label: string): KeyboardButton {
    return { text: checkLabel(label), request_contact: true };
  }

  /**
   * Makes a button that shares the user's location (private chats only).
   *
   * @param label The button text.
   * @returns The button.
   */
  static requestLocation(label: string): KeyboardButton {
    return { text: checkLabel(label), request_location: true };
  }

  /**
   * Makes a button that asks the user to create a poll (private chats only).
   *
   * @param label The button text.
   * @param type `"quiz"` or `"regular"` to force the kind; any kind when omitted.
   * @returns The button.
   */
  static requestPoll(label: string, type?: "quiz" | "regular"): KeyboardButton {
    return { text: checkLabel(label), request_poll: type === undefined ? {} : { type } };
  }

  /**
   * Makes a button that asks the user to pick users; the bot gets a `users_shared` message.
   *
   * @param label The button text.
   * @param requestId An id echoed back in `users_shared`, a signed 32-bit integer.
   * @param options Criteria for the users and what to share.
   * @returns The button.
   */
  static requestUsers(
    label: string,
    requestId: number,
    options: Omit<KeyboardButtonRequestUsers, "request_id"> = {},
  ): KeyboardButton {
    const max = options.max_quantity;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 10)) {
      throw new FormatError(
        "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
        "requestUsers max_quantity must be 1-10",
      );
    }
    return {
      text: checkLabel(label),
      request_users: { request_id: checkRequestId(requestId), ...options },
    };
  }

  /**
   * Makes a button that asks the user to pick a chat; the bot gets a `chat_shared` message.
   *
   * @param label The button text.
   * @param requestId An id echoed back in `chat_shared`, a signed 32-bit integer.
   * @param options Criteria for the chat; `chat_is_channel` is required.
   * @returns The button.
   */
  static requestChat(
    label: string,
    requestId: number,
    options: Omit<KeyboardButtonRequestChat, "request_id">,
  ): KeyboardButton {
    return {
      text: checkLabel(label),
      request_chat: { request_id: checkRequestId(requestId), ...options },
    };
  }

  /**
   * Makes a button that opens a Web App (private chats only).
   *
   * @param label The button text.
   * @param url The Web App's https URL.
   * @returns The button.
   */
  static webApp(label: string, url: string): KeyboardButton {
    if (typeof url !== "string" || url.length === 0) {
      throw new FormatError(
        "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
        "webApp url must be a non-empty string",
      );
    }
    return { text: checkLabel(label), web_app: { url } };
  }

  /**
   * Adds buttons (or labels) to the current row.
   *
   * @param buttons The buttons.
   * @returns A new keyboard.
   */
  add(...buttons: (string | KeyboardButton)[]): Keyboard {
    const rows = addButtons(this.keyboard, this.#open, buttons.map(toButton));
    return this.#with(rows, true, this.#options());
  }

  /**
   * Ends the current row; the next button starts a new one.
   *
   * @returns A new keyboard.
   */
  row(): Keyboard {
    return this.#with(this.keyboard, false, this.#options());
  }

  /**
   * Reflows every button into rows of `columns`.
   *
   * @param columns Buttons per row.
   * @returns A new keyboard.
   */
  columns(columns: number): Keyboard {
    return this.#with(toGrid(this.keyboard.flat(), columns), false, this.#options());
  }

  /**
   * Adds a text button.
   *
   * @param label The button text.
   * @returns A new keyboard.
   */
  text(label: string): Keyboard {
    return this.add(Keyboard.text(label));
  }

  /**
   * Adds a contact request button.
   *
   * @param label The button text.
   * @returns A new keyboard.
   */
  requestContact(label: string): Keyboard {
    return this.add(Keyboard.requestContact(label));
  }

  /**
   * Adds a location request button.
   *
   * @param label The button text.
   * @returns A new keyboard.
   */
  requestLocation(label: string): Keyboard {
    return this.add(Keyboard.requestLocation(label));
  }

  /**
   * Adds a poll request button.
   *
   * @param label The button text.
   * @param type `"quiz"` or `"regular"`, or any kind when omitted.
   * @returns A new keyboard.
   */
  requestPoll(label: string, type?: "quiz" | "regular"): Keyboard {
    return this.add(Keyboard.requestPoll(label, type));
  }

  /**
   * Adds a users request button.
   *
   * @param label The button text.
   * @param requestId An id echoed back in `users_shared`.
   * @param options Criteria for the users.
   * @returns A new keyboard.
   */
  requestUsers(
    label: string,
    requestId: number,
    options: Omit<KeyboardButtonRequestUsers, "request_id"> = {},
  ): Keyboard {
    return this.add(Keyboard.requestUsers(label, requestId, options));
  }

  /**
   * Adds a chat request button.
   *
   * @param label The button text.
   * @param requestId An id echoed back in `chat_shared`.
   * @param options Criteria for the chat.
   * @returns A new keyboard.
   */
  requestChat(
    label: string,
    requestId: number,
    options: Omit<KeyboardButtonRequestChat, "request_id">,
  ): Keyboard {
    return this.add(Keyboard.requestChat(label, requestId, options));
  }

  /**
   * Adds a Web App button.
   *
   * @param label The button text.
   * @param url The Web App's https URL.
   * @returns A new keyboard.
   */
  webApp(label: string, url: string): Keyboard {
    return this.add(Keyboard.webApp(label, url));
  }

  /**
   * Gives the last added button a colour style.
   *
   * @param style `"danger"`, `"success"` or `"primary"`.
   * @returns A new keyboard.
   */
  style(style: ButtonStyle): Keyboard {
    const rows = changeLast(this.keyboard, "style", (b) => ({ ...b, style }));
    return this.#with(rows, this.#open, this.#options());
  }

  /**
   * Shows a custom emoji before the last added button's text.
   *
   * @param customEmojiId The custom emoji id.
   * @returns A new keyboard.
   */
  icon(customEmojiId: string): Keyboard {
    if (typeof customEmojiId !== "string" || customEmojiId.length === 0) {
      throw new FormatError(
        "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
        "icon custom emoji id must be non-empty",
      );
    }
    const rows = changeLast(this.keyboard, "icon", (b) => ({
      ...b,
      icon_custom_emoji_id: customEmojiId,
    }));
    return this.#with(rows, this.#open, this.#options());
  }

  /**
   * Asks clients to size the keyboard to its buttons.
   *
   * @param flag Whether to resize; `true` by default.
   * @returns A new keyboard.
   */
  resized(flag = true): Keyboard {
    return this.#set({ resize_keyboard: flag });
  }

  /**
   * Asks clients to hide the keyboard once a button is pressed.
   *
   * @param flag Whether to hide it; `true` by default.
   * @returns A new keyboard.
   */
  oneTime(flag = true): Keyboard {
    return this.#set({ one_time_keyboard: flag });
  }

  /**
   * Keeps the keyboard shown when the regular keyboard is hidden.
   *
   * @param flag Whether it persists; `true` by default.
   * @returns A new keyboard.
   */
  persistent(flag = true): Keyboard {
    return this.#set({ is_persistent: flag });
  }

  /**
   * Shows a placeholder in the input field while the keyboard is active.
   *
   * @param text The placeholder, 1-64 characters.
   * @returns A new keyboard.
   */
  placeholder(text: string): Keyboard {
    return this.#set({ input_field_placeholder: checkPlaceholder(text) });
  }

  /**
   * Shows the keyboard only to mentioned users and the sender of the replied-to message. It
   * sets `selective`; the method has another name because `selective` is the field itself.
   *
   * @param flag Whether it is selective; `true` by default.
   * @returns A new keyboard.
   */
  selected(flag = true): Keyboard {
    return this.#set({ selective: flag });
  }

  /**
   * Returns a plain `ReplyKeyboardMarkup` object, detached from this keyboard.
   *
   * @returns The markup.
   */
  build(): ReplyKeyboardMarkup {
    return { keyboard: this.keyboard.map((r) => r.slice()), ...this.#options() };
  }
}

/**
 * Builds a `ReplyKeyboardRemove` that hides the current reply keyboard.
 *
 * @param options `selective` to remove it only for some users.
 * @returns The markup.
 */
export function removeKeyboard(options: { selective?: boolean } = {}): ReplyKeyboardRemove {
  return options.selective === true
    ? { remove_keyboard: true, selective: true }
    : { remove_keyboard: true };
}

/**
 * Builds a `ForceReply` that makes clients show a reply interface to the user.
 *
 * @param options An input placeholder (1-64 characters) and `selective`.
 * @returns The markup.
 */
export function forceReply(
  options: { placeholder?: string; selective?: boolean } = {},
): ForceReply {
  const out: ForceReply = { force_reply: true };
  if (options.placeholder !== undefined) {
    out.input_field_placeholder = checkPlaceholder(options.placeholder);
  }
  if (options.selective === true) out.selective = true;
  return out;
}
