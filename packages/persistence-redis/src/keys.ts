/**
 * Redis key names: the prefix, then the storage key inside one hash tag, so every key that
 * belongs to one storage key (or one queue partition) lives in one Redis
 * Cluster slot and a script may touch them together.
 *
 * @module
 */

/** A character {@link escapeKey} escapes. */
const SPECIAL = /[%{}]/;

/**
 * Escapes the characters that would end or open a hash tag (`{`, `}`) and the escape
 * character itself (`%`), injectively: two different keys never give the same name.
 *
 * @param key The storage key as the dispatcher gives it.
 * @returns The key, safe inside a hash tag.
 */
export function escapeKey(key: string): string {
  // most keys have none of them: no new string
  if (!SPECIAL.test(key)) return key;
  return key.replace(/[%{}]/g, (c) => (c === "%" ? "%25" : c === "{" ? "%7B" : "%7D"));
}

/**
 * The Redis name of a storage key: `<prefix>{<escaped key>}` plus an optional suffix.
 *
 * @param prefix The namespace (no braces).
 * @param key The storage key.
 * @param suffix `""` for the value (a hash with its lock, see `scripts.ts`); the update queue adds `":lock"`, `":fence"` and others.
 * @returns The Redis key.
 */
export function redisKey(prefix: string, key: string, suffix = ""): string {
  return `${prefix}{${escapeKey(key)}}${suffix}`;
}
