/**
 * How deeply objects may nest inside one validated update: the update itself is level 1.
 * A real update nests about eight levels deep (Telegram sends one level of
 * `reply_to_message`); a deeper value is refused with a typed error instead of recursing
 * until the stack overflows. Shared by the generated guards and the schemas.
 */
export const MAX_OBJECT_DEPTH = 32;
