/**
 * `RedisUpdateQueue`: a durable update queue on Redis Streams, split into partitions by chat.
 *
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import { LockTimeoutError } from "@bot/dispatcher";
import type {
  UpdateSource,
  UpdateSourceHandler,
  UpdateSourceRunOptions,
} from "@bot/dispatcher/advanced";
import { updateKey } from "@bot/dispatcher/advanced";
import type { Update } from "@bot/types";
import { Commander } from "../commander.js";
import { RedisStorageError } from "../errors.js";
import { redisKey } from "../keys.js";
import { RedisLocks } from "../lock.js";
import {
  type ParsedQueueOptions,
  parseQueueOptions,
  type RedisUpdateQueueOptions,
} from "./options.js";
import { APPEND, STATS } from "./scripts.js";
import { Worker } from "./worker.js";

/** The `diagnostics_channel` where queues publish their events (leases, reruns, stats). */
export const QUEUE_CHANNEL = "@bot/persistence-redis:queue";

/** One partition in {@link QueueStats}. */
export interface PartitionStats {
  /** The partition's index. */
  readonly partition: number;
  /** Updates not handled yet: `pending` plus `lag`. */
  readonly depth: number;
  /** Updates a worker read and has not acknowledged (running, or waiting behind their chat). */
  readonly pending: number;
  /** Updates no worker has read yet. */
  readonly lag: number;
  /** The id of the worker that owns the partition, or `undefined`. */
  readonly owner: string | undefined;
}

/** What `queue.stats()` reads. */
export interface QueueStats {
  /** The sum of every partition's depth. */
  readonly depth: number;
  /** Per partition. */
  readonly partitions: readonly PartitionStats[];
  /** The live workers (their heartbeat has not run out). */
  readonly workers: readonly string[];
}

/** The part of `@bot/client`'s `Client` that `queue.poll` uses. */
export interface QueuePollApi {
  getUpdates(
    params: {
      offset?: number;
      limit?: number;
      timeout?: number;
      allowed_updates?: string[];
    },
    options?: { signal?: AbortSignal },
  ): Promise<readonly Update[]>;
}

/** Options of `queue.poll`. */
export interface QueuePollOptions {
  /** Stops polling when aborted (the batch being appended is finished first). */
  readonly signal?: AbortSignal | undefined;
  /** The long-poll timeout in seconds. Default 30. */
  readonly timeout?: number | undefined;
  /** Updates per `getUpdates`. Default 100. */
  readonly limit?: number | undefined;
  /** `allowed_updates` (e.g. `bot.allowedUpdates()`). Default: Telegram's default. */
  readonly allowedUpdates?: readonly string[] | undefined;
  /** Receives fetch and Redis errors (they are retried). Default: logged without secrets. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

const fnv1a = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/** @internal The queue's keys and connection, shared with its workers. */
export interface QueueCore {
  readonly o: ParsedQueueOptions;
  readonly commander: Commander;
  readonly locks: RedisLocks;
  readonly channel: diagnostics.Channel;
  /** The storage key of a partition (locks are `<it>:lock` and `<it>:fence`). */
  part(p: number): string;
  stream(p: number): string;
  fence(p: number): string;
  owner(p: number): string;
  readonly registry: string;
  readonly group: string;
}

/**
 * A durable update queue on Redis Streams: `partitions` streams, each update appended to the
 * one its chat (else its user) hashes to, so a chat's updates stay in one partition in arrival
 * order. Ingest with the webhook's `delivery: { queue }` (it implements `WebhookQueue`) or with
 * {@link RedisUpdateQueue.poll}; run the updates with `bot.work(queue, { concurrency })` in any
 * number of processes. An update is acknowledged only after its handler finished; a worker
 * that dies loses its partitions after `leaseMs` and its unacknowledged updates run again.
 *
 * @example
 * ```ts
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const queue = new RedisUpdateQueue({ client, name: "mybot", partitions: 16 });
 * await app.register(webhook, { bot, path: "/hook", secretToken, delivery: { queue } });
 * // in each worker process:
 * await bot.work(queue, { concurrency: 20 });
 * ```
 */
export class RedisUpdateQueue implements UpdateSource {
  readonly #core: QueueCore;

  /**
   * Creates a queue handle (nothing is sent until it is used).
   *
   * @param options Client, name, partitions and tuning.
   * @throws {RedisStorageError} `BOT_REDIS_INVALID_OPTIONS` for bad options.
   */
  constructor(options: RedisUpdateQueueOptions) {
    const o = parseQueueOptions(options);
    const commander = new Commander(o.client, o.commandTimeoutMs);
    const part = (p: number) => `queue:${o.name}:${p}`;
    const key = (k: string, suffix = "") => redisKey(o.prefix, k, suffix);
    const locks = new RedisLocks({
      run: (s, keys, argv) => commander.run(s, keys, argv),
      cluster: commander.cluster,
      key,
      version: () => "",
      serialise: () => "null",
      parse: () => undefined,
      ttl: () => "",
    });
    this.#core = {
      o,
      commander,
      locks,
      channel: diagnostics.channel(QUEUE_CHANNEL),
      part,
      stream: (p) => key(part(p), ":s"),
      fence: (p) => key(part(p), ":fence"),
      owner: (p) => key(part(p), ":owner"),
      registry: key(`queue:${o.name}`, ":workers"),
      group: "workers",
    };
  }

  /** The queue's name. */
  get name(): string {
    return this.#core.o.name;
  }

  /** The number of partitions. */
  get partitions(): number {
    return this.#core.o.partitions;
  }

  /**
   * The partition of an update: a hash of its chat id, else its user id; an update with
   * neither goes by its `update_id`.
   *
   * @param update The update.
   * @returns The partition index.
   */
  partitionOf(update: Update): number {
    const k = updateKey(update);
    const h = k === undefined ? Math.abs(update.update_id) : fnv1a(String(k));
    return h % this.#core.o.partitions;
  }

  /**
   * Appends one update durably (the webhook's `WebhookQueue` contract): resolves once Redis
   * stored it.
   *
   * @param update A validated update.
   * @throws {RedisStorageError} `BOT_REDIS_QUEUE_FULL` past the backlog limit,
   *   `BOT_REDIS_UNAVAILABLE` when Redis did not answer in time.
   */
  async enqueue(update: Update): Promise<void> {
    await this.append([update]);
  }

  /**
   * Appends updates durably, each partition's share in one round trip (all or nothing per
   * partition), in the given order.
   *
   * @param updates Validated updates.
   * @throws {RedisStorageError} as {@link enqueue}; some partitions may have been appended then.
   */
  async append(updates: readonly Update[]): Promise<void> {
    const c = this.#core;
    const groups = new Map<number, string[]>();
    const now = String(Date.now());
    for (const u of updates) {
      if (typeof u !== "object" || u === null || !Number.isSafeInteger(u.update_id))
        throw new RedisStorageError(
          "BOT_REDIS_INVALID_VALUE",
          "an update needs an integer update_id",
        );
      const k = updateKey(u);
      const p = this.partitionOf(u);
      let g = groups.get(p);
      if (g === undefined) {
        g = [];
        groups.set(p, g);
      }
      g.push(JSON.stringify(u), now, k === undefined ? "" : String(k));
    }
    await Promise.all(
      [...groups].map(async ([p, argv]) => {
        const reply = await c.commander.run(
          APPEND,
          [c.stream(p)],
          [String(c.o.maxBacklog), ...argv],
        );
        if (reply === -1)
          throw new RedisStorageError(
            "BOT_REDIS_QUEUE_FULL",
            `queue "${c.o.name}" partition ${p} holds its backlog limit (${c.o.maxBacklog})`,
          );
      }),
    );
  }

  /**
   * Reads the queue's state: depth, pending and lag per partition, owners and live workers.
   *
   * @returns The stats.
   */
  async stats(): Promise<QueueStats> {
    const c = this.#core;
    const list: PartitionStats[] = [];
    const replies = await Promise.all(
      Array.from({ length: c.o.partitions }, (_, p) =>
        c.commander.run(STATS, [c.stream(p), c.owner(p)], [c.group]),
      ),
    );
    replies.forEach((r, p) => {
      const [depth, pending, owner] = r as [number, number, string | null];
      list.push({
        partition: p,
        depth: Number(depth),
        pending: Number(pending),
        lag: Number(depth) - Number(pending),
        owner: typeof owner === "string" ? owner : undefined,
      });
    });
    const workers = (await c.commander.send(
      ["ZRANGEBYSCORE", c.registry, String(Date.now()), "+inf"],
      c.registry,
      true,
    )) as string[];
    workers.sort();
    const stats = { depth: list.reduce((n, s) => n + s.depth, 0), partitions: list, workers };
    if (c.channel.hasSubscribers) c.channel.publish({ type: "stats", queue: c.o.name, stats });
    return stats;
  }

  /**
   * Runs this process's worker (the `UpdateSource` contract behind `bot.work(queue)`): takes a
   * fair share of the partitions through leases, runs their updates and acknowledges them.
   *
   * @param handler Runs one update.
   * @param options Concurrency, grace, error route.
   * @param signal Aborted to stop gracefully.
   * @returns A promise settled when the worker stopped and released its partitions.
   */
  run(
    handler: UpdateSourceHandler,
    options: UpdateSourceRunOptions,
    signal: AbortSignal,
  ): Promise<void> {
    return new Worker(this.#core, handler, options).run(signal);
  }

  /**
   * Long polling into the queue: fetches with `getUpdates`, appends each batch, and confirms
   * it (the next `getUpdates`' offset) only once the batch is appended. One poller per queue
   * holds a Redis lease; others wait as standbys and take over when it dies.
   *
   * @param api The bot's client (`bot.api`).
   * @param options Stop signal, poll timeout, batch size, allowed updates.
   * @returns A promise settled when the signal stopped polling.
   */
  async poll(api: QueuePollApi, options: QueuePollOptions = {}): Promise<void> {
    const c = this.#core;
    const signal = options.signal ?? new AbortController().signal;
    const onError =
      options.onError ??
      ((e: unknown) =>
        console.error(
          `@bot/persistence-redis: queue poller: ${e instanceof Error ? e.message : String(e)}`,
        ));
    const leaseMs = c.o.leaseMs;
    const publish = (m: Record<string, unknown>) => {
      if (c.channel.hasSubscribers) c.channel.publish({ queue: c.o.name, ...m });
    };
    while (!signal.aborted) {
      let lease: Awaited<ReturnType<RedisLocks["lock"]>>;
      try {
        lease = await c.locks.lock([`queue:${c.o.name}:poller`], { ttlMs: leaseMs, waitMs: 0 });
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) onError(error);
        await sleep(Math.ceil(leaseMs / 3), signal);
        continue;
      }
      publish({ type: "poller-acquired", token: lease.token });
      const lost = new AbortController();
      const fetchAbort = AbortSignal.any([signal, lost.signal]);
      const renew = setInterval(
        () => {
          lease.extend(leaseMs).catch((error: unknown) => {
            onError(error);
            lost.abort(error);
          });
        },
        Math.ceil(leaseMs / 3),
      );
      let offset: number | undefined;
      let failures = 0;
      try {
        while (!fetchAbort.aborted) {
          let batch: readonly Update[];
          try {
            batch = await api.getUpdates(
              {
                ...(offset !== undefined ? { offset } : {}),
                limit: options.limit ?? 100,
                timeout: options.timeout ?? 30,
                ...(options.allowedUpdates ? { allowed_updates: [...options.allowedUpdates] } : {}),
              },
              { signal: fetchAbort },
            );
            failures = 0;
          } catch (error) {
            if (fetchAbort.aborted) break;
            onError(error);
            await sleep(Math.min(5000, 100 * 2 ** failures++), fetchAbort);
            continue;
          }
          if (batch.length === 0) continue;
          publish({ type: "poller-fetched", count: batch.length });
          // Durable before confirmed: retry the append until it succeeds; the offset waits.
          for (let tries = 0; ; tries++) {
            try {
              await this.append(batch);
              break;
            } catch (error) {
              onError(error);
              if (lost.signal.aborted) break;
              await sleep(Math.min(2000, 50 * 2 ** tries), lost.signal);
            }
          }
          if (lost.signal.aborted) break;
          offset = (batch.at(-1) as Update).update_id + 1;
          publish({ type: "poller-appended", count: batch.length, offset });
        }
        if (offset !== undefined && !lost.signal.aborted) {
          // Confirms the last appended batch; what this call returns stays unconfirmed.
          await api
            .getUpdates({ offset, limit: 1, timeout: 0 }, { signal: AbortSignal.timeout(5000) })
            .catch(onError);
        }
      } finally {
        clearInterval(renew);
        await lease.release().catch(() => false);
        publish({ type: "poller-released" });
      }
    }
  }
}

/**
 * Waits, or less when the signal aborts.
 *
 * @param ms How long.
 * @param signal Ends the wait early.
 * @returns A promise resolved after the wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
