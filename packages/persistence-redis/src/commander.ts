/**
 * One Redis command with a deadline, over a node-redis client or cluster, and Lua scripts
 * sent by `EVALSHA` with an `EVAL` fallback.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { RedisStorageError, StorageUnavailableError } from "./errors.js";

/** The options the package passes with each command. */
export interface CommandOptions {
  readonly abortSignal?: AbortSignal;
  /** Always `undefined`: the package's own deadline applies, not the client's. */
  readonly timeout?: number | undefined;
}

/** What the package needs of a node-redis client (`createClient()`), structurally. */
export interface NodeRedisClient {
  sendCommand(args: string[], options?: CommandOptions): Promise<unknown>;
}

/** What the package needs of a node-redis cluster (`createCluster()`), structurally. */
export interface NodeRedisCluster {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: CommandOptions,
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
  /**
   * The same script run for many calls at once (see {@link batchable}): calls made in the same
   * turn of the event loop are sent as one command on a single Redis.
   */
  readonly batch?: Script | undefined;
  /** Set when the script itself runs many calls at once (see {@link packed}). */
  readonly packed?: Packing | undefined;
  /** The pack id of the latest shared arguments of a packed script (most calls repeat them). */
  readonly lastId?: { shared: readonly string[]; id: string } | undefined;
}

/** How the calls of a {@link packed} script share one command. */
export interface Packing {
  /** How many leading arguments the calls of one command have in common. */
  readonly shared: number;
  /** How many reply elements each call gets, given the shared arguments. */
  readonly width: (shared: readonly string[]) => number;
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

/** Most calls one batched script runs (the rest go in the next command). */
const BATCH_MAX = 64;

/**
 * Declares a Lua script that can also run as a batch: `body` is run once per call, with that
 * call's `KEYS` and `ARGV`, after `prelude` (shared helpers, run once per command). The batch
 * gets `KEYS` of all calls one after the other and `ARGV` = the number of calls, then per call
 * its key and argument counts, then every call's arguments; it replies with one reply per call.
 * The calls of one batch run one after another inside one script, so each sees what the ones
 * before it wrote, exactly as separate scripts sent in that order would.
 *
 * @param name A name for errors and diagnostics.
 * @param prelude Lua run once before the calls (local helpers).
 * @param body The Lua of one call (it may `return`).
 * @returns The script, with its batch form.
 */
export function batchable(name: string, prelude: string, body: string): Script {
  // The batch runs `body` once per call as a function of where that call's keys and arguments
  // start in KEYS and ARGV (no table per call): `KEYS[i]` becomes `KEYS[ko + i]`, `#KEYS` the
  // call's key count, and the same for ARGV.
  const relative = body
    .replace(/#KEYS\b/g, "nk")
    .replace(/#ARGV\b/g, "na")
    .replace(/\bKEYS\[/g, "KEYS[ko + ")
    .replace(/\bARGV\[/g, "ARGV[ao + ");
  const batch = script(
    `${name} (batch)`,
    `${prelude}
local function one(ko, nk, ao, na)
${relative}
end
local n = tonumber(ARGV[1])
local out, ko, ao = {}, 0, 1 + 2 * n
for r = 1, n do
  local nk, na = tonumber(ARGV[2 * r]), tonumber(ARGV[2 * r + 1])
  out[r] = one(ko, nk, ao, na)
  ko, ao = ko + nk, ao + na
end
return out`,
  );
  return { ...script(name, `${prelude}\n${body}`), batch };
}

/**
 * Declares a script written for many calls at once, cheaper on Redis than a {@link batchable}
 * one: its `KEYS` are the calls' keys one after the other, its `ARGV` the arguments the calls
 * share (the first `packing.shared` of each call, equal for all calls of one command) then
 * every call's own, and its reply is flat, `packing.width` elements per call. Calls made in
 * the same turn with the same shared arguments go as one command on a single Redis; one call
 * alone is the same script with one call (so a Cluster runs it as is).
 *
 * @param name A name for errors and diagnostics.
 * @param source The Lua source.
 * @param packing The shared arguments and the reply width.
 * @returns The script.
 */
export function packed(name: string, source: string, packing: Packing): Script {
  return { ...script(name, source), packed: packing, lastId: { shared: [], id: "" } };
}

/** The calls of one packed script with the same shared arguments, waiting for the next flush. */
interface Pack {
  readonly s: Script;
  readonly shared: readonly string[];
  readonly calls: Queued[];
}

/**
 * Hands a batch's replies to their callers a quarter at a time (at least 4). The callers
 * usually send their next command at once, and the client writes what they sent on
 * `setImmediate`; each quarter goes two turns after the previous one, so Redis runs the
 * previous quarter's commands while this process works on the next quarter, instead of the
 * two taking turns over one big batch (measured: about 1.4× the session updates/s at 50 in
 * flight on 2 cores; slices of at least 4 rather than 8 gave 1.15× more on a machine where
 * Redis answers a batch of about 10 before the next is sent).
 */
function deliver(calls: readonly Queued[], replies: readonly unknown[], from: number): void {
  const to = Math.min(calls.length, from + Math.max(4, Math.ceil(calls.length / 4)));
  for (let i = from; i < to; i++) (calls[i] as Queued).resolve(replies[i]);
  if (to < calls.length) setImmediate(() => setImmediate(() => deliver(calls, replies, to)));
}

/** The id of the pack a call joins: the script and its shared arguments. */
function packId(s: Script, shared: number, argv: readonly string[]): string {
  if (shared === 0) return s.sha;
  const last = s.lastId as { shared: readonly string[]; id: string };
  let same = last.shared.length === shared;
  for (let i = 0; same && i < shared; i++) if (last.shared[i] !== argv[i]) same = false;
  if (!same) {
    last.shared = argv.slice(0, shared);
    last.id = `${s.sha}\n${last.shared.join("\n")}`;
  }
  return last.id;
}

/** Calls of one batchable script waiting for the next flush. */
interface Queued {
  readonly keys: readonly string[];
  readonly argv: readonly string[];
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const isCluster = (c: RedisClientLike): c is NodeRedisCluster => "masters" in c;

/** Whether an error is a reply from Redis (it answered), not a transport failure. */
function isReply(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  // node-redis 5 throws `ErrorReply`; 6 throws its subclasses `SimpleError` and `BlobError`.
  for (let c: unknown = error.constructor; typeof c === "function"; c = Object.getPrototypeOf(c)) {
    if ((c as { name?: string }).name === "ErrorReply") return true;
  }
  return error.name === "ErrorReply";
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
    // `timeout: undefined`: the deadline here is the one that applies, and node-redis 6 would
    // otherwise arm a timer of its own (5 s by default) for every command.
    const options = { abortSignal: abort.signal, timeout: undefined };
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
  run(s: Script, keys: readonly string[], argv: readonly string[]): Promise<unknown> {
    if (s.packed !== undefined) return this.#pack(s, s.packed, keys, argv);
    // On a Cluster the calls' keys may live in different slots: each is its own command.
    if (s.batch === undefined || this.#cluster) return this.#eval(s, keys, argv);
    return new Promise((resolve, reject) => {
      let queue = this.#queued.get(s) as Queued[] | undefined;
      if (queue === undefined) {
        queue = [];
        this.#queued.set(s, queue);
      }
      queue.push({ keys, argv, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // after the promise jobs of this turn: every call they make joins the batch
        process.nextTick(() => this.#flush());
      }
    });
  }

  /**
   * The calls waiting for the next flush: per batchable script its calls, per packed script and
   * shared arguments a {@link Pack}. A `Map` keeps first-use order, and the flush sends them in
   * it, so the calls of one turn reach Redis in the order their scripts were first called.
   */
  #queued = new Map<Script | string, Queued[] | Pack>();
  #flushing = false;

  #pack(
    s: Script,
    packing: Packing,
    keys: readonly string[],
    argv: readonly string[],
  ): Promise<unknown> {
    if (this.#cluster)
      return this.#eval(s, keys, argv).then((flat) => {
        const width = packing.width(argv.slice(0, packing.shared));
        return width === 1 ? (flat as unknown[])[0] : flat;
      });
    return new Promise((resolve, reject) => {
      const id = packId(s, packing.shared, argv);
      let pack = this.#queued.get(id) as Pack | undefined;
      if (pack === undefined) {
        pack = { s, shared: argv.slice(0, packing.shared), calls: [] };
        this.#queued.set(id, pack);
      }
      pack.calls.push({ keys, argv, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        process.nextTick(() => this.#flush());
      }
    });
  }

  /** Sends the queued calls of a packed script, up to {@link BATCH_MAX} per command. */
  #sendPack({ s, shared, calls: all }: Pack): void {
    const packing = s.packed as Packing;
    const width = packing.width(shared);
    for (let start = 0; start < all.length; start += BATCH_MAX) {
      const calls = all.length <= BATCH_MAX ? all : all.slice(start, start + BATCH_MAX);
      const keys: string[] = [];
      const argv: string[] = [...shared];
      for (const c of calls) {
        for (const k of c.keys) keys.push(k);
        for (let i = packing.shared; i < c.argv.length; i++) argv.push(c.argv[i] as string);
      }
      this.#eval(s, keys, argv).then(
        (reply) => {
          const flat = reply as unknown[];
          let replies: unknown[] = flat;
          if (width !== 1) {
            replies = [];
            for (let i = 0; i < calls.length; i++)
              replies.push(flat.slice(i * width, (i + 1) * width));
          }
          deliver(calls, replies, 0);
        },
        (error: unknown) => {
          for (const c of calls) c.reject(error);
        },
      );
    }
  }

  /** Sends every queued call: alone as its script, or many as one batch or packed command. */
  #flush(): void {
    this.#flushing = false;
    const queued = this.#queued;
    this.#queued = new Map();
    for (const [s, queue] of queued) {
      if (!Array.isArray(queue)) {
        this.#sendPack(queue);
        continue;
      }
      for (let start = 0; start < queue.length; start += BATCH_MAX) {
        const calls = queue.slice(start, start + BATCH_MAX);
        if (calls.length === 1) {
          const [c] = calls as [Queued];
          this.#eval(s as Script, c.keys, c.argv).then(c.resolve, c.reject);
          continue;
        }
        const keys: string[] = [];
        const argv: string[] = [String(calls.length)];
        for (const c of calls) {
          argv.push(String(c.keys.length), String(c.argv.length));
          for (const k of c.keys) keys.push(k);
        }
        for (const c of calls) for (const a of c.argv) argv.push(a);
        this.#eval((s as Script).batch as Script, keys, argv).then(
          (replies) => {
            deliver(calls, replies as unknown[], 0);
          },
          (error: unknown) => {
            for (const c of calls) c.reject(error);
          },
        );
      }
    }
  }

  async #eval(s: Script, keys: readonly string[], argv: readonly string[]): Promise<unknown> {
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

/**
 * One command waiting for its reply or its deadline, whichever comes first. It stays in the
 * deadline queue until a sweep passes it (up to the timeout after it settled), so settling
 * drops what it holds: a settled entry keeps neither the reply nor its callers alive.
 */
class Pending {
  settled = false;
  #abort: AbortController | undefined;
  #resolve: ((reply: unknown) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly command: string,
    readonly deadline: number,
    abort: AbortController,
    resolve: (reply: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.#abort = abort;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  settle(reply: unknown, error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    const resolve = this.#resolve as (reply: unknown) => void;
    const reject = this.#reject as (error: unknown) => void;
    this.#abort = this.#resolve = this.#reject = undefined;
    if (error === undefined) resolve(reply);
    else reject(error);
  }

  expire(timeoutMs: number): void {
    this.#abort?.abort();
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
