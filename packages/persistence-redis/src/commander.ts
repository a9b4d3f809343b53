/**
 * One Redis command with a deadline, over a node-redis client or cluster, and Lua scripts
 * sent by `EVALSHA` with an `EVAL` fallback.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { RedisStorageError, StorageUnavailableError } from "./errors.js";

/** What the package needs of a node-redis client (`createClient()`), structurally. */
export interface NodeRedisClient {
  sendCommand(args: string[], options?: { readonly abortSignal?: AbortSignal }): Promise<unknown>;
}

/** What the package needs of a node-redis cluster (`createCluster()`), structurally. */
export interface NodeRedisCluster {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<unknown>;
  /** Present on a cluster only; how the package tells the two apart. */
  readonly masters: readonly unknown[];
}

/** A node-redis client or cluster (`redis` 5 or 6), connected by the caller. */
export type RedisClientLike = NodeRedisClient | NodeRedisCluster;

/** A Lua script with its SHA-1, loaded on first use. */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/**
 * Declares a Lua script.
 *
 * @param name A name for errors and diagnostics.
 * @param source The Lua source.
 * @returns The script.
 */
export function script(name: string, source: string): Script {
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}

const isCluster = (c: RedisClientLike): c is NodeRedisCluster => "masters" in c;

/** Whether an error is a reply from Redis (it answered), not a transport failure. */
function isReply(error: unknown): error is Error {
  return (
    error instanceof Error &&
    (error.constructor.name === "ErrorReply" || error.name === "ErrorReply")
  );
}

/** Sends commands with a deadline and maps failures to typed errors. */
export class Commander {
  readonly #client: RedisClientLike;
  readonly #timeoutMs: number;
  readonly #cluster: boolean;

  /**
   * Wraps a client.
   *
   * @param client A connected node-redis client or cluster.
   * @param timeoutMs The deadline of each command.
   */
  constructor(client: RedisClientLike, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#cluster = isCluster(client);
  }

  /** Whether the client is a Redis Cluster (keys of one call may then live in different slots). */
  get cluster(): boolean {
    return this.#cluster;
  }

  /**
   * Sends one command. It fails with `StorageUnavailableError` when Redis does not answer
   * within the deadline, whatever the client's own reconnect and queue settings.
   *
   * @param args The command and its arguments.
   * @param key The first key (routes the command on a cluster).
   * @param readonly Whether the command only reads.
   * @returns The reply.
   */
  send(args: string[], key: string | undefined, readonly = false): Promise<unknown> {
    // The abort drops a command still queued in the client (offline or not yet written), so
    // a command reported as failed does not run later when the connection comes back.
    const abort = new AbortController();
    const options = { abortSignal: abort.signal };
    let pending: Promise<unknown>;
    try {
      pending = this.#cluster
        ? (this.#client as NodeRedisCluster).sendCommand(key, readonly, args, options)
        : (this.#client as NodeRedisClient).sendCommand(args, options);
    } catch (error) {
      return Promise.reject(mapError(args[0] as string, error));
    }
    return new Promise<unknown>((resolve, reject) => {
      const deadline = performance.now() + this.#timeoutMs;
      const entry = new Pending(args[0] as string, deadline, abort, resolve, reject);
      this.#watch(entry);
      pending.then(
        (reply) => entry.settle(reply, undefined),
        (error: unknown) => entry.settle(undefined, mapError(entry.command, error)),
      );
    });
  }

  // One timer for all commands: they share one timeout, so they expire in the order they
  // were sent, and the sweep stops at the first one still within its deadline.
  #queue: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  #watch(entry: Pending): void {
    this.#queue.push(entry);
    if (this.#timer === undefined) this.#arm(entry.deadline);
  }

  #arm(deadline: number): void {
    this.#timer = setTimeout(() => this.#sweep(), Math.max(1, deadline - performance.now()));
    this.#timer.unref?.();
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = performance.now();
    const q = this.#queue;
    while (this.#head < q.length) {
      const e = q[this.#head] as Pending;
      if (!e.settled && e.deadline > now) break;
      if (!e.settled) e.expire(this.#timeoutMs);
      this.#head++;
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    this.#arm((this.#queue[this.#head] as Pending).deadline);
  }

  /**
   * Runs a Lua script by `EVALSHA`, loading it with `EVAL` when Redis does not have it yet.
   *
   * @param s The script.
   * @param keys Its keys (all in one hash slot).
   * @param argv Its arguments.
   * @returns The script's reply.
   */
  async run(s: Script, keys: readonly string[], argv: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...argv];
    try {
      return await this.send(["EVALSHA", s.sha, ...tail], keys[0]);
    } catch (error) {
      if (!(error instanceof RedisStorageError) || !/NOSCRIPT/.test(String(error.cause)))
        throw error;
      return this.send(["EVAL", s.source, ...tail], keys[0]);
    }
  }
}

/** One command waiting for its reply or its deadline, whichever comes first. */
class Pending {
  settled = false;

  constructor(
    readonly command: string,
    readonly deadline: number,
    readonly abort: AbortController,
    readonly resolve: (reply: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  settle(reply: unknown, error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) this.resolve(reply);
    else this.reject(error);
  }

  expire(timeoutMs: number): void {
    this.abort.abort();
    this.settle(
      undefined,
      new StorageUnavailableError(
        this.command,
        `Redis did not answer ${this.command} within ${timeoutMs} ms`,
      ),
    );
  }
}

function mapError(command: string, error: unknown): Error {
  if (error instanceof RedisStorageError) return error;
  if (isReply(error)) {
    return new RedisStorageError(
      "BOT_REDIS_COMMAND_FAILED",
      `Redis refused ${command}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(command, `Redis is unavailable (${command}): ${reason}`, {
    cause: error,
  });
}
