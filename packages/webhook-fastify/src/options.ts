import * as v from "valibot";
import type { DedupStorage, WebhookBot, WebhookQueue } from "./contract.js";
import { WebhookError } from "./errors.js";

/**
 * How the webhook answers Telegram. Each choice is a trade-off:
 *
 * - `"await"`: hold the request until the handler finished, so Telegram resends the update
 *   if the process dies mid-way (at-least-once). A handler may answer through the HTTP
 *   response (`ctx.webhookReply`). At `deadlineMs` the webhook answers 200 anyway if the
 *   handler runs (to stop Telegram from resending an update that is still being handled), or
 *   503 if the update still waits behind its chat (Telegram resends it; it is skipped here).
 * - `"ack"`: answer 200 at once (after the dedup claim, when dedup is on) and run the update
 *   from an in-process queue with bounded concurrency and per-chat order. Fast, but
 *   at-most-once: an update answered 200 cannot be taken back, so updates still queued when
 *   the process dies are lost. `app.close()` drains the queue for `closeGraceMs`; what has not
 *   started by then is reported (`BOT_WEBHOOK_UPDATE_DROPPED` to `bot.catch`, `droppedChannel`).
 * - `{ queue }`: answer 200 once a durable queue stored the update (a Redis or BullMQ queue
 *   that a worker consumes); answer 503 when it could not, so Telegram resends.
 */
export type WebhookDelivery = "await" | "ack" | { readonly queue: WebhookQueue };

/** Options of the dedup by `update_id`. */
export interface WebhookDedupOptions {
  /** Where the markers live. Defaults to the bot's `storage`. */
  readonly storage?: DedupStorage;
  /** How long a finished update's marker is kept, in ms. Default 1 hour. */
  readonly ttlMs?: number;
  /**
   * Put in front of the marker keys. Default `""`: keys are `<bot id>:dedup:<update_id>`,
   * the marks long polling uses too (one dedup per bot, whichever way updates arrive).
   */
  readonly keyPrefix?: string;
}

/** Options of the `@bot/webhook-fastify` plugin. */
export interface WebhookOptions {
  /** The bot (a `Bot` of `@bot/dispatcher`, or anything with its `handleUpdate`). */
  readonly bot: WebhookBot;
  /** The route path, relative to the prefix the plugin is registered with (e.g. `"/telegram"`). */
  readonly path: string;
  /**
   * The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`: 1-256 characters of
   * `A-Z a-z 0-9 _ -`. Required unless `dangerouslyAcceptUnauthenticatedUpdates` is `true`.
   */
  readonly secretToken?: string;
  /**
   * Accept requests without checking a secret token. Anyone who finds the URL can then send
   * fake updates. Only for local experiments.
   */
  readonly dangerouslyAcceptUnauthenticatedUpdates?: true;
  /** How the webhook answers Telegram; see {@link WebhookDelivery}. */
  readonly delivery: WebhookDelivery;
  /** `await` mode: answer 200 after this many ms even if the handler still runs. Default 50000 (Telegram gives up at 60 s). */
  readonly deadlineMs?: number;
  /**
   * The per-update deadline in ms, `0` to disable. Default 30000. When it passes, the update
   * is reported to `bot.catch` with the dispatcher's `HandlerTimeoutError`, `ctx.signal` is
   * aborted, the request is answered 200 and the chat's next update starts: the late handler
   * may still finish its side effects, beside the next one of its chat.
   */
  readonly handlerTimeoutMs?: number;
  /** How many updates run at once (both modes; per-chat order always holds). Default 100. */
  readonly concurrency?: number;
  /** `ack` mode: how many updates may wait in memory before new ones get 503. Default 10000. */
  readonly maxPending?: number;
  /** Largest accepted body in bytes. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** The body must arrive within this many ms after the headers, else 408. Default 10000. */
  readonly bodyTimeoutMs?: number;
  /**
   * On `app.close()`: how long in-flight and queued updates may take to finish, in ms. Default
   * 5000, so a whole shutdown fits in the 10 s a container gets between SIGTERM and SIGKILL.
   * Never more than Fastify's `pluginTimeout` allows (it is shortened to fit, with a warning).
   */
  readonly closeGraceMs?: number;
  /** Skip updates whose `update_id` was seen before (`true` uses the bot's storage). */
  readonly dedup?: boolean | WebhookDedupOptions;
  /** Call `getWebhookInfo` when the server is ready and log its health. Default `true`. */
  readonly healthCheck?: boolean;
}

/** The options after validation, with defaults applied. */
export interface ResolvedOptions {
  readonly bot: WebhookBot;
  readonly path: string;
  readonly secretToken: string | undefined;
  readonly delivery: "await" | "ack" | "queue";
  readonly queue: WebhookQueue | undefined;
  readonly deadlineMs: number;
  readonly handlerTimeoutMs: number;
  readonly concurrency: number;
  readonly maxPending: number;
  readonly bodyLimit: number;
  readonly bodyTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly dedup:
    | {
        readonly storage: DedupStorage;
        readonly ttlMs: number;
        readonly keyPrefix: string | undefined;
      }
    | undefined;
  readonly healthCheck: boolean;
}

const isFunction = (x: unknown): boolean => typeof x === "function";
const hasMethod = (name: string) => (x: unknown) =>
  typeof x === "object" && x !== null && isFunction((x as Record<string, unknown>)[name]);

const int = (name: string, min: number, max: number) =>
  v.optional(
    v.pipe(
      v.number(`${name} must be a number`),
      v.integer(`${name} must be an integer`),
      v.minValue(min, `${name} must be at least ${min}`),
      v.maxValue(max, `${name} must be at most ${max}`),
    ),
  );

const StorageSchema = v.custom<DedupStorage>(
  (x) =>
    hasMethod("get")(x) &&
    hasMethod("set")(x) &&
    hasMethod("delete")(x) &&
    hasMethod("setIfAbsent")(x),
  "dedup.storage must implement get, set, delete and setIfAbsent",
);

const OptionsSchema = v.strictObject(
  {
    bot: v.custom<WebhookBot>(hasMethod("handleUpdate"), "bot must have a handleUpdate method"),
    path: v.pipe(
      v.string("path must be a string"),
      v.regex(/^\/[^\s?#]*$/, 'path must start with "/" and hold no spaces, "?" or "#"'),
    ),
    secretToken: v.optional(
      v.pipe(
        v.string("secretToken must be a string"),
        // Never echo the value: the message must not leak the secret.
        v.regex(
          /^[A-Za-z0-9_-]{1,256}$/,
          "secretToken must be 1-256 characters of A-Z a-z 0-9 _ -",
        ),
      ),
    ),
    dangerouslyAcceptUnauthenticatedUpdates: v.optional(
      v.literal(true, "dangerouslyAcceptUnauthenticatedUpdates must be true when given"),
    ),
    delivery: v.union(
      [
        v.picklist(["await", "ack"]),
        v.strictObject({
          queue: v.custom<WebhookQueue>(
            hasMethod("enqueue"),
            "delivery.queue must have an enqueue method",
          ),
        }),
      ],
      'delivery must be "await", "ack" or { queue }',
    ),
    deadlineMs: int("deadlineMs", 1, 58_000),
    handlerTimeoutMs: int("handlerTimeoutMs", 0, 2_147_483_647),
    concurrency: int("concurrency", 1, 100_000),
    maxPending: int("maxPending", 1, 10_000_000),
    bodyLimit: int("bodyLimit", 1024, 64 * 1024 * 1024),
    bodyTimeoutMs: int("bodyTimeoutMs", 1, 600_000),
    closeGraceMs: int("closeGraceMs", 0, 600_000),
    dedup: v.optional(
      v.union(
        [
          v.boolean(),
          v.strictObject({
            storage: v.optional(StorageSchema),
            ttlMs: int("dedup.ttlMs", 1000, 30 * 24 * 3_600_000),
            keyPrefix: v.optional(v.pipe(v.string(), v.minLength(1))),
          }),
        ],
        "dedup must be a boolean or { storage?, ttlMs?, keyPrefix? }",
      ),
    ),
    healthCheck: v.optional(v.boolean("healthCheck must be a boolean")),
  },
  "unknown option",
);

function fail(message: string): never {
  throw new WebhookError("BOT_WEBHOOK_INVALID_OPTIONS", `@bot/webhook-fastify: ${message}`);
}

/**
 * Validates the plugin options once, at registration, and applies the defaults.
 *
 * @param input The options as given to `register`.
 * @returns The resolved options.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== "object" || input === null) fail("options must be an object");
  // Fastify hands its own register options (prefix, logLevel, ...) to the plugin too.
  const { prefix: _p, logLevel: _l, logSerializers: _s, ...own } = input as Record<string, unknown>;
  const result = v.safeParse(OptionsSchema, own);
  if (!result.success) {
    const issue = result.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join(".");
    const message =
      issue.type === "strict_object" && where ? `unknown option "${where}"` : issue.message;
    fail(message);
  }
  const o = result.output;
  if (o.secretToken === undefined && o.dangerouslyAcceptUnauthenticatedUpdates !== true) {
    fail(
      "secretToken is required (or set dangerouslyAcceptUnauthenticatedUpdates: true to accept forged updates)",
    );
  }
  if (o.secretToken !== undefined && o.dangerouslyAcceptUnauthenticatedUpdates === true) {
    fail("give either secretToken or dangerouslyAcceptUnauthenticatedUpdates, not both");
  }
  let dedup: ResolvedOptions["dedup"];
  if (o.dedup !== undefined && o.dedup !== false) {
    const d = o.dedup === true ? {} : o.dedup;
    const storage = d.storage ?? (o.bot as { storage?: unknown }).storage;
    if (!v.is(StorageSchema, storage))
      fail("dedup needs a storage: pass dedup.storage or give the bot one");
    dedup = {
      storage,
      ttlMs: d.ttlMs ?? 3_600_000,
      keyPrefix: d.keyPrefix,
    };
  }
  const delivery = o.delivery;
  return {
    bot: o.bot,
    path: o.path,
    secretToken: o.secretToken,
    delivery: typeof delivery === "string" ? delivery : "queue",
    queue: typeof delivery === "string" ? undefined : delivery.queue,
    deadlineMs: o.deadlineMs ?? 50_000,
    handlerTimeoutMs: o.handlerTimeoutMs ?? 30_000,
    concurrency: o.concurrency ?? 100,
    maxPending: o.maxPending ?? 10_000,
    bodyLimit: o.bodyLimit ?? 1_048_576,
    bodyTimeoutMs: o.bodyTimeoutMs ?? 10_000,
    closeGraceMs: o.closeGraceMs ?? 5_000,
    dedup,
    healthCheck: o.healthCheck ?? true,
  };
}
