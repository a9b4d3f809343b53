import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Where the Bot API spec is: `BOT_API_SPEC`, or `../shared/bot-api/api.json`
 * beside the repository. The drift check must run wherever the spec is, so a
 * missing spec fails loudly instead of skipping.
 */
export function specPath(): string {
  const path =
    process.env.BOT_API_SPEC ??
    fileURLToPath(new URL("../../../../shared/bot-api/api.json", import.meta.url));
  if (!existsSync(path)) {
    throw new Error(`The Bot API spec is not at ${path}. Set BOT_API_SPEC to its path.`);
  }
  return path;
}
