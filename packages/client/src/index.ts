/**
 * A typed, safe and fast Telegram Bot API client on undici.
 *
 * @module
 */

// -- security --
export { isNonPublicAddress } from "./address-policy.js";
export type { RequestMessage, ResponseMessage } from "./channels.js";
// -- observability --
export { requestChannel, responseChannel } from "./channels.js";
// -- the client --
export { Client } from "./client.js";
// -- policies: interceptors, flood control, 429 cool-downs --
export type { CooldownOptions } from "./cooldown.js";
export { Cooldowns } from "./cooldown.js";
export type { ApiErrorCode, ErrorCode, UploadSourceErrorCode } from "./errors.js";
// -- errors --
export {
  AbortError,
  ApiError,
  ClientError,
  ClosedError,
  ERROR_CODES,
  InputError,
  isAbortError,
  isApiError,
  isClientError,
  isNetworkError,
  isTimeoutError,
  NetworkError,
  OptionsError,
  TimeoutError,
  UploadSourceError,
} from "./errors.js";
export type { FromUrlOptions } from "./input-file.js";
// -- files --
export { InputFile, isUploadable, MAX_UPLOAD_BYTES } from "./input-file.js";
export { interceptors } from "./interceptors.js";
export type { FloodLimiterOptions, Rate } from "./limiter.js";
export { FloodLimiter, sendsMessage } from "./limiter.js";
export type { ClientOptions, RetryOptions } from "./options.js";
export { isSafeToRepeat } from "./options.js";
export { REDACTED, redactToken } from "./redact.js";
export type { RateLimitStore, RateRule } from "./rate-limit-store.js";
export { MemoryRateLimitStore } from "./rate-limit-store.js";
export type { RetryPolicyOptions, RetryState } from "./retry.js";
export { RetryPolicy } from "./retry.js";
export type { Clock } from "./sleep.js";
export { systemClock } from "./sleep.js";
export type {
  ApiCall,
  ApiCallMethods,
  ApiCalls,
  CallArgs,
  CallOptions,
  Interceptor,
  InterceptorContext,
  NextCall,
  Transformer,
  Uploadable,
} from "./types.js";
