/**
 * Turns call parameters into a request body: JSON when no file is uploaded (the fast path),
 * otherwise multipart parts with `attach://` references for files nested in objects.
 */
import { METHOD_SPECS, type MethodName } from "@bot/types";
import {
  FILE_REFERENCE,
  type FileBytes,
  type InputFile,
  isUploadable,
  OPEN_FILE,
  type OpenFileOptions,
} from "./input-file.js";
import type { MultipartParts } from "./multipart.js";

const NO_FILE_PARAMS: readonly string[] = [];
const fileParamsCache = new Map<string, readonly string[] | null>();
const INPUT_TYPE = /\bInput[A-Z]/;

/**
 * The parameters of a method that can carry a file (directly or nested), from the spec table.
 *
 * @param method The method name.
 * @returns The names, or `null` for a method the spec does not know (scan everything).
 */
export function fileParamsOf(method: string): readonly string[] | null {
  const cached = fileParamsCache.get(method);
  if (cached !== undefined) return cached;
  const spec = Object.hasOwn(METHOD_SPECS, method) ? METHOD_SPECS[method as MethodName] : undefined;
  let names: readonly string[] | null = null;
  if (spec) {
    const found = spec.params
      .filter((p) => p.types.some((t) => INPUT_TYPE.test(t)))
      .map((p) => p.name);
    names = found.length === 0 ? NO_FILE_PARAMS : found;
  }
  fileParamsCache.set(method, names);
  return names;
}

function containsUpload(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null || depth > 16) return false;
  if (isUploadable(value)) return value[FILE_REFERENCE] === undefined;
  if (Array.isArray(value)) {
    for (const item of value) if (containsUpload(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (containsUpload((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * Tells whether a call must be sent as multipart because it uploads a file.
 *
 * @param params The call's parameters.
 * @param names The parameters that may carry a file, or `null` to scan all.
 * @returns Whether any file must be uploaded.
 */
export function hasUploads(params: object, names: readonly string[] | null): boolean {
  const record = params as Record<string, unknown>;
  if (names === null) {
    for (const key in record) if (containsUpload(record[key], 0)) return true;
    return false;
  }
  for (let i = 0; i < names.length; i++) {
    if (containsUpload(record[names[i] as string], 0)) return true;
  }
  return false;
}

/** Multipart parts, with the streams that were opened for them. */
export interface PreparedMultipart {
  readonly parts: MultipartParts;
  /** Releases every opened file (a no-op for files already read to the end). */
  readonly release: () => void;
  /** Whether every file can be opened again for a retry. */
  readonly reusable: boolean;
}

function release(bytes: readonly FileBytes[]): void {
  for (const b of bytes) {
    const destroy = (b as { destroy?: unknown }).destroy;
    if (typeof destroy === "function") destroy.call(b);
  }
}

/**
 * Builds the multipart parts of a call and opens its files.
 *
 * @param params The call's parameters.
 * @param open The call's signal and timeout, for files fetched from a URL.
 * @returns The parts, ready to encode.
 */
export async function prepareMultipart(
  params: object,
  open?: OpenFileOptions,
): Promise<PreparedMultipart> {
  const fields: (readonly [string, string])[] = [];
  const pending: (readonly [string, InputFile])[] = [];
  let counter = 0;
  const attach = (file: InputFile): string => {
    const name = `file${counter++}`;
    pending.push([name, file]);
    return `attach://${name}`;
  };
  const replace = (value: unknown, depth: number): unknown => {
    if (typeof value !== "object" || value === null || depth > 16) return value;
    if (isUploadable(value)) return value[FILE_REFERENCE] ?? attach(value);
    if (Array.isArray(value)) return value.map((item) => replace(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const key in value) out[key] = replace((value as Record<string, unknown>)[key], depth + 1);
    return out;
  };
  for (const key in params) {
    const value = (params as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (isUploadable(value)) {
      const reference = value[FILE_REFERENCE];
      if (reference !== undefined) fields.push([key, reference]);
      else pending.push([key, value]);
    } else if (typeof value === "object") {
      fields.push([key, JSON.stringify(replace(value, 0))]);
    } else {
      fields.push([key, String(value)]);
    }
  }
  const files: (readonly [string, string, FileBytes])[] = [];
  const opened: FileBytes[] = [];
  let reusable = true;
  try {
    for (const [name, file] of pending) {
      if (!file.reusable) reusable = false;
      const bytes = await file[OPEN_FILE](open);
      if (!(bytes instanceof Uint8Array)) {
        opened.push(bytes);
        if (!file.reusable) reusable = false;
      }
      files.push([name, file.filename, bytes]);
    }
  } catch (error) {
    release(opened);
    throw error;
  }
  return { parts: { fields, files }, release: () => release(opened), reusable };
}
