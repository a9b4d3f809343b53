import type { Emulator } from "../src/index.js";

/** A parsed Bot API answer plus the HTTP status and headers. */
export interface Answer {
  status: number;
  headers: Headers;
  body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: Record<string, unknown>;
  };
}

/**
 * Calls a method over HTTP with a JSON body.
 *
 * @param emu The emulator.
 * @param token The bot token.
 * @param method The method.
 * @param params The params.
 * @returns The answer.
 */
export async function call(
  emu: Emulator,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<Answer> {
  const res = await fetch(`${emu.apiRoot}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer["body"] };
}

/**
 * Calls a method and returns its result, failing on `ok: false`.
 *
 * @param emu The emulator.
 * @param token The bot token.
 * @param method The method.
 * @param params The params.
 * @returns The result.
 */
export async function ok<T = unknown>(
  emu: Emulator,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<T> {
  const a = await call(emu, token, method, params);
  if (!a.body.ok) throw new Error(`${method} failed: ${a.status} ${a.body.description}`);
  return a.body.result as T;
}

/**
 * Whether a promise has settled by the next macrotask.
 *
 * @param p The promise.
 * @returns `true` when settled.
 */
export async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((r) => setImmediate(r));
  return done;
}
