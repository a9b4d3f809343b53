import * as v from "valibot";

/** The example's configuration, read from the environment. */
export interface Config {
  /** A real bot token; without one the example runs against an in-process emulator. */
  readonly token: string | undefined;
  /** The Bot API server (default Telegram's). */
  readonly apiRoot: string | undefined;
  /** `polling` (default), `webhook`, or `worker` (RedisUpdateQueue + `bot.work`, needs Redis). */
  readonly mode: "polling" | "webhook" | "worker";
  /** The public HTTPS URL Telegram posts to, in webhook mode. */
  readonly webhookUrl: string | undefined;
  /** The webhook secret token, in webhook mode. */
  readonly webhookSecret: string | undefined;
  /** The port the webhook server listens on. */
  readonly port: number;
  /** Without a token: keep the emulator and bot running after the scripted demo. */
  readonly interactive: boolean;
  /** Redis for sessions (`RedisStorage`) and reminders (BullMQ); without it both stay in memory. */
  readonly redisUrl: string | undefined;
  /** The key prefix in Redis (default `bot-example:`). */
  readonly redisPrefix: string;
}

const Env = v.pipe(
  v.object({
    BOT_TOKEN: v.optional(
      v.pipe(
        v.string(),
        v.regex(
          /^\d+:[A-Za-z0-9_-]{20,}$/,
          "BOT_TOKEN must look like 123456:ABC-DEF... (from @BotFather)",
        ),
      ),
    ),
    BOT_API_ROOT: v.optional(v.pipe(v.string(), v.url("BOT_API_ROOT must be a URL"))),
    BOT_MODE: v.optional(
      v.picklist(["polling", "webhook", "worker"], "BOT_MODE must be polling, webhook or worker"),
      "polling",
    ),
    REDIS_URL: v.optional(
      v.pipe(
        v.string(),
        v.url("REDIS_URL must be a URL"),
        v.regex(/^rediss?:\/\//, "REDIS_URL must start with redis:// or rediss://"),
      ),
    ),
    REDIS_PREFIX: v.optional(
      v.pipe(
        v.string(),
        v.regex(
          /^[A-Za-z0-9:_-]{1,64}$/,
          "REDIS_PREFIX must be 1-64 characters of A-Z a-z 0-9 : _ -",
        ),
      ),
      "bot-example:",
    ),
    WEBHOOK_URL: v.optional(
      v.pipe(
        v.string(),
        v.url("WEBHOOK_URL must be a URL"),
        v.startsWith("https://", "WEBHOOK_URL must be https"),
      ),
    ),
    WEBHOOK_SECRET: v.optional(
      v.pipe(
        v.string(),
        v.regex(
          /^[A-Za-z0-9_-]{1,256}$/,
          "WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -",
        ),
      ),
    ),
    PORT: v.optional(
      v.pipe(
        v.string(),
        v.digits("PORT must be a number"),
        v.transform(Number),
        v.integer(),
        v.minValue(1),
        v.maxValue(65535),
      ),
      "8080",
    ),
    DEMO_INTERACTIVE: v.optional(v.picklist(["0", "1"], "DEMO_INTERACTIVE must be 0 or 1")),
  }),
  v.check(
    (e) =>
      e.BOT_MODE !== "webhook" ||
      (e.WEBHOOK_URL !== undefined && e.WEBHOOK_SECRET !== undefined && e.BOT_TOKEN !== undefined),
    "BOT_MODE=webhook needs BOT_TOKEN, WEBHOOK_URL and WEBHOOK_SECRET",
  ),
  v.check(
    (e) => e.BOT_MODE !== "worker" || e.REDIS_URL !== undefined,
    "BOT_MODE=worker needs REDIS_URL (the update queue lives in Redis)",
  ),
);

/** Every environment variable the example reads. */
export const ENV_VARS = [
  "BOT_TOKEN",
  "BOT_API_ROOT",
  "BOT_MODE",
  "WEBHOOK_URL",
  "WEBHOOK_SECRET",
  "PORT",
  "DEMO_INTERACTIVE",
  "REDIS_URL",
  "REDIS_PREFIX",
] as const;

/** Thrown for a bad environment; the message names the variable but never its value. */
export class ConfigError extends Error {
  readonly code = "EXAMPLE_INVALID_CONFIG";
  override readonly name = "ConfigError";
}

/**
 * Reads and validates the configuration.
 *
 * @param env The environment (default `process.env`).
 * @param isTty Whether a person is at the terminal.
 * @returns The configuration.
 * @throws {ConfigError} When a variable is malformed.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  isTty: boolean = process.stdin.isTTY === true,
): Config {
  const pick = (k: string) => (env[k] === "" ? undefined : env[k]);
  const raw = Object.fromEntries(ENV_VARS.map((k) => [k, pick(k)]));
  const result = v.safeParse(Env, raw);
  if (!result.success) throw new ConfigError(`example: ${result.issues[0].message}`);
  const e = result.output;
  return {
    token: e.BOT_TOKEN,
    apiRoot: e.BOT_API_ROOT,
    mode: e.BOT_MODE,
    webhookUrl: e.WEBHOOK_URL,
    webhookSecret: e.WEBHOOK_SECRET,
    port: e.PORT,
    interactive: e.DEMO_INTERACTIVE === undefined ? isTty : e.DEMO_INTERACTIVE === "1",
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
  };
}
