/**
 * `node:diagnostics_channel` channels the client publishes to. Subscribing costs nothing when no
 * one listens.
 */
import { type Channel, channel } from "node:diagnostics_channel";

/** Published before each HTTP attempt: `{ method, attempt }`. */
export const requestChannel: Channel = channel("@bot/client:request");
/** Published after each HTTP attempt: `{ method, attempt, durationMs, ok, error? }`. */
export const responseChannel: Channel = channel("@bot/client:response");

/** The message of {@link requestChannel}. */
export interface RequestMessage {
  readonly method: string;
  readonly attempt: number;
}

/** The message of {@link responseChannel}. */
export interface ResponseMessage {
  readonly method: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly ok: boolean;
  /** The error's `code`, when the attempt failed. */
  readonly code?: string;
  /** The error, already scrubbed of the token, when the attempt failed. */
  readonly error?: unknown;
}
