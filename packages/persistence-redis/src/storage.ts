/**
 * `RedisStorage`: the dispatcher's `Storage` contract on Redis.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  RuntimeError,
  type Storage,
  type StorageEntry,
  type StorageWriteOptions,
} from "@bot/dispatcher";
import type { StorageLease, StorageLockOptions } from "@bot/dispatcher/advanced";
import { Commander, type RedisClientLike, type Script } from "./commander.js";
import { RedisStorageError } from "./errors.js";
import { redisKey } from "./keys.js";
import { RedisLocks } from "./lock.js";
import { parseOptions, type RedisStorageOptions } from "./options.js";
import { COMPARE_AND_SET, DELETE, GET, SET, SET_IF_ABSENT } from "./scripts.js";

/**
 * The dispatcher's {@link Storage} on Redis, for sessions, dedup, callback data and any state
 * several processes share. Every call is one round trip, a small Lua script sent by `EVALSHA`
 * on the one Redis hash of the key (value, version, expiry, and the key's lock and fencing
 * token, so nothing else is ever left in Redis). Every command has a deadline (`commandTimeoutMs`, 2 s by
 * default): a Redis that is down or hung gives a `StorageUnavailableError` within it.
 *
 * @example
 * const redis = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const bot = new Bot(token, { storage: new RedisStorage({ client: redis }) });
 */
export class RedisStorage implements Storage {
  readonly #prefix: string;
  readonly #commander: () => Promise<Commander>;
  /** The commander of an injected client (`undefined` with `url`: opened on first use). */
  readonly #ready: Commander | undefined;
  readonly #close: () => Promise<void>;
  /** A random part per instance plus a counter: versions are never reused, across processes too. */
  readonly #versionBase = `${randomBytes(9).toString("base64url")}.`;
  #versionCounter = 0;
  readonly #locks: RedisLocks;

  /**
   * Creates a store.
   *
   * @param options The client (or a `url`), the key prefix and the command deadline.
   */
  constructor(options: RedisStorageOptions) {
    const o = parseOptions(options);
    this.#prefix = o.prefix;
    if (o.client !== undefined) {
      this.#ready = new Commander(o.client, o.commandTimeoutMs);
      const commander = Promise.resolve(this.#ready);
      this.#commander = () => commander;
      this.#close = async () => {};
    } else {
      // Only with `url` does the store open (and later close) a connection of its own, on first use.
      let own:
        | Promise<{
            client: { close(): Promise<void>; destroy(): void; readonly isReady: boolean };
            commander: Commander;
          }>
        | undefined;
      const url = o.url as string;
      const open = () => {
        own ??= import("redis").then(async ({ createClient }) => {
          const client = createClient({ url });
          client.on("error", () => {}); // failures surface as typed errors on the commands
          void client.connect().catch(() => {});
          return {
            client,
            commander: new Commander(client as unknown as RedisClientLike, o.commandTimeoutMs),
          };
        });
        return own;
      };
      this.#commander = async () => (await open()).commander;
      this.#close = async () => {
        if (own === undefined) return;
        const { client } = await own;
        // A client still (re)connecting to a Redis that is down would wait for it: drop it.
        if (client.isReady) await client.close();
        else client.destroy();
      };
    }
    const cluster = o.client !== undefined && "masters" in o.client;
    // with an injected client the commander is there at once: no promise hop per script call
    this.#locks = new RedisLocks({
      run: (s, keys, argv) => this.#run(s, keys, argv),
      cluster,
      layout: "hash",
      key: (k) => redisKey(this.#prefix, k),
      version: () => this.#version(),
      serialise,
      parse,
      ttl: (ttlMs) => ttl(ttlMs === undefined ? undefined : { ttlMs }),
    });
  }

  /**
   * Locks keys for one holder with a lease and reads them in the same round trip (the
   * dispatcher's optional `Storage.lock` capability): on a single Redis all keys in one Lua
   * script, on a Redis Cluster one key after another in sorted order. Waiting polls with a
   * short, growing pause until `waitMs`.
   *
   * @param keys Distinct storage keys.
   * @param options TTL, wait deadline and abort signal.
   * @returns The lease, with the keys' entries.
   */
  lock(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease> {
    return this.#locks.lock(keys, options);
  }

  /** The key prefix every Redis key of this store starts with. */
  get prefix(): string {
    return this.#prefix;
  }

  #version(): string {
    return this.#versionBase + (++this.#versionCounter).toString(36);
  }

  /**
   * Runs a script: at once with an injected client (no promise turn, so the calls of one turn
   * reach the commander in the order they were made), else once the own client is open.
   */
  #run(s: Script, keys: readonly string[], argv: readonly string[]): Promise<unknown> {
    const ready = this.#ready;
    if (ready !== undefined) return ready.run(s, keys, argv);
    return this.#commander().then((c) => c.run(s, keys, argv));
  }

  async get<T = unknown>(key: string): Promise<StorageEntry<T> | undefined> {
    const k = redisKey(this.#prefix, checkKey(key));
    const commander = this.#ready ?? (await this.#commander());
    let reply = (await commander.send(["HMGET", k, "v", "r", "e", "x"], k, true)) as
      | (string | null)[]
      | null;
    // A value with a TTL (`e`) under a lock (`x`) may have expired while the lock keeps the key
    // alive: only Redis's clock can tell, so ask a script. Otherwise an existing key's value is live.
    const held = reply?.[3];
    if (reply?.[2] != null && held != null && held !== "0")
      reply = (await commander.run(GET, [k], [])) as (string | null)[] | null;
    const json = reply?.[0];
    const version = reply?.[1];
    if (json === null || json === undefined || version === null || version === undefined)
      return undefined;
    return { value: parse<T>(key, json), version };
  }

  async set(key: string, value: unknown, options?: StorageWriteOptions): Promise<string> {
    const k = redisKey(this.#prefix, checkKey(key));
    const version = this.#version();
    await this.#run(SET, [k], [serialise(key, value), version, ttl(options)]);
    return version;
  }

  async delete(key: string): Promise<boolean> {
    const k = redisKey(this.#prefix, checkKey(key));
    return Number(await this.#run(DELETE, [k], [])) === 1;
  }

  async compareAndSet(
    key: string,
    expectedVersion: string | null,
    value: unknown,
    options?: StorageWriteOptions,
  ): Promise<string | undefined> {
    const k = redisKey(this.#prefix, checkKey(key));
    const version = this.#version();
    const written = await this.#run(
      COMPARE_AND_SET,
      [k],
      [expectedVersion ?? "", serialise(key, value), version, ttl(options)],
    );
    return written === 1 ? version : undefined;
  }

  async setIfAbsent(key: string, value: unknown, options?: StorageWriteOptions): Promise<boolean> {
    const k = redisKey(this.#prefix, checkKey(key));
    const written = await this.#run(
      SET_IF_ABSENT,
      [k],
      [serialise(key, value), this.#version(), ttl(options)],
    );
    return written === 1;
  }

  /**
   * Closes the connection the store opened itself (with `url`), at once when Redis is down (it
   * does not wait for a reconnect); an injected client is left open.
   */
  close(): Promise<void> {
    return this.#close();
  }
}

// Invalid keys and values break the Storage contract itself, so they get the dispatcher's
// contract errors (`BOT_DISPATCHER_STORAGE_INVALID_KEY`, `BOT_DISPATCHER_STORAGE_INVALID_VALUE`), as MemoryStorage throws them.
const invalid = (message: string, cause?: unknown) =>
  new RuntimeError("BOT_DISPATCHER_STORAGE_INVALID_VALUE", `@bot/persistence-redis: ${message}`, {
    cause,
  });

function checkKey(key: string): string {
  if (typeof key !== "string" || key.length === 0)
    throw new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_KEY",
      "@bot/persistence-redis: a storage key must be a non-empty string",
    );
  return key;
}

function ttl(options: StorageWriteOptions | undefined): string {
  const ms = options?.ttlMs;
  if (ms === undefined) return "";
  if (!Number.isFinite(ms) || ms <= 0) throw invalid("ttlMs must be a positive number");
  return String(Math.max(1, Math.ceil(ms)));
}

function serialise(key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw invalid(`the value for "${key}" is not JSON-serialisable`, cause);
  }
  if (json === undefined) throw invalid(`the value for "${key}" is not JSON-serialisable`);
  return json;
}

function parse<T>(key: string, json: string): T {
  try {
    return JSON.parse(json) as T;
  } catch (cause) {
    throw new RedisStorageError(
      "BOT_REDIS_INVALID_VALUE",
      `the stored value of "${key}" is not JSON`,
      { cause },
    );
  }
}
