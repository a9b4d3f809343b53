import type { SpecField } from "./spec.ts";

/**
 * Integer fields that can never be negative, by `Type.field`. Every other Integer field is
 * a safe integer of either sign (chat ids are negative).
 */
const UNSIGNED: ReadonlySet<string> = new Set(["Update.update_id"]);

/**
 * Whether the schema and the guard of a field accept only non-negative safe integers.
 *
 * @param owner The type the field belongs to.
 * @param field The field.
 * @returns `true` for the fields in {@link UNSIGNED} whose spec type is Integer.
 */
export function isUnsigned(owner: string, field: SpecField): boolean {
  return (
    UNSIGNED.has(`${owner}.${field.name}`) &&
    field.types.length === 1 &&
    field.types[0] === "Integer"
  );
}
