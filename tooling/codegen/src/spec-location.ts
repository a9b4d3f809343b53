import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The vendored Bot API spec, committed in `tooling/codegen/spec/api.json`. */
export const VENDORED_SPEC_PATH: string = fileURLToPath(
  new URL("../spec/api.json", import.meta.url),
);

/**
 * Where the Bot API spec is read from: `BOT_API_SPEC` when set, else the vendored copy.
 *
 * A missing file fails loudly instead of letting a caller skip its checks.
 *
 * @param env The environment to read `BOT_API_SPEC` from (default `process.env`).
 * @returns The absolute path of the spec file.
 */
export function specPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.BOT_API_SPEC || VENDORED_SPEC_PATH;
  if (!existsSync(path)) {
    throw new Error(`The Bot API spec is not at ${path}. Set BOT_API_SPEC to its path.`);
  }
  return path;
}
