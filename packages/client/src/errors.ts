/**
 * The error taxonomy of `@bot/client`. Every error has a stable `code` to switch on and a
 * brand (`brand` of `@bot/types`: `Symbol.for("@bot/client.<Name>")`), so `instanceof` works
 * across duplicate installs of this package.
 */
import { type Brand, brand, type ResponseParameters } from "@bot/types";

/** Every stable error code this package throws. */
export const ERROR_CODES = {
  badRequest: "BOT_CLIENT_API_BAD_REQUEST",
  unauthorized: "BOT_CLIENT_API_UNAUTHORIZED",
  forbidden: "BOT_CLIENT_API_FORBIDDEN",
  notFound: "BOT_CLIENT_API_NOT_FOUND",
  conflict: "BOT_CLIENT_API_CONFLICT",
  tooManyRequests: "BOT_CLIENT_API_TOO_MANY_REQUESTS",
  chatMigrated: "BOT_CLIENT_API_CHAT_MIGRATED",
  serverError: "BOT_CLIENT_API_SERVER_ERROR",
  other: "BOT_CLIENT_API_ERROR",
  network: "BOT_CLIENT_NETWORK",
  badResponse: "BOT_CLIENT_BAD_RESPONSE",
  timeout: "BOT_CLIENT_TIMEOUT",
  aborted: "BOT_CLIENT_ABORTED",
  options: "BOT_CLIENT_OPTIONS",
  input: "BOT_CLIENT_INPUT",
  closed: "BOT_CLIENT_CLOSED",
  uploadSourceStatus: "BOT_CLIENT_UPLOAD_SOURCE_STATUS",
  uploadSourceTooLarge: "BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE",
  uploadSourceBlocked: "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED",
  uploadSourceNetwork: "BOT_CLIENT_UPLOAD_SOURCE_NETWORK",
} as const;

/** The `code` of an error thrown by `@bot/client`. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The `code` of an {@link ApiError}: one per kind of refusal by the Bot API. */
export type ApiErrorCode =
  | "BOT_CLIENT_API_BAD_REQUEST"
  | "BOT_CLIENT_API_UNAUTHORIZED"
  | "BOT_CLIENT_API_FORBIDDEN"
  | "BOT_CLIENT_API_NOT_FOUND"
  | "BOT_CLIENT_API_CONFLICT"
  | "BOT_CLIENT_API_TOO_MANY_REQUESTS"
  | "BOT_CLIENT_API_CHAT_MIGRATED"
  | "BOT_CLIENT_API_SERVER_ERROR"
  | "BOT_CLIENT_API_ERROR";

const BASE_BRAND: Brand<ClientError> = brand("@bot/client.ClientError");
const API_BRAND: Brand<ApiError> = brand("@bot/client.ApiError");
const NETWORK_BRAND: Brand<NetworkError> = brand("@bot/client.NetworkError");
const TIMEOUT_BRAND: Brand<TimeoutError> = brand("@bot/client.TimeoutError");
const ABORT_BRAND: Brand<AbortError> = brand("@bot/client.AbortError");
const OPTIONS_BRAND: Brand<OptionsError> = brand("@bot/client.OptionsError");
const INPUT_BRAND: Brand<InputError> = brand("@bot/client.InputError");
const CLOSED_BRAND: Brand<ClosedError> = brand("@bot/client.ClosedError");
const UPLOAD_SOURCE_BRAND: Brand<UploadSourceError> = brand("@bot/client.UploadSourceError");

/** Options every error of this package accepts. */
export interface ClientErrorOptions {
  /** The underlying error, already scrubbed of the token. */
  readonly cause?: unknown;
}

/**
 * The base class of every error thrown by `@bot/client`.
 */
export class ClientError extends Error {
  /** A stable code to switch on; see the README for the list. */
  readonly code: ErrorCode;

  /**
   * Builds an error.
   *
   * @param code The stable code.
   * @param message A message without secrets.
   * @param options The cause.
   */
  constructor(code: ErrorCode, message: string, options?: ClientErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  /**
   * A plain rendering for `JSON.stringify`.
   *
   * @returns The name, code and message.
   */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}
BASE_BRAND.brandClass(ClientError);
Object.defineProperty(ClientError.prototype, "name", { value: "ClientError", writable: true });

/** What the Bot API said when it refused a call. */
export interface ApiErrorInit {
  readonly method: string;
  readonly errorCode: number;
  readonly description: string;
  readonly parameters?: ResponseParameters | undefined;
  /** The wait from the HTTP `Retry-After` header, used when `parameters` has none. */
  readonly retryAfterHeader?: number | undefined;
}

function apiCode(errorCode: number, parameters: ResponseParameters | undefined): ApiErrorCode {
  if (parameters?.migrate_to_chat_id !== undefined) return "BOT_CLIENT_API_CHAT_MIGRATED";
  switch (errorCode) {
    case 400:
      return "BOT_CLIENT_API_BAD_REQUEST";
    case 401:
      return "BOT_CLIENT_API_UNAUTHORIZED";
    case 403:
      return "BOT_CLIENT_API_FORBIDDEN";
    case 404:
      return "BOT_CLIENT_API_NOT_FOUND";
    case 409:
      return "BOT_CLIENT_API_CONFLICT";
    case 429:
      return "BOT_CLIENT_API_TOO_MANY_REQUESTS";
    default:
      return errorCode >= 500 ? "BOT_CLIENT_API_SERVER_ERROR" : "BOT_CLIENT_API_ERROR";
  }
}

/**
 * The Bot API answered `ok: false`. Switch on `code`, or read `errorCode` (the HTTP-style number).
 */
export class ApiError extends ClientError {
  declare readonly code: ApiErrorCode;
  /** The method that was called. */
  readonly method: string;
  /** Telegram's `error_code` (equal to the HTTP status). */
  readonly errorCode: number;
  /** Telegram's human-readable `description`. */
  readonly description: string;
  /** Telegram's `parameters`, when given. */
  readonly parameters: ResponseParameters | undefined;
  /** Seconds to wait before repeating, for `BOT_CLIENT_API_TOO_MANY_REQUESTS`. */
  readonly retryAfter: number | undefined;
  /** The supergroup id the chat moved to, for `BOT_CLIENT_API_CHAT_MIGRATED`. */
  readonly migrateToChatId: number | undefined;

  /**
   * Builds the error from Telegram's answer.
   *
   * @param init The method and Telegram's error fields.
   */
  constructor(init: ApiErrorInit) {
    const code = apiCode(init.errorCode, init.parameters);
    super(code, `${init.method} failed: ${init.errorCode} ${init.description}`);
    this.method = init.method;
    this.errorCode = init.errorCode;
    this.description = init.description;
    this.parameters = init.parameters;
    this.retryAfter = init.parameters?.retry_after ?? init.retryAfterHeader;
    this.migrateToChatId = init.parameters?.migrate_to_chat_id;
  }

  /**
   * A plain rendering for `JSON.stringify`.
   *
   * @returns The fields of the error.
   */
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      method: this.method,
      errorCode: this.errorCode,
      description: this.description,
      parameters: this.parameters,
    };
  }
}
API_BRAND.brandClass(ApiError);
Object.defineProperty(ApiError.prototype, "name", { value: "ApiError", writable: true });

/**
 * The request failed below the Bot API: connection refused or reset, DNS, TLS, or a reply that
 * is not a Bot API envelope (`code` `BOT_CLIENT_BAD_RESPONSE`).
 */
export class NetworkError extends ClientError {
  declare readonly code: "BOT_CLIENT_NETWORK" | "BOT_CLIENT_BAD_RESPONSE";
  /** The method that was called. */
  readonly method: string;
  /** Whether the request may have reached the server (false: it provably never left). */
  readonly sent: boolean;

  /**
   * Builds the error.
   *
   * @param method The method that was called.
   * @param message What failed, without secrets.
   * @param sent Whether the request may have reached the server.
   * @param options The cause.
   * @param code `BOT_CLIENT_NETWORK` or `BOT_CLIENT_BAD_RESPONSE`.
   */
  constructor(
    method: string,
    message: string,
    sent: boolean,
    options?: ClientErrorOptions,
    code: "BOT_CLIENT_NETWORK" | "BOT_CLIENT_BAD_RESPONSE" = "BOT_CLIENT_NETWORK",
  ) {
    super(code, `${method} failed: ${message}`, options);
    this.method = method;
    this.sent = sent;
  }

  /**
   * A plain rendering for `JSON.stringify`.
   *
   * @returns The fields of the error.
   */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, sent: this.sent };
  }
}
NETWORK_BRAND.brandClass(NetworkError);
Object.defineProperty(NetworkError.prototype, "name", { value: "NetworkError", writable: true });

/** A call took longer than its timeout. */
export class TimeoutError extends ClientError {
  declare readonly code: "BOT_CLIENT_TIMEOUT";
  /** The method that was called. */
  readonly method: string;
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Builds the error.
   *
   * @param method The method that was called.
   * @param timeoutMs The timeout that ran out.
   */
  constructor(method: string, timeoutMs: number) {
    super("BOT_CLIENT_TIMEOUT", `${method} timed out after ${timeoutMs} ms`);
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}
TIMEOUT_BRAND.brandClass(TimeoutError);
Object.defineProperty(TimeoutError.prototype, "name", { value: "TimeoutError", writable: true });

/** The caller's `AbortSignal` fired. `cause` holds the signal's reason. */
export class AbortError extends ClientError {
  declare readonly code: "BOT_CLIENT_ABORTED";
  /** The method that was called. */
  readonly method: string;

  /**
   * Builds the error.
   *
   * @param method The method that was called.
   * @param reason The signal's reason.
   */
  constructor(method: string, reason?: unknown) {
    super(
      "BOT_CLIENT_ABORTED",
      `${method} was aborted`,
      reason === undefined ? undefined : { cause: reason },
    );
    this.method = method;
  }
}
ABORT_BRAND.brandClass(AbortError);
Object.defineProperty(AbortError.prototype, "name", { value: "AbortError", writable: true });

/** Options given to the client (or one of its parts) are invalid. */
export class OptionsError extends ClientError {
  declare readonly code: "BOT_CLIENT_OPTIONS";

  /**
   * Builds the error.
   *
   * @param message What is wrong, prefixed by the package name.
   */
  constructor(message: string) {
    super("BOT_CLIENT_OPTIONS", message);
  }
}
OPTIONS_BRAND.brandClass(OptionsError);
Object.defineProperty(OptionsError.prototype, "name", { value: "OptionsError", writable: true });

/** A call's input cannot be sent as given (for example a file where none is allowed). */
export class InputError extends ClientError {
  declare readonly code: "BOT_CLIENT_INPUT";

  /**
   * Builds the error.
   *
   * @param message What is wrong, prefixed by the package name.
   * @param options The cause.
   */
  constructor(message: string, options?: ClientErrorOptions) {
    super("BOT_CLIENT_INPUT", message, options);
  }
}
INPUT_BRAND.brandClass(InputError);
Object.defineProperty(InputError.prototype, "name", { value: "InputError", writable: true });

/** The client was closed; no new calls are accepted. */
export class ClosedError extends ClientError {
  declare readonly code: "BOT_CLIENT_CLOSED";

  /**
   * Builds the error.
   *
   * @param method The method that was called.
   */
  constructor(method: string) {
    super("BOT_CLIENT_CLOSED", `${method} failed: the client is closed`);
  }
}
CLOSED_BRAND.brandClass(ClosedError);
Object.defineProperty(ClosedError.prototype, "name", { value: "ClosedError", writable: true });

/** The `code` of an {@link UploadSourceError}. */
export type UploadSourceErrorCode =
  | "BOT_CLIENT_UPLOAD_SOURCE_STATUS"
  | "BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE"
  | "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED"
  | "BOT_CLIENT_UPLOAD_SOURCE_NETWORK";

/**
 * The source of `InputFile.fromUrl(url, { upload: true })` could not be used: it answered a non-2xx
 * status (`BOT_CLIENT_UPLOAD_SOURCE_STATUS`, also for redirects, which are not followed), sent more
 * than `maxBytes` (`BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE`), resolved to a loopback, private or
 * link-local address (`BOT_CLIENT_UPLOAD_SOURCE_BLOCKED`), or could not be reached
 * (`BOT_CLIENT_UPLOAD_SOURCE_NETWORK`). Nothing was sent to Telegram when it is thrown before the
 * call.
 */
export class UploadSourceError extends ClientError {
  declare readonly code: UploadSourceErrorCode;
  /** The HTTP status the source answered, for `BOT_CLIENT_UPLOAD_SOURCE_STATUS`. */
  readonly status: number | undefined;

  /**
   * Builds the error.
   *
   * @param code The stable code.
   * @param message What failed, without the URL's query string.
   * @param options The cause, and the source's status.
   */
  constructor(
    code: UploadSourceErrorCode,
    message: string,
    options?: ClientErrorOptions & { readonly status?: number },
  ) {
    super(code, message, options);
    this.status = options?.status;
  }
}
UPLOAD_SOURCE_BRAND.brandClass(UploadSourceError);
Object.defineProperty(UploadSourceError.prototype, "name", {
  value: "UploadSourceError",
  writable: true,
});

/**
 * Tells whether a value is any error thrown by `@bot/client`.
 *
 * @param value Any value.
 * @returns Whether it is a {@link ClientError}.
 */
export function isClientError(value: unknown): value is ClientError {
  return BASE_BRAND.is(value);
}

/**
 * Tells whether a value is an {@link ApiError}.
 *
 * @param value Any value.
 * @returns Whether the Bot API refused the call.
 */
export function isApiError(value: unknown): value is ApiError {
  return API_BRAND.is(value);
}

/**
 * Tells whether a value is a {@link NetworkError}.
 *
 * @param value Any value.
 * @returns Whether the request failed below the Bot API.
 */
export function isNetworkError(value: unknown): value is NetworkError {
  return NETWORK_BRAND.is(value);
}

/**
 * Tells whether a value is a {@link TimeoutError}.
 *
 * @param value Any value.
 * @returns Whether a call timed out.
 */
export function isTimeoutError(value: unknown): value is TimeoutError {
  return TIMEOUT_BRAND.is(value);
}

/**
 * Tells whether a value is an {@link AbortError}.
 *
 * @param value Any value.
 * @returns Whether a call was aborted by its signal.
 */
export function isAbortError(value: unknown): value is AbortError {
  return ABORT_BRAND.is(value);
}
