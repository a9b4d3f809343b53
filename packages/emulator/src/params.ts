import { METHOD_SPECS, type MethodName } from "@bot/types";
import { isUpload, type RawParams } from "./body.js";
import { badRequest } from "./errors.js";

const SCALARS = new Set(["String", "Integer", "Float", "Boolean", "InputFile"]);

function coerce(name: string, types: readonly string[], value: unknown): unknown {
  if (isUpload(value)) return value;
  if (typeof value !== "string") return value;
  if (types.includes("Integer") || types.includes("Float")) {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) {
      return Number(value);
    }
    if (!types.includes("String")) {
      throw badRequest(`invalid ${name} specified`);
    }
    return value;
  }
  if (types.includes("Boolean")) {
    const v = value.toLowerCase();
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0" || v === "") return false;
    throw badRequest(`invalid ${name} specified`);
  }
  const structured = types.some((t) => !SCALARS.has(t));
  if (structured) {
    if (types.includes("String") && !value.startsWith("{") && !value.startsWith("[")) return value;
    try {
      return JSON.parse(value);
    } catch {
      throw badRequest(`can't parse ${name} JSON object`);
    }
  }
  return value;
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** Specific Telegram texts for some missing required parameters. */
const MISSING_TEXT: Record<string, string> = {
  chat_id: "chat_id is empty",
  text: "message text is empty",
  message_id: "message identifier is not specified",
  callback_query_id: "QUERY_ID_INVALID",
  inline_query_id: "QUERY_ID_INVALID",
  file_id: "wrong file_id specified",
  user_id: "user not found",
  from_chat_id: "chat_id is empty",
  media: "media is empty",
};

/**
 * Checks required parameters against `METHOD_SPECS` and turns form strings
 * into the numbers, booleans and JSON values the spec describes.
 *
 * @param method The canonical method name.
 * @param raw The raw parameters.
 * @returns Coerced parameters (a new object).
 */
export function normalizeParams(method: MethodName, raw: RawParams): Record<string, unknown> {
  const spec = METHOD_SPECS[method];
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(raw)) out[key] = raw[key];
  for (const p of spec.params) {
    const value = out[p.name];
    if (isMissing(value)) {
      if (p.required) {
        throw badRequest(MISSING_TEXT[p.name] ?? `parameter "${p.name}" is required`);
      }
      continue;
    }
    out[p.name] = coerce(p.name, p.types, value);
  }
  return out;
}

/**
 * Reads an optional string parameter.
 *
 * @param params The parameters.
 * @param name The name.
 * @returns The string, or `undefined`.
 */
export function optString(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw badRequest(`invalid ${name} specified`);
}

/**
 * Reads an optional integer parameter.
 *
 * @param params The parameters.
 * @param name The name.
 * @returns The number, or `undefined`.
 */
export function optInt(params: Record<string, unknown>, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN;
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name} specified`);
  return n;
}

/**
 * Reads a required integer parameter.
 *
 * @param params The parameters.
 * @param name The name.
 * @returns The number.
 */
export function reqInt(params: Record<string, unknown>, name: string): number {
  const n = optInt(params, name);
  if (n === undefined) throw badRequest(MISSING_TEXT[name] ?? `parameter "${name}" is required`);
  return n;
}

/**
 * Reads an optional boolean parameter.
 *
 * @param params The parameters.
 * @param name The name.
 * @returns The boolean, or `undefined`.
 */
export function optBool(params: Record<string, unknown>, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === 1 || v === "1") return true;
  if (v === "false" || v === 0 || v === "0") return false;
  throw badRequest(`invalid ${name} specified`);
}
