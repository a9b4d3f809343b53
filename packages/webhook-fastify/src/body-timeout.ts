import type { IncomingMessage } from "node:http";

const TICKS = 4;

/**
 * Fails request bodies that do not arrive in time, with one shared, unref'd interval
 * instead of a timer per request (a per-request timer costs a measurable share of
 * throughput). Precision is a quarter of the timeout.
 */
export class BodyTimeout {
  readonly #timeoutMs: number;
  readonly #watched = new Map<IncomingMessage, number>();
  #tick = 0;
  #interval: NodeJS.Timeout | undefined;

  /**
   * Creates the watcher.
   *
   * @param timeoutMs How long a body may take after the headers.
   */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Starts watching a request whose body is still to come.
   *
   * @param raw The Node request.
   */
  watch(raw: IncomingMessage): void {
    if (raw.complete) return;
    this.#watched.set(raw, this.#tick);
    if (this.#interval === undefined) {
      this.#interval = setInterval(
        () => this.#sweep(),
        Math.max(1, Math.ceil(this.#timeoutMs / TICKS)),
      );
      this.#interval.unref();
    }
  }

  /**
   * Stops watching a request (its body arrived).
   *
   * @param raw The Node request.
   */
  done(raw: IncomingMessage): void {
    this.#watched.delete(raw);
  }

  /** Stops the interval. */
  close(): void {
    clearInterval(this.#interval);
    this.#interval = undefined;
    this.#watched.clear();
  }

  #sweep(): void {
    this.#tick += 1;
    for (const [raw, since] of this.#watched) {
      if (raw.complete || raw.destroyed) {
        this.#watched.delete(raw);
      } else if (this.#tick - since > TICKS) {
        this.#watched.delete(raw);
        const error = Object.assign(new Error("request body timeout"), {
          statusCode: 408,
          code: "BOT_WEBHOOK_BODY_TIMEOUT",
        });
        // Fail the body read: Fastify answers 408 and the error handler closes the
        // connection. Destroying the request would kill the socket before the answer.
        if (raw.listenerCount("error") > 0) raw.emit("error", error);
        else raw.destroy(error);
      }
    }
    if (this.#watched.size === 0) {
      clearInterval(this.#interval);
      this.#interval = undefined;
    }
  }
}
