import { timingSafeEqual } from "node:crypto";

/** The longest secret Telegram accepts. */
const MAX = 256;

/**
 * Builds a constant-time check of the `X-Telegram-Bot-Api-Secret-Token` header.
 *
 * The header is copied into a fixed 256-byte buffer padded with zeros and compared with
 * `timingSafeEqual` against the secret padded the same way, so the time taken depends
 * neither on where the first wrong byte is nor on the secret's length. Longer headers are
 * rejected after a dummy comparison of the same cost.
 *
 * @param secret The expected secret (1-256 characters of `A-Z a-z 0-9 _ -`).
 * @returns A function that tells whether a header value matches.
 */
export function secretChecker(secret: string): (header: unknown) => boolean {
  const expected = Buffer.alloc(MAX);
  expected.write(secret, 0, "latin1");
  const length = secret.length;
  const scratch = Buffer.alloc(MAX);
  return (header) => {
    scratch.fill(0);
    const fits = typeof header === "string" && header.length <= MAX;
    // Header values reach Node as latin1, one byte per character: the copy is exact.
    if (fits) scratch.write(header, 0, "latin1");
    const same = timingSafeEqual(scratch, expected);
    return fits && same && header.length === length;
  };
}
