/**
 * Row arithmetic shared by the keyboard builders. Every function returns new arrays and never
 * mutates its input.
 *
 * @module
 */
import { FormatError } from "./errors.js";

/** Rows of buttons, readonly on input. */
export type Rows<B> = readonly (readonly B[])[];

/**
 * Appends buttons to the last row, or to a new row when `open` is false.
 *
 * @param rows The current rows.
 * @param open Whether the last row still takes buttons.
 * @param buttons The buttons to add.
 * @returns The new rows.
 */
export function addButtons<B>(rows: Rows<B>, open: boolean, buttons: readonly B[]): B[][] {
  const out = rows.map((r) => r.slice());
  if (buttons.length === 0) return out;
  const last = out[out.length - 1];
  if (open && last !== undefined) last.push(...buttons);
  else out.push(buttons.slice());
  return out;
}

/**
 * Flows buttons into rows of `columns` buttons (the last row may be shorter).
 *
 * @param buttons The buttons, in reading order.
 * @param columns Buttons per row, a positive integer.
 * @returns The rows.
 */
export function toGrid<B>(buttons: readonly B[], columns: number): B[][] {
  if (!Number.isSafeInteger(columns) || columns < 1) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
      "columns must be a positive integer",
    );
  }
  const out: B[][] = [];
  for (let i = 0; i < buttons.length; i += columns) out.push(buttons.slice(i, i + columns));
  return out;
}

/**
 * Copies rows and drops empty ones.
 *
 * @param rows The rows.
 * @returns The copied rows.
 */
export function copyRows<B>(rows: Rows<B>): B[][] {
  const out: B[][] = [];
  for (const r of rows) if (r.length > 0) out.push(r.slice());
  return out;
}

/**
 * Checks a button label.
 *
 * @param label The label.
 * @returns The label.
 */
export function checkLabel(label: string): string {
  if (typeof label !== "string" || label.length === 0) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
      "a button label must be a non-empty string",
    );
  }
  return label;
}

/**
 * Replaces the last button of the last row with `change(button)`.
 *
 * @param rows The rows.
 * @param what The name of the calling method, for the error message.
 * @param change Makes the new button.
 * @returns The new rows.
 */
export function changeLast<B>(rows: Rows<B>, what: string, change: (button: B) => B): B[][] {
  const out = rows.map((r) => r.slice());
  const row = out[out.length - 1];
  const last = row?.[row.length - 1];
  if (row === undefined || last === undefined) {
    throw new FormatError(
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
      `${what}() needs a button to apply to`,
    );
  }
  row[row.length - 1] = change(last);
  return out;
}
