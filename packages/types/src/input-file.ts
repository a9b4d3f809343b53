/**
 * The brand every uploadable file carries. `Symbol.for` makes it the same symbol
 * across duplicate installs of `@bot/types`.
 */
export const INPUT_FILE: unique symbol = Symbol.for("@bot/input-file");

/**
 * Tells whether a value is an uploadable file built by `InputFile` from `@bot/client`.
 *
 * @param value Any value.
 * @returns Whether it carries the `InputFile` brand.
 */
export function isInputFile(value: unknown): value is import("./generated/types.js").InputFile {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[INPUT_FILE] === true
  );
}
