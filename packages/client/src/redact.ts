/**
 * Removes a secret (the bot token) from errors and their cause chains before they reach users.
 */

/** What replaces the token wherever it would have appeared. */
export const REDACTED = "[REDACTED]";

/**
 * Replaces every occurrence of `secret` in a string.
 *
 * @param text Any text.
 * @param secret The secret to remove.
 * @returns The text without the secret.
 */
export function redactText(text: string, secret: string): string {
  return secret.length > 0 && text.includes(secret) ? text.split(secret).join(REDACTED) : text;
}

/**
 * Scrubs the secret from an error's `message`, `stack` and string properties, and from its
 * whole `cause` chain (and `AggregateError.errors`), in place.
 *
 * @param error Any thrown value.
 * @param secret The secret to remove.
 * @returns The same value, scrubbed; a string is returned redacted.
 */
export function scrubError<T>(error: T, secret: string): T {
  return scrub(error, secret, 0, new Set()) as T;
}

function scrub(value: unknown, secret: string, depth: number, seen: Set<unknown>): unknown {
  if (typeof value === "string") return redactText(value, secret);
  if (typeof value !== "object" || value === null || depth > 8 || seen.has(value)) return value;
  seen.add(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor || !("value" in descriptor) || !descriptor.writable) continue;
    const field = descriptor.value;
    if (typeof field === "string") {
      if (field.includes(secret)) record[key] = redactText(field, secret);
    } else if (typeof field === "object" && field !== null) {
      record[key] = scrub(field, secret, depth + 1, seen);
    }
  }
  return value;
}
