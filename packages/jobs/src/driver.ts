/**
 * The contract between `Jobs` and the driver that keeps and fires jobs (memory here; BullMQ
 * later), and the job record they exchange: plain data, so a durable driver can store it.
 *
 * @module
 */
import type { Schedule } from "./schedule.js";

/** What happens to a run that is due while no worker runs (or that fires late). */
export interface MisfirePolicy {
  /** How late a run may start and still run, in milliseconds. */
  readonly graceMs: number;
  /** Past the grace: `"run"` anyway (with `job.lateByMs` set) or `"skip"` it (reported). */
  readonly action: "run" | "skip";
}

/** One scheduled job, as drivers store it. Everything in it is JSON-serialisable. */
export interface JobRecord {
  /** Unique id. */
  readonly id: string;
  /** The handler's name (`jobs.define(name, ...)`). */
  readonly name: string;
  readonly schedule: Schedule;
  readonly chatId?: number | undefined;
  readonly userId?: number | undefined;
  readonly data?: unknown;
  /** A label unique per chat when `replace` was used (the name by default). */
  readonly label?: string | undefined;
  readonly misfire: MisfirePolicy;
  /** How many times a failing run is tried in all (1: no retry). */
  readonly attempts: number;
  /** The first retry's delay in ms; it doubles for each further attempt. */
  readonly backoffMs: number;
  /** The next run, or `undefined` when it will not run again. */
  nextRunAt: number | undefined;
  paused: boolean;
}

/** One run a driver asks `Jobs` to execute. */
export interface JobRun {
  readonly record: JobRecord;
  /** When the run was due. */
  readonly dueAt: number;
  /** 1 for the first try, then 2, 3 ... for retries. */
  readonly attempt: number;
}

/**
 * Executes a run: resolves when the handler finished, rejects when it failed (the driver then
 * retries while attempts remain). It decides about misfires itself.
 */
export type RunJob = (run: JobRun) => Promise<void>;

/** What a driver does: keep jobs and fire them when due. */
export interface JobsDriver {
  /** Starts firing due jobs through `run`. */
  start(run: RunJob): Promise<void>;
  /**
   * Stops firing and waits for running jobs, up to `graceMs`.
   *
   * @param graceMs How long to wait for running jobs.
   */
  stop(graceMs: number): Promise<void>;
  /** Adds a job or replaces the one with the same id. */
  put(record: JobRecord): Promise<void>;
  /** Removes a job; `true` when it existed. */
  remove(id: string): Promise<boolean>;
  /** Every job, in no particular order. */
  list(): Promise<JobRecord[]>;
  /**
   * Optional (without it `Jobs` reads `list()`): one job by id.
   *
   * @param id The job's id.
   */
  get?(id: string): Promise<JobRecord | undefined>;
  /**
   * Optional (without it `Jobs` filters `list()`): the jobs whose name or label is `tag`, of
   * chat `chatId` when given, found by an index so the cost grows with the matches, not with
   * all jobs. `Jobs` filters the result again, so a driver may return a superset.
   *
   * @param tag A handler name or label.
   * @param chatId Only this chat's jobs.
   */
  find?(tag: string, chatId?: number): Promise<JobRecord[]>;
}

/**
 * The index entries of a record (for drivers): `"*"` or the chat id, a colon, then the name or
 * label. A record is found by each of its tags, for any chat and for its own chat.
 *
 * @param record The record.
 * @returns The distinct entries.
 */
export function indexTags(record: Pick<JobRecord, "name" | "label" | "chatId">): string[] {
  const tags = new Set([record.name, record.label ?? record.name]);
  const out: string[] = [];
  for (const t of tags) {
    out.push(indexTag(t));
    if (record.chatId !== undefined) out.push(indexTag(t, record.chatId));
  }
  return out;
}

/**
 * The index entry a lookup by `tag` (and chat) reads.
 *
 * @param tag A handler name or label.
 * @param chatId The chat, if any.
 * @returns The entry.
 */
export function indexTag(tag: string, chatId?: number): string {
  return `${chatId === undefined ? "*" : String(chatId)}:${tag}`;
}
