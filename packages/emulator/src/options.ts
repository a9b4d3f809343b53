import * as v from "valibot";
import type { Clock } from "./clock.js";
import { EmulatorError } from "./errors.js";

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** The port to listen on (default 0: an ephemeral port). */
  readonly port?: number;
  /** The host to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** The time source for message dates (default: the wall clock). */
  readonly clock?: Clock;
  /** A webhook answer slower than this counts as failed and is redelivered (default 60 000, like Telegram). */
  readonly webhookDeadlineMs?: number;
  /** The first delay before a failed webhook delivery is retried; doubles per attempt (default 1000). */
  readonly webhookRetryMs?: number;
  /** The largest webhook retry delay (default 60 000). */
  readonly webhookRetryMaxMs?: number;
  /** The cap on `getUpdates`' `timeout` in seconds (default 50, like the reference server). */
  readonly maxPollSeconds?: number;
  /** How many events `emu.events()` keeps (default 10 000). */
  readonly eventLimit?: number;
  /** Serve the chat window (a web page to talk to the bots as users) at `emu.uiUrl` (default `false`). */
  readonly ui?: boolean;
}

const P = "@bot/emulator:";
const ms = (name: string) =>
  v.optional(
    v.pipe(
      v.number(`${P} ${name} must be a number`),
      v.integer(`${P} ${name} must be an integer`),
      v.minValue(0, `${P} ${name} must be >= 0`),
    ),
  );

const OptionsSchema = v.object({
  port: v.optional(
    v.pipe(
      v.number(`${P} port must be a number`),
      v.integer(`${P} port must be an integer`),
      v.minValue(0, `${P} port must be 0-65535`),
      v.maxValue(65535, `${P} port must be 0-65535`),
    ),
  ),
  host: v.optional(
    v.pipe(v.string(`${P} host must be a string`), v.minLength(1, `${P} host must not be empty`)),
  ),
  clock: v.optional(
    v.custom<Clock>(
      (c) => typeof c === "object" && c !== null && typeof (c as Clock).now === "function",
      `${P} clock must have a now() method`,
    ),
  ),
  webhookDeadlineMs: ms("webhookDeadlineMs"),
  webhookRetryMs: ms("webhookRetryMs"),
  webhookRetryMaxMs: ms("webhookRetryMaxMs"),
  maxPollSeconds: ms("maxPollSeconds"),
  eventLimit: v.optional(
    v.pipe(
      v.number(`${P} eventLimit must be a number`),
      v.integer(`${P} eventLimit must be an integer`),
      v.minValue(1, `${P} eventLimit must be >= 1`),
    ),
  ),
  ui: v.optional(v.boolean(`${P} ui must be a boolean`)),
});

/**
 * Validates options once.
 *
 * @param options The user's options.
 * @returns The same options, checked.
 */
export function parseOptions(options: unknown): EmulatorOptions {
  const result = v.safeParse(OptionsSchema, options ?? {});
  if (!result.success)
    throw new EmulatorError(
      "BOT_EMULATOR_INVALID_OPTIONS",
      (result.issues[0]?.message ?? "invalid options").replace(`${P} `, ""),
    );
  return result.output as EmulatorOptions;
}
