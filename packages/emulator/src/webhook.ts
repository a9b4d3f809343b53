import type { Update } from "@bot/types";
import { Agent, request } from "undici";
import type { Clock } from "./clock.js";
import { orderKey, type UpdateQueue } from "./updates.js";

/** Timing of webhook delivery. */
export interface WebhookTiming {
  /** A response slower than this counts as failed and the update is redelivered. */
  readonly deadlineMs: number;
  /** The first retry delay; it doubles per failed attempt. */
  readonly retryBaseMs: number;
  /** The largest retry delay. */
  readonly retryMaxMs: number;
}

/** The settings of one bot's webhook. */
export interface WebhookConfig {
  readonly url: string;
  readonly secretToken: string | undefined;
  readonly maxConnections: number;
  readonly ipAddress: string | undefined;
  readonly hasCustomCertificate: boolean;
}

/** Runs a method given in a webhook response body (`{ method, ...params }`). */
export type WebhookReplyRunner = (method: string, params: Record<string, unknown>) => void;

/** Told after every delivery attempt. */
export type WebhookAttemptListener = (update: Update, error: string | undefined) => void;

/**
 * Delivers one bot's queued updates to its webhook: one update per POST, in order per
 * chat, up to `max_connections` at once, retrying non-2xx and slow answers with backoff.
 */
export class WebhookDelivery {
  readonly config: WebhookConfig;
  lastErrorDate: number | undefined;
  lastErrorMessage: string | undefined;
  readonly #queue: UpdateQueue;
  readonly #timing: WebhookTiming;
  readonly #clock: Clock;
  readonly #agent: Agent;
  readonly #reply: WebhookReplyRunner;
  readonly #onAttempt: WebhookAttemptListener;
  readonly #inFlight = new Set<string>();
  readonly #retryAt = new Map<string, number>();
  readonly #attempts = new WeakMap<Update, number>();
  readonly #controllers = new Set<AbortController>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #pumping = false;

  /**
   * Starts delivering.
   *
   * @param queue The bot's update queue.
   * @param config The webhook settings.
   * @param timing Deadline and backoff.
   * @param clock The clock for `last_error_date`.
   * @param reply Runs webhook replies.
   * @param onAttempt Told after every attempt.
   */
  constructor(
    queue: UpdateQueue,
    config: WebhookConfig,
    timing: WebhookTiming,
    clock: Clock,
    reply: WebhookReplyRunner,
    onAttempt: WebhookAttemptListener,
  ) {
    this.#onAttempt = onAttempt;
    this.#queue = queue;
    this.config = config;
    this.#timing = timing;
    this.#clock = clock;
    this.#reply = reply;
    this.#agent = new Agent({ connections: config.maxConnections, keepAliveTimeout: 4_000 });
    queue.onPush = () => this.pump();
    queueMicrotask(() => this.pump());
  }

  /** Looks for deliverable updates and starts them. */
  pump(): void {
    if (this.#stopped || this.#pumping) return;
    this.#pumping = true;
    try {
      const now = Date.now();
      const seen = new Set<string>();
      let nextWake = Number.POSITIVE_INFINITY;
      for (const update of this.#queue.pending) {
        if (this.#inFlight.size >= this.config.maxConnections) break;
        const key = orderKey(update);
        if (seen.has(key)) continue;
        seen.add(key);
        if (this.#inFlight.has(key)) continue;
        const at = this.#retryAt.get(key);
        if (at !== undefined && at > now) {
          nextWake = Math.min(nextWake, at);
          continue;
        }
        this.#retryAt.delete(key);
        this.#deliver(update, key);
      }
      if (nextWake !== Number.POSITIVE_INFINITY) this.#wakeAt(nextWake - now);
    } finally {
      this.#pumping = false;
    }
  }

  #wakeAt(delay: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.pump();
      },
      Math.max(0, delay),
    );
  }

  #deliver(update: Update, key: string): void {
    this.#inFlight.add(key);
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.#timing.deadlineMs);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.config.secretToken !== undefined)
      headers["x-telegram-bot-api-secret-token"] = this.config.secretToken;
    const done = (error: string | undefined): void => {
      clearTimeout(timeout);
      this.#controllers.delete(controller);
      this.#inFlight.delete(key);
      if (this.#stopped) return;
      this.#onAttempt(update, error);
      if (error === undefined) {
        this.#queue.remove(update);
      } else {
        const attempts = (this.#attempts.get(update) ?? 0) + 1;
        this.#attempts.set(update, attempts);
        this.lastErrorDate = Math.floor(this.#clock.now() / 1000);
        this.lastErrorMessage = error;
        const delay = Math.min(
          this.#timing.retryBaseMs * 2 ** (attempts - 1),
          this.#timing.retryMaxMs,
        );
        this.#retryAt.set(key, Date.now() + delay);
      }
      this.pump();
    };
    request(this.config.url, {
      method: "POST",
      headers,
      body: JSON.stringify(update),
      dispatcher: this.#agent,
      signal: controller.signal,
      headersTimeout: this.#timing.deadlineMs,
      bodyTimeout: this.#timing.deadlineMs,
    }).then(
      async (res) => {
        let body = "";
        try {
          body = await res.body.text();
        } catch {
          done("Read timeout expired");
          return;
        }
        if (res.statusCode < 200 || res.statusCode >= 300) {
          done(`Wrong response from the webhook: ${res.statusCode}`);
          return;
        }
        done(undefined);
        this.#maybeReply(String(res.headers["content-type"] ?? ""), body);
      },
      (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (
          controller.signal.aborted ||
          code === "UND_ERR_HEADERS_TIMEOUT" ||
          code === "UND_ERR_BODY_TIMEOUT"
        ) {
          done("Read timeout expired");
        } else if (code === "ECONNREFUSED") {
          done("Connection refused");
        } else {
          done("Connection failed");
        }
      },
    );
  }

  #maybeReply(contentType: string, body: string): void {
    if (!contentType.includes("application/json") || body.length === 0) return;
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== "object" || parsed === null) return;
      const { method, ...params } = parsed as Record<string, unknown>;
      if (typeof method === "string") this.#reply(method, params);
    } catch {
      // Telegram ignores a body it cannot use.
    }
  }

  /** @returns How many updates wait for delivery. */
  get pendingCount(): number {
    return this.#queue.pending.length;
  }

  /** Stops delivering; in-flight requests are aborted and their updates stay queued. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#queue.onPush = undefined;
    for (const c of this.#controllers) c.abort();
    await this.#agent.destroy().catch(() => undefined);
  }
}
