/**
 * The `Storage.lock` capability on Redis: leases with fencing tokens.
 *
 * A storage key is one Redis hash holding its value, its lock (holder and expiry) and its
 * fencing token (see `scripts.ts`), so locking and reading a key is one small script on one
 * Redis key, and writing and releasing another. A lease on several keys takes them all in one
 * Lua script on a single Redis (all or nothing, so no deadlock), and one key after another in
 * sorted order on a Redis Cluster, where the keys may live in different slots.
 *
 * @module
 */

import type { StorageEntry } from "@bot/dispatcher";
import { LeaseLostError, LockTimeoutError, RuntimeError } from "@bot/dispatcher";
import type {
  StorageCommitResult,
  StorageLease,
  StorageLeaseWrite,
  StorageLockOptions,
} from "@bot/dispatcher/advanced";
import { type Script, script } from "./commander.js";
import { COMMIT, COMMIT_ONE, EXTEND, FENCE, LOCK, RELEASE } from "./scripts.js";

/*
 * The key-per-part layout (`{k}:lock`, `{k}:fence`, value `{k}`), kept for the update queue,
 * whose scripts check a partition's `:fence` key; its keys are a fixed, small set.
 */
/**
 * KEYS: n locks, n fences, n values. ARGV: holder id, ttl ms, the least token to hand out.
 * Returns `{0}` when a key is held, else `{token, v1, r1, v2, r2, ...}`.
 */
const K_LOCK = script(
  "lock",
  `local n = #KEYS / 3
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {0} end
end
local t = tonumber(ARGV[3])
for i = 1, n do
  local f = tonumber(redis.call('GET', KEYS[n + i]) or '0')
  if f >= t then t = f + 1 end
end
local out = {t}
for i = 1, n do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  redis.call('SET', KEYS[n + i], t)
  local v = redis.call('HMGET', KEYS[2 * n + i], 'v', 'r')
  out[2 * i] = v[1]
  out[2 * i + 1] = v[2]
end
return out`,
);

/** KEYS: fences. ARGV: token. Raises every fence to at least the token (Cluster path). */
const K_FENCE = script(
  "fence",
  `for i = 1, #KEYS do
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if f < tonumber(ARGV[1]) then redis.call('SET', KEYS[i], ARGV[1]) end
end
return 1`,
);

/** KEYS: locks. ARGV: holder id, ttl ms. Returns 1, or 0 when the lease is no longer held. */
const K_EXTEND = script(
  "extend",
  `for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1`,
);

/** KEYS: locks. ARGV: holder id. Deletes the locks this holder still holds; returns how many. */
const K_RELEASE = script(
  "release",
  `local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    n = n + 1
  end
end
return n`,
);

/**
 * KEYS: m locks (all of the lease's keys on this node), then w values. ARGV: holder id,
 * release ('1' or '0'), apply ('1' or '0': '0' only checks), then per write: op ('s' or 'd'),
 * expected version ('' = absent), json, new version, ttl ('' = none). Returns `{-1}` when the
 * lease is lost, `{0, i}` when write i's version does not match (nothing written), `{1}` after
 * writing.
 */
const K_COMMIT = script(
  "commit",
  `local holder = ARGV[1]
local w = (#ARGV - 3) / 5
local m = #KEYS - w
for i = 1, m do
  if redis.call('GET', KEYS[i]) ~= holder then return {-1} end
end
local function release()
  if ARGV[2] == '1' then for i = 1, m do redis.call('DEL', KEYS[i]) end end
end
for j = 1, w do
  local expected = ARGV[3 + 5 * (j - 1) + 2]
  local cur = redis.call('HGET', KEYS[m + j], 'r')
  if (expected == '' and cur) or (expected ~= '' and cur ~= expected) then
    release()
    return {0, j}
  end
end
if ARGV[3] == '1' then
  for j = 1, w do
    local b = 3 + 5 * (j - 1)
    local key = KEYS[m + j]
    if ARGV[b + 1] == 'd' then
      redis.call('DEL', key)
    else
      redis.call('HSET', key, 'v', ARGV[b + 3], 'r', ARGV[b + 4])
      if ARGV[b + 5] ~= '' then redis.call('PEXPIRE', key, ARGV[b + 5]) else redis.call('PERSIST', key) end
    end
  end
end
release()
return {1}`,
);

/** How a {@link RedisLocks} reaches Redis and names keys. */
export interface LockHost {
  /** Runs a script with the store's deadline. */
  run(s: Script, keys: readonly string[], argv: readonly string[]): Promise<unknown>;
  /** Whether the keys of one lease may live in different slots (Redis Cluster). */
  readonly cluster: boolean;
  /**
   * The Redis key of a storage key. With `layout: "hash"` one hash holds value, lock and fence
   * (the suffix is unused); else a suffix (`""`, `":lock"`, `":fence"`) names each part.
   */
  key(storageKey: string, suffix?: string): string;
  /**
   * `"hash"`: the value, lock and fence of a key in one Redis hash (`RedisStorage`). Default
   * `"keys"`: three Redis keys per storage key (the update queue's partitions).
   */
  readonly layout?: "hash" | "keys" | undefined;
  /** A fresh version string. */
  version(): string;
  /** Serialises a value (contract errors for bad values). */
  serialise(key: string, value: unknown): string;
  /** Parses a stored value. */
  parse(key: string, json: string): unknown;
  /** A TTL argument (`""` for none). */
  ttl(ttlMs: number | undefined): string;
}

let holders = 0;
const holderBase = `${process.pid.toString(36)}.${Math.random().toString(36).slice(2, 10)}.`;

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

function checkLock(keys: readonly string[], options: StorageLockOptions): void {
  const bad = (what: string) =>
    new RuntimeError(
      "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
      `@bot/persistence-redis: lock ${what}`,
    );
  const badKeys = (what: string) =>
    new RuntimeError("BOT_DISPATCHER_STORAGE_INVALID_KEY", `@bot/persistence-redis: lock ${what}`);
  if (!Array.isArray(keys) || keys.length === 0) throw badKeys("needs at least one key");
  if (keys.length > 1 && new Set(keys).size !== keys.length) throw badKeys("keys must be distinct");
  for (const k of keys) {
    if (typeof k !== "string" || k.length === 0)
      throw new RuntimeError(
        "BOT_DISPATCHER_STORAGE_INVALID_KEY",
        "@bot/persistence-redis: a storage key must be a non-empty string",
      );
  }
  if (!(Number.isFinite(options?.ttlMs) && options.ttlMs > 0))
    throw bad("ttlMs must be a positive number");
  if (!(Number.isFinite(options.waitMs) && options.waitMs >= 0))
    throw bad("waitMs must be 0 or more");
}

/** The JSON of a write: the one its caller computed (the dispatcher does, to see a change), else its own. */
function jsonOf(host: LockHost, w: Extract<StorageLeaseWrite, { value: unknown }>): string {
  return typeof w.json === "string" ? w.json : host.serialise(w.key, w.value);
}

/** Takes leases on a {@link LockHost}. */
export class RedisLocks {
  readonly #host: LockHost;
  readonly #hash: boolean;

  constructor(host: LockHost) {
    this.#host = host;
    this.#hash = host.layout === "hash";
  }

  /** The Redis keys one script gets for some storage keys: `keys` layout, `part` (":lock", ...). */
  #keys(keys: readonly string[], part: string): string[] {
    const host = this.#host;
    return this.#hash ? keys.map((k) => host.key(k)) : keys.map((k) => host.key(k, part));
  }

  /**
   * Locks keys and reads them; see `Storage.lock`.
   *
   * @param keys The storage keys.
   * @param options TTL, wait deadline, signal.
   * @returns The lease.
   */
  lock(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease> {
    try {
      checkLock(keys, options);
    } catch (error) {
      return Promise.reject(error);
    }
    // the script's own promise: an async function returning it would add a promise and turns
    if (this.#hash && !this.#host.cluster) return this.#lockOne(keys, options);
    return this.#lockEach(keys, options);
  }

  /** {@link RedisLocks.lock} of keys that may live in different slots, or in the `keys` layout. */
  async #lockEach(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease> {
    const host = this.#host;
    const holder = `${holderBase}${(++holders).toString(36)}`;
    const ttl = String(Math.ceil(options.ttlMs));
    const deadline = performance.now() + options.waitMs;
    // Sorted: on a Cluster the keys are taken one by one, always in this order.
    const order = [...keys].sort();
    const entries = new Map<string, StorageEntry | undefined>();
    const taken: string[] = [];
    let token = 0;
    const groups = host.cluster ? order.map((k) => [k]) : [order];
    try {
      for (const group of groups) {
        let pause = 2;
        for (;;) {
          let reply: (string | number | null)[];
          try {
            reply = (await host.run(
              this.#hash ? LOCK : K_LOCK,
              this.#hash
                ? this.#keys(group, "")
                : [
                    ...group.map((k) => host.key(k, ":lock")),
                    ...group.map((k) => host.key(k, ":fence")),
                    ...group.map((k) => host.key(k)),
                  ],
              this.#hash
                ? [ttl, String(group.length), String(token + 1), holder]
                : [holder, ttl, String(token + 1)],
            )) as (string | number | null)[];
          } catch (error) {
            // The script may still run later (sent into a hung connection, it runs when Redis
            // catches up) and take the keys for a holder that gave up. A release sent now on
            // the same connection runs right after it, so they are not held until the TTL.
            void this.#release(group, holder).catch(() => 0);
            throw error;
          }
          if (Number(reply[0]) > 0) {
            token = Number(reply[0]);
            group.forEach((k, i) => {
              const json = reply[2 * i + 1];
              const version = reply[2 * i + 2];
              entries.set(
                k,
                typeof json === "string" && typeof version === "string"
                  ? { value: host.parse(k, json), version }
                  : undefined,
              );
            });
            taken.push(...group);
            break;
          }
          const left = deadline - performance.now();
          if (left <= 0) throw new LockTimeoutError(keys, options.waitMs);
          await sleep(Math.min(left, pause * (0.5 + Math.random())), options.signal);
          pause = Math.min(pause * 2, 25);
        }
      }
      if (host.cluster && taken.length > 1) {
        // Every fence must pass the lease's token, so any later lease on any key gets a larger one.
        for (const k of taken)
          await host.run(this.#hash ? FENCE : K_FENCE, this.#keys([k], ":fence"), [String(token)]);
      }
    } catch (error) {
      if (taken.length > 0) await this.#release(taken, holder).catch(() => 0);
      throw error;
    }
    return this.#lease(
      keys,
      holder,
      token,
      keys.map((k) => entries.get(k)),
    );
  }

  /**
   * {@link RedisLocks.lock} on a single Redis in the hash layout (the sessions' path): all keys
   * in one script, retried as a whole while any is held; no sorting needed (all or nothing).
   */
  async #lockOne(keys: readonly string[], options: StorageLockOptions): Promise<StorageLease> {
    const host = this.#host;
    const holder = `${holderBase}${(++holders).toString(36)}`;
    const argv = [String(Math.ceil(options.ttlMs)), String(keys.length), "1", holder];
    const redisKeys =
      keys.length === 1 ? [host.key(keys[0] as string)] : keys.map((k) => host.key(k));
    const deadline = performance.now() + options.waitMs;
    let pause = 2;
    for (;;) {
      let reply: (string | number | null)[];
      try {
        reply = (await host.run(LOCK, redisKeys, argv)) as (string | number | null)[];
      } catch (error) {
        // See `lock`: a script sent into a hung connection may still run; release after it.
        void host.run(RELEASE, redisKeys, [holder]).catch(() => 0);
        throw error;
      }
      const token = Number(reply[0]);
      if (token > 0) {
        const entries: (StorageEntry | undefined)[] = [];
        for (let i = 0; i < keys.length; i++) {
          const json = reply[2 * i + 1];
          const version = reply[2 * i + 2];
          entries.push(
            typeof json === "string" && typeof version === "string"
              ? { value: host.parse(keys[i] as string, json), version }
              : undefined,
          );
        }
        return this.#lease(keys, holder, token, entries, redisKeys);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new LockTimeoutError(keys, options.waitMs);
      await sleep(Math.min(left, pause * (0.5 + Math.random())), options.signal);
      pause = Math.min(pause * 2, 25);
    }
  }

  #lease(
    keys: readonly string[],
    holder: string,
    token: number,
    entries: ReadonlyArray<StorageEntry | undefined>,
    redisKeys?: readonly string[],
  ): StorageLease {
    return new RedisLease(this, keys, holder, token, entries, redisKeys);
  }

  /**
   * {@link StorageLease.extend} of a lease.
   *
   * @param keys The lease's keys.
   * @param holder Its holder id.
   * @param ttlMs The new TTL.
   */
  async extendLease(keys: readonly string[], holder: string, ttlMs: number): Promise<void> {
    if (!(Number.isFinite(ttlMs) && ttlMs > 0))
      throw new RuntimeError(
        "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
        "@bot/persistence-redis: extend ttlMs must be a positive number",
      );
    const host = this.#host;
    for (const group of host.cluster ? keys.map((k) => [k]) : [keys]) {
      const ok = await host.run(this.#hash ? EXTEND : K_EXTEND, this.#keys(group, ":lock"), [
        holder,
        String(Math.ceil(ttlMs)),
      ]);
      if (ok !== 1) throw new LeaseLostError(keys);
    }
  }

  /**
   * {@link StorageLease.commit} of a lease.
   *
   * @param keys The lease's keys.
   * @param holder Its holder id.
   * @param redisKeys The Redis keys of a lease taken in one script, else `undefined`.
   * @param writes The writes.
   * @param release Whether to release too.
   * @returns The outcome.
   */
  commitLease(
    keys: readonly string[],
    holder: string,
    redisKeys: readonly string[] | undefined,
    writes: readonly StorageLeaseWrite[],
    release: boolean,
  ): Promise<StorageCommitResult> {
    return redisKeys !== undefined
      ? this.#commitOne(keys, redisKeys, holder, writes, release)
      : this.#commit(keys, holder, writes, release);
  }

  /**
   * {@link StorageLease.release} of a lease.
   *
   * @param keys The lease's keys.
   * @param holder Its holder id.
   * @returns Whether it held them.
   */
  async releaseLease(keys: readonly string[], holder: string): Promise<boolean> {
    return (await this.#release(keys, holder)) > 0;
  }

  async #release(keys: readonly string[], holder: string): Promise<number> {
    const host = this.#host;
    let n = 0;
    const groups = host.cluster ? keys.map((k) => [k]) : [[...keys]];
    for (const group of groups) {
      n += Number(
        await host.run(this.#hash ? RELEASE : K_RELEASE, this.#keys(group, ":lock"), [holder]),
      );
    }
    return n;
  }

  /** {@link RedisLocks.#commit} of a {@link RedisLocks.#lockOne} lease: one script. */
  async #commitOne(
    keys: readonly string[],
    redisKeys: readonly string[],
    holder: string,
    writes: readonly StorageLeaseWrite[],
    release: boolean,
  ): Promise<StorageCommitResult> {
    const host = this.#host;
    const only = writes[0];
    if (
      release &&
      writes.length === 1 &&
      keys.length === 1 &&
      only !== undefined &&
      only.key === keys[0] &&
      !("delete" in only && only.delete === true)
    ) {
      // The sessions' common case: one key, one write, then release.
      const version = host.version();
      const r = await host.run(COMMIT_ONE, redisKeys, [
        holder,
        only.expectedVersion ?? "",
        jsonOf(host, only as Extract<StorageLeaseWrite, { value: unknown }>),
        version,
        host.ttl((only as { ttlMs?: number }).ttlMs),
      ]);
      if (Number(r) === -1) throw new LeaseLostError(keys);
      if (Number(r) === 0) return { ok: false, conflict: only.key };
      return { ok: true, versions: [version] };
    }
    const argv = [holder, release ? "1" : "0", "1"];
    const versions: (string | undefined)[] = [];
    for (let j = 0; j < writes.length; j++) {
      const w = writes[j] as StorageLeaseWrite;
      const at = keys.indexOf(w.key);
      let twice = false;
      for (let i = 0; i < j; i++) if ((writes[i] as StorageLeaseWrite).key === w.key) twice = true;
      if (at < 0 || twice)
        throw new RuntimeError(
          "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
          "@bot/persistence-redis: a commit may write each key of its lease once",
        );
      if ("delete" in w && w.delete === true) {
        versions.push(undefined);
        argv.push(String(at + 1), "d", w.expectedVersion ?? "", "", "", "");
        continue;
      }
      const version = host.version();
      versions.push(version);
      argv.push(
        String(at + 1),
        "s",
        w.expectedVersion ?? "",
        jsonOf(host, w as Extract<StorageLeaseWrite, { value: unknown }>),
        version,
        host.ttl((w as { ttlMs?: number }).ttlMs),
      );
    }
    const r = (await host.run(COMMIT, redisKeys, argv)) as number[];
    if (Number(r[0]) === -1) throw new LeaseLostError(keys);
    if (Number(r[0]) === 0)
      return { ok: false, conflict: (writes[Number(r[1]) - 1] as StorageLeaseWrite).key };
    return { ok: true, versions };
  }

  async #commit(
    keys: readonly string[],
    holder: string,
    writes: readonly StorageLeaseWrite[],
    release: boolean,
  ): Promise<StorageCommitResult> {
    const host = this.#host;
    const seen = new Set<string>();
    for (const w of writes) {
      if (!keys.includes(w.key) || seen.has(w.key))
        throw new RuntimeError(
          "BOT_DISPATCHER_STORAGE_INVALID_VALUE",
          "@bot/persistence-redis: a commit may write each key of its lease once",
        );
      seen.add(w.key);
    }
    const versions: (string | undefined)[] = [];
    const argsOf = (w: StorageLeaseWrite): string[] => {
      if ("delete" in w && w.delete === true) {
        versions.push(undefined);
        return ["d", w.expectedVersion ?? "", "", "", ""];
      }
      const version = host.version();
      versions.push(version);
      return [
        "s",
        w.expectedVersion ?? "",
        jsonOf(host, w as Extract<StorageLeaseWrite, { value: unknown }>),
        version,
        host.ttl((w as { ttlMs?: number }).ttlMs),
      ];
    };
    const planned = writes.map((w) => ({ w, args: argsOf(w) }));
    if (!this.#hash) return this.#commitKeys(keys, holder, planned, versions, release);
    const outcome = (
      reply: unknown,
      group: readonly { w: StorageLeaseWrite }[],
    ): StorageCommitResult | undefined => {
      const r = reply as number[];
      if (Number(r[0]) === -1) throw new LeaseLostError(keys);
      if (Number(r[0]) === 0)
        return { ok: false, conflict: (group[Number(r[1]) - 1] as { w: StorageLeaseWrite }).w.key };
      return undefined;
    };
    // The index (1-based) of a write's key among the KEYS of one script call.
    const at = (list: readonly string[], p: { w: StorageLeaseWrite }) =>
      String(list.indexOf(p.w.key) + 1);
    if (!host.cluster || keys.length === 1) {
      const reply = await host.run(
        COMMIT,
        keys.map((k) => host.key(k)),
        [holder, release ? "1" : "0", "1", ...planned.flatMap((p) => [at(keys, p), ...p.args])],
      );
      return outcome(reply, planned) ?? { ok: true, versions };
    }
    // Cluster: the keys may be in different slots. Check every key first (lease held, version
    // matches), then write key by key. Other lease holders cannot interleave (we hold every
    // lock); only a writer that skips the lock could, between the two passes.
    try {
      for (const k of keys) {
        const mine = planned.filter((p) => p.w.key === k);
        const reply = await host.run(
          COMMIT,
          [host.key(k)],
          [holder, "0", "0", ...mine.flatMap((p) => ["1", ...p.args])],
        );
        const failed = outcome(reply, mine);
        if (failed !== undefined) return failed;
      }
      for (const p of planned) {
        const reply = await host.run(
          COMMIT,
          [host.key(p.w.key)],
          [holder, "0", "1", "1", ...p.args],
        );
        const failed = outcome(reply, [p]);
        if (failed !== undefined) return failed;
      }
      return { ok: true, versions };
    } finally {
      if (release) await this.#release(keys, holder).catch(() => 0);
    }
  }

  /** {@link RedisLocks.#commit} in the `keys` layout. */
  async #commitKeys(
    keys: readonly string[],
    holder: string,
    planned: readonly { w: StorageLeaseWrite; args: string[] }[],
    versions: (string | undefined)[],
    release: boolean,
  ): Promise<StorageCommitResult> {
    const host = this.#host;
    const outcome = (
      reply: unknown,
      group: readonly { w: StorageLeaseWrite }[],
    ): StorageCommitResult | undefined => {
      const r = reply as number[];
      if (Number(r[0]) === -1) throw new LeaseLostError(keys);
      if (Number(r[0]) === 0)
        return { ok: false, conflict: (group[Number(r[1]) - 1] as { w: StorageLeaseWrite }).w.key };
      return undefined;
    };
    if (!host.cluster) {
      const reply = await host.run(
        K_COMMIT,
        [...keys.map((k) => host.key(k, ":lock")), ...planned.map((p) => host.key(p.w.key))],
        [holder, release ? "1" : "0", "1", ...planned.flatMap((p) => p.args)],
      );
      return outcome(reply, planned) ?? { ok: true, versions };
    }
    try {
      for (const k of keys) {
        const mine = planned.filter((p) => p.w.key === k);
        const reply = await host.run(
          K_COMMIT,
          [host.key(k, ":lock"), ...mine.map((p) => host.key(p.w.key))],
          [holder, "0", "0", ...mine.flatMap((p) => p.args)],
        );
        const failed = outcome(reply, mine);
        if (failed !== undefined) return failed;
      }
      for (const p of planned) {
        const reply = await host.run(
          K_COMMIT,
          [host.key(p.w.key, ":lock"), host.key(p.w.key)],
          [holder, "0", "1", ...p.args],
        );
        const failed = outcome(reply, [p]);
        if (failed !== undefined) return failed;
      }
      return { ok: true, versions };
    } finally {
      if (release) await this.#release(keys, holder).catch(() => 0);
    }
  }
}

/**
 * A lease of {@link RedisLocks}: its fields, and methods that call back into the locks (no
 * closures per lease).
 */
class RedisLease implements StorageLease {
  readonly keys: readonly string[];
  readonly token: number;
  readonly entries: ReadonlyArray<StorageEntry | undefined>;
  readonly #locks: RedisLocks;
  readonly #holder: string;
  readonly #redisKeys: readonly string[] | undefined;

  constructor(
    locks: RedisLocks,
    keys: readonly string[],
    holder: string,
    token: number,
    entries: ReadonlyArray<StorageEntry | undefined>,
    redisKeys: readonly string[] | undefined,
  ) {
    this.keys = [...keys];
    this.token = token;
    this.entries = entries;
    this.#locks = locks;
    this.#holder = holder;
    this.#redisKeys = redisKeys;
  }

  extend(ttlMs: number): Promise<void> {
    return this.#locks.extendLease(this.keys, this.#holder, ttlMs);
  }

  commit(
    writes: readonly StorageLeaseWrite[],
    options?: { readonly release?: boolean | undefined },
  ): Promise<StorageCommitResult> {
    return this.#locks.commitLease(
      this.keys,
      this.#holder,
      this.#redisKeys,
      writes,
      options?.release === true,
    );
  }

  release(): Promise<boolean> {
    return this.#locks.releaseLease(this.keys, this.#holder);
  }
}
