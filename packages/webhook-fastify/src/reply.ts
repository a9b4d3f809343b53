import { isInputFile } from "@bot/types";
import type { WebhookReplySink } from "./contract.js";

/** Whether a value holds a file upload anywhere (uploads need multipart, which a webhook reply cannot carry). */
function holdsFile(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (isInputFile(value)) return true;
  if (depth > 4) return true; // too deep to be sure: let the client send it
  for (const inner of Array.isArray(value) ? value : Object.values(value)) {
    if (holdsFile(inner, depth + 1)) return true;
  }
  return false;
}

/**
 * The webhook reply of one `await`-mode request: takes at most one JSON-only API call while
 * the request is still open, and renders it as the response body.
 */
export class ReplySlot implements WebhookReplySink {
  #open = true;
  #body: string | undefined;

  /**
   * Offers one API call for the HTTP response.
   *
   * @param method The Bot API method.
   * @param params Its parameters.
   * @returns `true` when taken; `false` after the response left, for a second call, or for uploads.
   */
  offer(method: string, params: Record<string, unknown>): boolean {
    if (!this.#open || this.#body !== undefined) return false;
    if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) return false;
    if (holdsFile(params, 0)) return false;
    let body: string;
    try {
      // `method` last, so a `method` key inside params cannot change the call.
      body = JSON.stringify({ ...params, method });
    } catch {
      return false;
    }
    this.#body = body;
    return true;
  }

  /**
   * Closes the slot: later offers are refused.
   *
   * @returns The JSON body of the call taken, if any.
   */
  close(): string | undefined {
    this.#open = false;
    return this.#body;
  }
}
