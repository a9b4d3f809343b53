/**
 * `@bot/jobs/bullmq`: a durable {@link JobsDriver} on BullMQ over node-redis. Job records live
 * in one Redis hash; each due run is one BullMQ delayed job, so any process with the same
 * prefix and queue may schedule it and exactly one worker runs it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createNodeRedisClient, type Job, Queue, Worker } from "bullmq";
import { indexTag, indexTags, type JobRecord, type JobsDriver, type RunJob } from "./driver.js";
import { nextRun } from "./schedule.js";

/** The part of a node-redis client (`createClient()` of `redis`) the driver uses. */
export interface BullMQRedisClient {
  duplicate(): unknown;
  hGet(key: string, field: string): Promise<string | null | undefined | object>;
  hVals(key: string): Promise<unknown[]>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, field: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Used when present (node-redis has it): the script by its SHA1, sent in full only once. */
  evalSha?(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link BullMQDriver}. */
export interface BullMQDriverOptions {
  /**
   * A node-redis client (connected). The driver reads and writes job records through it and
   * gives BullMQ duplicates of it (closed by `stop()` and `close()`).
   */
  readonly client: BullMQRedisClient;
  /** The key prefix of the records and of BullMQ's keys (default `"bot:jobs"`). */
  readonly prefix?: string | undefined;
  /** The BullMQ queue name (default `"jobs"`). */
  readonly queue?: string | undefined;
  /** How many runs one process executes at once (default 10). */
  readonly concurrency?: number | undefined;
  /**
   * How long a worker's lock on a running job lasts without renewal, in ms (BullMQ's
   * `lockDuration`, default 30000). After a crash, its running jobs are run again by another
   * worker once the lock expired and a stalled check ran.
   */
  readonly lockDurationMs?: number | undefined;
  /** How often workers look for stalled jobs, in ms (BullMQ's `stalledInterval`, default 30000). */
  readonly stalledIntervalMs?: number | undefined;
  /** How often one run may be recovered after crashes before it fails (default 3). */
  readonly maxStalledCount?: number | undefined;
}

interface RunData {
  readonly id: string;
  readonly dueAt: number;
  /** The record's JSON as stored when the run was added (absent in runs added by older versions). */
  readonly record?: string | undefined;
}

/**
 * Replaces field ARGV[1] with ARGV[3] only while it still holds ARGV[2] (ARGV[3] "": delete it,
 * and drop the id from the index sets KEYS[2..]).
 */
const CAS = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  for i = 2, #KEYS do redis.call('SREM', KEYS[i], ARGV[1]) end
else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1`;

/** Writes record ARGV[1] as ARGV[2] and adds its id to the index sets KEYS[2..]. */
const PUT = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 2, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
return 1`;

/** Adds id ARGV[1] to the index sets KEYS[2..] while its record exists (does not write it). */
const INDEX = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
for i = 2, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
return 1`;

/** The records indexed in set KEYS[2]; ids whose record is gone are dropped from the set. */
const FIND = `local ids = redis.call('SMEMBERS', KEYS[2])
local out = {}
for i = 1, #ids, 500 do
  local chunk = {}
  for j = i, math.min(i + 499, #ids) do chunk[#chunk + 1] = ids[j] end
  local vals = redis.call('HMGET', KEYS[1], unpack(chunk))
  for j = 1, #chunk do
    if vals[j] then out[#out + 1] = vals[j] else redis.call('SREM', KEYS[2], chunk[j]) end
  end
end
return out`;

const sha = (script: string) => createHash("sha1").update(script).digest("hex");
const SCRIPTS = { CAS, PUT, INDEX, FIND } as const;
const SHAS = { CAS: sha(CAS), PUT: sha(PUT), INDEX: sha(INDEX), FIND: sha(FIND) } as const;

type RawClient = { close?(): Promise<void>; destroy?(): unknown; quit?(): Promise<unknown> };

const runId = (id: string, at: number) => `${id}_${at}`;

/**
 * Jobs in Redis, run by BullMQ workers. A run is a delayed BullMQ job whose id is the job's id
 * and due time, so re-adding it is harmless; the worker that takes it advances the record to
 * the next run (computed by `nextRun` from the moment it fires, as the memory driver does, so
 * runs missed while no worker ran are coalesced into one) and adds that run before executing
 * this one. BullMQ's lock lets one worker run a job; a worker killed mid-run leaves its runs
 * stalled, and another worker runs them again: delivery is at least once.
 *
 * @example
 * import { createClient } from "redis";
 * import { BullMQDriver } from "@bot/jobs/bullmq";
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const jobs = new Jobs({ bot, driver: new BullMQDriver({ client, prefix: "mybot:jobs" }) });
 */
export class BullMQDriver implements JobsDriver {
  readonly #client: BullMQRedisClient;
  readonly #records: string;
  /** The start of the index sets' keys, in the records' hash slot. */
  readonly #index: string;
  readonly #prefix: string;
  readonly #name: string;
  readonly #options: BullMQDriverOptions;
  readonly #raws: RawClient[] = [];
  #queue: Queue | undefined;
  #worker: Worker | undefined;

  /**
   * Creates the driver.
   *
   * @param options The client, the prefix and worker settings.
   */
  constructor(options: BullMQDriverOptions) {
    if (typeof options?.client?.duplicate !== "function")
      throw new TypeError("BullMQDriver needs options.client, a node-redis client");
    this.#options = options;
    this.#client = options.client;
    this.#prefix = options.prefix ?? "bot:jobs";
    this.#name = options.queue ?? "jobs";
    this.#records = `${this.#prefix}:${this.#name}:records`;
    this.#index = `${sameSlot(this.#records)}:index:`;
  }

  #indexKeys(record: JobRecord): string[] {
    return indexTags(record).map((t) => this.#index + t);
  }

  #connection() {
    const raw = this.#client.duplicate() as RawClient;
    this.#raws.push(raw);
    return createNodeRedisClient(raw);
  }

  get #q(): Queue {
    this.#queue ??= new Queue(this.#name, {
      connection: this.#connection(),
      prefix: this.#prefix,
    });
    return this.#queue;
  }

  async start(run: RunJob): Promise<void> {
    if (this.#worker !== undefined) return;
    const o = this.#options;
    const worker = new Worker(this.#name, (job: Job<RunData>) => this.#process(run, job), {
      connection: this.#connection(),
      prefix: this.#prefix,
      concurrency: o.concurrency ?? 10,
      lockDuration: o.lockDurationMs ?? 30_000,
      stalledInterval: o.stalledIntervalMs ?? 30_000,
      maxStalledCount: o.maxStalledCount ?? 3,
      autorun: false,
    });
    worker.on("error", () => {});
    this.#worker = worker;
    void worker.run().catch(() => {});
    await worker.waitUntilReady();
    // Re-adds every pending run (a no-op for those present): heals a crash between writing a
    // record and adding its run.
    // It also indexes records written before the index existed.
    for (const json of await this.#client.hVals(this.#records)) {
      const r = JSON.parse(String(json)) as JobRecord;
      await this.#script("INDEX", this.#indexKeys(r), [r.id]);
      if (!r.paused && r.nextRunAt !== undefined) await this.#enqueue(r, String(json));
    }
  }

  async stop(graceMs: number): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Takes no more runs, and settles once the running ones finished.
      const finished = worker.pause().catch(() => {});
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([finished, late]);
      clearTimeout(timer);
      // Without waiting (any more): past the grace, the runs still going are left to BullMQ's
      // stalled-job recovery, which gives them to another worker once their lock expired.
      await worker.close(true);
    }
    await this.close();
  }

  /** Closes the queue and the connections the driver opened (`stop()` does it too). */
  async close(): Promise<void> {
    const q = this.#queue;
    this.#queue = undefined;
    if (this.#worker === undefined) {
      await q?.close().catch(() => {});
      for (const raw of this.#raws.splice(0)) {
        try {
          if (raw.close !== undefined) await raw.close();
          else await raw.quit?.();
        } catch {
          await raw.destroy?.();
        }
      }
    }
  }

  async put(record: JobRecord): Promise<void> {
    const json = JSON.stringify(record);
    await this.#script("PUT", this.#indexKeys(record), [record.id, json]);
    if (!record.paused && record.nextRunAt !== undefined) await this.#enqueue(record, json);
  }

  async remove(id: string): Promise<boolean> {
    // Deletes the record as read (with its index entries); read again if it changed meanwhile.
    for (;;) {
      const raw = await this.#client.hGet(this.#records, id);
      if (typeof raw !== "string") return false;
      const record = JSON.parse(raw) as JobRecord;
      if (Number(await this.#cas(id, raw, "", this.#indexKeys(record))) !== 1) continue;
      const at = record.nextRunAt;
      // A pending run of a removed job is skipped when it fires anyway; this keeps Redis tidy.
      if (at !== undefined) await this.#q.remove(runId(id, at)).catch(() => 0);
      return true;
    }
  }

  async list(): Promise<JobRecord[]> {
    return (await this.#client.hVals(this.#records)).map((v) => JSON.parse(String(v)));
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const raw = await this.#client.hGet(this.#records, id);
    return typeof raw === "string" ? (JSON.parse(raw) as JobRecord) : undefined;
  }

  async find(tag: string, chatId?: number): Promise<JobRecord[]> {
    const found = await this.#script("FIND", [this.#index + indexTag(tag, chatId)], []);
    return (found as unknown[]).map((v) => JSON.parse(String(v)) as JobRecord);
  }

  /** Adds the record's next run; `json` is the record as stored (the run's copy of it). */
  #enqueue(record: JobRecord, json: string): Promise<unknown> {
    const at = record.nextRunAt as number;
    return this.#q.add(record.name, { id: record.id, dueAt: at, record: json } satisfies RunData, {
      jobId: runId(record.id, at),
      delay: Math.max(0, at - Date.now()),
      attempts: record.attempts,
      backoff: { type: "exponential", delay: record.backoffMs },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  /** `to` "" deletes the record, and its entries in the index sets `index`. */
  #cas(id: string, from: string, to: string, index: string[] = []): Promise<unknown> {
    return this.#script("CAS", index, [id, from, to]);
  }

  /** Runs a script on the records (KEYS[1]) and `keys`, by its SHA1 once the server has it. */
  #script(name: keyof typeof SCRIPTS, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys: [this.#records, ...keys], arguments: args };
    const client = this.#client;
    if (typeof client.evalSha !== "function") return client.eval(SCRIPTS[name], options);
    return client.evalSha(SHAS[name], options).catch((error: unknown) => {
      // not cached on this server yet (or flushed): EVAL sends it, and caches it
      if (!String((error as Error)?.message ?? error).includes("NOSCRIPT")) throw error;
      return client.eval(SCRIPTS[name], options);
    });
  }

  async #process(run: RunJob, job: Job<RunData>): Promise<void> {
    const { id, dueAt, record: copy } = job.data;
    if (copy !== undefined && job.attemptsStarted <= 1) {
      // The usual case: the record is still the copy this run carries. One CAS claims the run
      // (no read first): it advances the record, or deletes a one-shot job without retries,
      // which is then gone from `list()` while it runs (as a job that ran).
      const record = JSON.parse(copy) as JobRecord;
      if (record.nextRunAt === dueAt && !record.paused) {
        record.nextRunAt = after(record, dueAt);
        const claimOnly = isClaimOnly(record);
        const advanced = claimOnly ? "" : JSON.stringify(record);
        if (Number(await this.#cas(id, copy, advanced, this.#indexKeys(record))) === 1) {
          if (record.nextRunAt !== undefined) await this.#enqueue(record, advanced);
          return this.#execute(run, job, record, claimOnly ? undefined : advanced);
        }
      }
    }
    const stored = await this.#client.hGet(this.#records, id);
    if (typeof stored !== "string") {
      // A one-shot run deleted when it was claimed, recovered after a crash (or retried after
      // a failure): it runs again from its copy, at least once.
      if (copy !== undefined && job.attemptsStarted > 1) {
        const record = JSON.parse(copy) as JobRecord;
        if (record.nextRunAt === dueAt) {
          record.nextRunAt = after(record, dueAt);
          if (isClaimOnly(record)) return this.#execute(run, job, record, undefined);
        }
      }
      return;
    }
    const record = JSON.parse(stored) as JobRecord;
    if (record.paused) return;
    let current = stored;
    if (record.nextRunAt === dueAt) {
      record.nextRunAt = after(record, dueAt);
      const advanced = JSON.stringify(record);
      // Changed meanwhile (replaced, paused, removed): the new state decides.
      if (Number(await this.#cas(id, stored, advanced)) !== 1) return;
      current = advanced;
      if (record.nextRunAt !== undefined) await this.#enqueue(record, advanced);
    } else if (job.attemptsStarted <= 1) {
      return; // a stale run: the job was rescheduled since it was added
    } else if (record.nextRunAt !== undefined) {
      // A retry, or a run recovered after a crash, which may have come before its next run was added.
      await this.#enqueue(record, stored);
    }
    return this.#execute(run, job, record, current);
  }

  /**
   * Runs a claimed run; a job that will not run again is deleted once its last try settled.
   *
   * @param current The record's JSON as stored now, or `undefined` when already deleted.
   */
  async #execute(
    run: RunJob,
    job: Job<RunData>,
    record: JobRecord,
    current: string | undefined,
  ): Promise<void> {
    const attempt = job.attemptsMade + 1;
    const finish = async () => {
      if (record.nextRunAt === undefined && current !== undefined)
        await this.#cas(record.id, current, "", this.#indexKeys(record));
    };
    try {
      await run({ record, dueAt: job.data.dueAt, attempt });
    } catch (error) {
      if (attempt >= record.attempts) await finish();
      throw error;
    }
    await finish();
  }
}

/**
 * The run after the one due at `dueAt`, computed from now (so runs missed while no worker ran
 * are coalesced), never the same run again (a worker whose clock is behind may take it early).
 */
function after(record: JobRecord, dueAt: number): number | undefined {
  if (record.schedule.kind === "once") return undefined;
  return nextRun(record.schedule, Math.max(Date.now(), dueAt));
}

/**
 * A key prefix in the same Redis Cluster hash slot as `key`: `key` itself when it has a hash
 * tag (`{...}`), else `key` as the tag.
 */
function sameSlot(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  if (close > open + 1) return key;
  return key.includes("}") ? key : `{${key}}`;
}

/** A one-shot job without retries: claiming its run deletes it (nothing left to keep). */
function isClaimOnly(record: JobRecord): boolean {
  return record.schedule.kind === "once" && record.attempts <= 1 && record.nextRunAt === undefined;
}
