/**
 * Builds a constant-time check of the `X-Telegram-Bot-Api-Secret-Token` header.
 *
 * Every call takes the same steps: one pass over the secret's length, OR-ing together the
 * differences of each character (and of the lengths), with no early exit. So the time taken
 * depends neither on the header's content nor on where its first wrong character is; a
 * longer header is not read past the secret's length. It runs in JavaScript on purpose: the
 * check runs on every request, and native calls with a scratch buffer cost several times more.
 *
 * @param secret The expected secret (1-256 characters of `A-Z a-z 0-9 _ -`).
 * @returns A function that tells whether a header value matches.
 */
export function secretChecker(secret: string): (header: unknown) => boolean {
  const length = secret.length;
  const codes = new Uint8Array(length);
  for (let i = 0; i < length; i++) codes[i] = secret.charCodeAt(i);
  return (header) => {
    if (typeof header !== "string") return false;
    let diff = header.length ^ length;
    // Past the header's end `charCodeAt` gives NaN, which `| 0` turns into 0: a secret
    // character is never 0, so a short header still differs there.
    for (let i = 0; i < length; i++) diff |= (header.charCodeAt(i) | 0) ^ (codes[i] as number);
    return diff === 0;
  };
}
