/**
 * An immutable builder for inline keyboards. Each method returns a new keyboard, and a
 * keyboard is itself a valid `InlineKeyboardMarkup`, usable directly as `reply_markup`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type {
  ButtonStyle,
  CopyTextButton,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  LoginUrl,
  SwitchInlineQueryChosenChat,
} from "@bot/types";
import { FormatError } from "./errors.js";
import { addButtons, changeLast, checkLabel, copyRows, type Rows, toGrid } from "./rows.js";

/** The most bytes of UTF-8 Telegram accepts in `callback_data`. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/**
 * Checks `callback_data` against the Bot API limit of 1-64 bytes of UTF-8.
 *
 * @param data The callback data.
 * @returns `data`, unchanged.
 */
export function checkCallbackData(data: string): string {
  if (typeof data !== "string" || data.length === 0) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA",
      "callback_data must not be empty",
    );
  }
  // Up to 16 code units cannot exceed 64 bytes; skip the count on the common short case.
  if (data.length > 16) {
    const bytes = Buffer.byteLength(data, "utf8");
    if (bytes > CALLBACK_DATA_MAX_BYTES) {
      throw new FormatError(
        "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA",
        `callback_data is ${bytes} bytes of UTF-8; the limit is ${CALLBACK_DATA_MAX_BYTES}`,
      );
    }
  }
  return data;
}

function nonEmpty(what: string, value: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
      `${what} must be a non-empty string`,
    );
  }
  return value;
}

/** An immutable inline keyboard that is also an `InlineKeyboardMarkup`. */
export class InlineKeyboard implements InlineKeyboardMarkup {
  /** The rows of buttons, as sent to Telegram. */
  readonly inline_keyboard: InlineKeyboardButton[][];
  #open = true;

  /**
   * Creates a keyboard, empty or from rows of buttons (empty rows are dropped).
   *
   * @param rows The initial rows.
   */
  constructor(rows: Rows<InlineKeyboardButton> = []) {
    this.inline_keyboard = copyRows(rows);
  }

  static #make(rows: InlineKeyboardButton[][], open: boolean): InlineKeyboard {
    const k = new InlineKeyboard(rows);
    k.#open = open;
    return k;
  }

  /**
   * Creates a keyboard from rows of buttons.
   *
   * @param rows The rows.
   * @returns The keyboard.
   */
  static from(rows: Rows<InlineKeyboardButton>): InlineKeyboard {
    return new InlineKeyboard(rows);
  }

  /**
   * Creates a keyboard by flowing buttons into rows of `columns`.
   *
   * @param buttons The buttons, in reading order.
   * @param columns Buttons per row.
   * @returns The keyboard.
   */
  static grid(buttons: readonly InlineKeyboardButton[], columns: number): InlineKeyboard;
  /**
   * Creates a keyboard from a list of items, one button per item, in rows of `columns`.
   *
   * @example InlineKeyboard.grid(items, 3, (i) => InlineKeyboard.text(i.name, `pick:${i.id}`))
   * @param items The items, in reading order.
   * @param columns Buttons per row.
   * @param toButton Makes the button of an item.
   * @returns The keyboard.
   */
  static grid<T>(
    items: readonly T[],
    columns: number,
    toButton: (item: T, index: number) => InlineKeyboardButton,
  ): InlineKeyboard;
  static grid<T>(
    items: readonly T[],
    columns: number,
    toButton?: (item: T, index: number) => InlineKeyboardButton,
  ): InlineKeyboard {
    const buttons =
      toButton === undefined
        ? (items as readonly unknown[] as InlineKeyboardButton[])
        : items.map(toButton);
    return InlineKeyboard.#make(toGrid(buttons, columns), false);
  }

  /**
   * Makes a callback button.
   *
   * @param label The button text.
   * @param data The callback data, 1-64 bytes of UTF-8.
   * @returns The button.
   */
  static text(label: string, data: string): InlineKeyboardButton {
    return { text: checkLabel(label), callback_data: checkCallbackData(data) };
  }

  /**
   * Makes a URL button.
   *
   * @param label The button text.
   * @param url The URL (`https://`, `tg://`...).
   * @returns The button.
   */
  static url(label: string, url: string): InlineKeyboardButton {
    return { text: checkLabel(label), url: nonEmpty("url", url) };
  }

  /**
   * Makes a button that opens a Web App.
   *
   * @param label The button text.
   * @param url The Web App's https URL.
   * @returns The button.
   */
  static webApp(label: string, url: string): InlineKeyboardButton {
    return { text: checkLabel(label), web_app: { url: nonEmpty("webApp url", url) } };
  }

  /**
   * Makes a Telegram Login button.
   *
   * @param label The button text.
   * @param login The login URL, or the full `LoginUrl` object.
   * @returns The button.
   */
  static login(label: string, login: string | LoginUrl): InlineKeyboardButton {
    const loginUrl = typeof login === "string" ? { url: login } : { ...login };
    nonEmpty("login url", loginUrl.url);
    return { text: checkLabel(label), login_url: loginUrl };
  }

  /**
   * Makes a button that asks the user to pick a chat and starts an inline query there.
   *
   * @param label The button text.
   * @param query The query to insert; empty by default.
   * @returns The button.
   */
  static switchInline(label: string, query = ""): InlineKeyboardButton {
    return { text: checkLabel(label), switch_inline_query: query };
  }

  /**
   * Makes a button that starts an inline query in the current chat.
   *
   * @param label The button text.
   * @param query The query to insert; empty by default.
   * @returns The button.
   */
  static switchInlineCurrent(label: string, query = ""): InlineKeyboardButton {
    return { text: checkLabel(label), switch_inline_query_current_chat: query };
  }

  /**
   * Makes a button that starts an inline query in a chat of the chosen kinds.
   *
   * @param label The button text.
   * @param chosen The query and the kinds of chat the user may pick.
   * @returns The button.
   */
  static switchInlineChosen(
    label: string,
    chosen: SwitchInlineQueryChosenChat = {},
  ): InlineKeyboardButton {
    return { text: checkLabel(label), switch_inline_query_chosen_chat: { ...chosen } };
  }

  /**
   * Makes a Pay button. Telegram requires it to be the first button of the first row.
   *
   * @param label The button text.
   * @returns The button.
   */
  static pay(label: string): InlineKeyboardButton {
    return { text: checkLabel(label), pay: true };
  }

  /**
   * Makes a button that launches the bot's game.
   *
   * @param label The button text.
   * @returns The button.
   */
  static game(label: string): InlineKeyboardButton {
    return { text: checkLabel(label), callback_game: {} };
  }

  /**
   * Makes a button that copies text to the clipboard.
   *
   * @param label The button text.
   * @param text The text to copy, 1-256 characters.
   * @returns The button.
   */
  static copyText(label: string, text: string): InlineKeyboardButton {
    if (typeof text !== "string" || text.length < 1 || text.length > 256) {
      throw new FormatError(
        "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
        "copyText text must be 1-256 characters",
      );
    }
    const copy: CopyTextButton = { text };
    return { text: checkLabel(label), copy_text: copy };
  }

  /**
   * Adds buttons to the current row.
   *
   * @param buttons The buttons.
   * @returns A new keyboard.
   */
  add(...buttons: InlineKeyboardButton[]): InlineKeyboard {
    return InlineKeyboard.#make(addButtons(this.inline_keyboard, this.#open, buttons), true);
  }

  /**
   * Ends the current row; the next button starts a new one.
   *
   * @returns A new keyboard.
   */
  row(): InlineKeyboard {
    return InlineKeyboard.#make(this.inline_keyboard, false);
  }

  /**
   * Appends the rows of another keyboard below this one.
   *
   * @param other The keyboard or markup to append.
   * @returns A new keyboard.
   */
  append(other: InlineKeyboardMarkup): InlineKeyboard {
    return InlineKeyboard.#make([...this.inline_keyboard, ...other.inline_keyboard], false);
  }

  /**
   * Reflows every button into rows of `columns`.
   *
   * @param columns Buttons per row.
   * @returns A new keyboard.
   */
  columns(columns: number): InlineKeyboard {
    return InlineKeyboard.#make(toGrid(this.inline_keyboard.flat(), columns), false);
  }

  /**
   * Adds a callback button.
   *
   * @param label The button text.
   * @param data The callback data, 1-64 bytes of UTF-8.
   * @returns A new keyboard.
   */
  text(label: string, data: string): InlineKeyboard {
    return this.add(InlineKeyboard.text(label, data));
  }

  /**
   * Adds a URL button.
   *
   * @param label The button text.
   * @param url The URL.
   * @returns A new keyboard.
   */
  url(label: string, url: string): InlineKeyboard {
    return this.add(InlineKeyboard.url(label, url));
  }

  /**
   * Adds a Web App button.
   *
   * @param label The button text.
   * @param url The Web App's https URL.
   * @returns A new keyboard.
   */
  webApp(label: string, url: string): InlineKeyboard {
    return this.add(InlineKeyboard.webApp(label, url));
  }

  /**
   * Adds a Telegram Login button.
   *
   * @param label The button text.
   * @param login The login URL, or the full `LoginUrl` object.
   * @returns A new keyboard.
   */
  login(label: string, login: string | LoginUrl): InlineKeyboard {
    return this.add(InlineKeyboard.login(label, login));
  }

  /**
   * Adds a button that starts an inline query in a chat the user picks.
   *
   * @param label The button text.
   * @param query The query to insert.
   * @returns A new keyboard.
   */
  switchInline(label: string, query = ""): InlineKeyboard {
    return this.add(InlineKeyboard.switchInline(label, query));
  }

  /**
   * Adds a button that starts an inline query in the current chat.
   *
   * @param label The button text.
   * @param query The query to insert.
   * @returns A new keyboard.
   */
  switchInlineCurrent(label: string, query = ""): InlineKeyboard {
    return this.add(InlineKeyboard.switchInlineCurrent(label, query));
  }

  /**
   * Adds a button that starts an inline query in a chat of the chosen kinds.
   *
   * @param label The button text.
   * @param chosen The query and the kinds of chat.
   * @returns A new keyboard.
   */
  switchInlineChosen(label: string, chosen: SwitchInlineQueryChosenChat = {}): InlineKeyboard {
    return this.add(InlineKeyboard.switchInlineChosen(label, chosen));
  }

  /**
   * Adds a Pay button (it must be the first button of the first row).
   *
   * @param label The button text.
   * @returns A new keyboard.
   */
  pay(label: string): InlineKeyboard {
    return this.add(InlineKeyboard.pay(label));
  }

  /**
   * Adds a game button.
   *
   * @param label The button text.
   * @returns A new keyboard.
   */
  game(label: string): InlineKeyboard {
    return this.add(InlineKeyboard.game(label));
  }

  /**
   * Adds a copy-to-clipboard button.
   *
   * @param label The button text.
   * @param text The text to copy.
   * @returns A new keyboard.
   */
  copyText(label: string, text: string): InlineKeyboard {
    return this.add(InlineKeyboard.copyText(label, text));
  }

  /**
   * Gives the last added button a colour style.
   *
   * @example new InlineKeyboard().text("Delete", "del").style("danger")
   * @param style `"danger"`, `"success"` or `"primary"`.
   * @returns A new keyboard.
   */
  style(style: ButtonStyle): InlineKeyboard {
    const rows = changeLast(this.inline_keyboard, "style", (b) => ({ ...b, style }));
    return InlineKeyboard.#make(rows, this.#open);
  }

  /**
   * Shows a custom emoji before the last added button's text.
   *
   * @param customEmojiId The custom emoji id.
   * @returns A new keyboard.
   */
  icon(customEmojiId: string): InlineKeyboard {
    nonEmpty("icon custom emoji id", customEmojiId);
    const rows = changeLast(this.inline_keyboard, "icon", (b) => ({
      ...b,
      icon_custom_emoji_id: customEmojiId,
    }));
    return InlineKeyboard.#make(rows, this.#open);
  }

  /**
   * Returns a plain `InlineKeyboardMarkup` object, detached from this keyboard.
   *
   * @returns The markup.
   */
  build(): InlineKeyboardMarkup {
    return { inline_keyboard: this.inline_keyboard.map((r) => r.slice()) };
  }
}
