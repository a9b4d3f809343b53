import type { ServerResponse } from "node:http";
import { ApiFailure, type FailureParameters } from "./errors.js";

/**
 * Writes a JSON answer.
 *
 * @param res The response.
 * @param status The HTTP status.
 * @param body The JSON body.
 * @param headers Extra headers.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Writes Telegram's failure envelope with HTTP status = `error_code` and `Retry-After` on 429.
 *
 * @param res The response.
 * @param code The error code.
 * @param description The description.
 * @param parameters Optional response parameters.
 */
export function sendFailure(
  res: ServerResponse,
  code: number,
  description: string,
  parameters?: FailureParameters,
): void {
  const body: Record<string, unknown> = { ok: false, error_code: code, description };
  if (parameters !== undefined) body.parameters = parameters;
  const headers: Record<string, string> = {};
  if (parameters?.retry_after !== undefined)
    headers["retry-after"] = String(parameters.retry_after);
  sendJson(res, code, body, headers);
}

/**
 * Writes the answer for a thrown value: an `ApiFailure` as itself, anything else as a 500.
 *
 * @param res The response.
 * @param error The thrown value.
 */
export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof ApiFailure)
    sendFailure(res, error.errorCode, error.description, error.parameters);
  else sendFailure(res, 500, "Internal Server Error");
}
