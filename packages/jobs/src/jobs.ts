/**
 * `Jobs`: named job handlers registered in code, scheduled with serialisable data, bound to
 * chats and users, and run by a driver (memory by default).
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { channel } from "node:diagnostics_channel";
import {
  type DataFlavor,
  type DataScope,
  type DataSessionsMiddleware,
  dataSessions,
} from "@bot/dispatcher";
import type { JobClock } from "./clock.js";
import type { JobRecord, JobRun, JobsDriver, MisfirePolicy } from "./driver.js";
import { JobsError } from "./errors.js";
import { MemoryDriver } from "./memory-driver.js";
import { checkSchedule, firstRun, type Schedule } from "./schedule.js";

/** The diagnostics channel of `@bot/jobs`: `{ type: "run" | "skipped" | "failed", job, ... }`. */
export const JOBS_CHANNEL = "@bot/jobs";
const diagnostics = channel(JOBS_CHANNEL);

/** What jobs need from a bot: its API and its error reporting (a `Bot` has both). */
export interface JobsBot<Api = unknown> {
  readonly api: Api;
  reportError(error: unknown, where?: undefined, source?: "job"): Promise<void>;
  /** Runs a function when the bot stops (`@bot/dispatcher`'s `bot.onStop`). */
  onStop?(fn: () => unknown): () => void;
  /** Whether the bot knows its own user (`bot.me`, which scopes data keys as in updates). */
  readonly isInited?: boolean;
  readonly me?: { readonly id: number };
}

/** The data types of a job queue's `job.chatData`, `job.userData` and `job.botData`. */
export interface JobDataTypes {
  readonly chat: object;
  readonly user: object;
  readonly bot: object;
}

/** The default: plain records, as `dataSessions()` without types. */
export interface DefaultJobData {
  readonly chat: Record<string, unknown>;
  readonly user: Record<string, unknown>;
  readonly bot: Record<string, unknown>;
}

/** What a job handler receives, like a handler's context for an update. */
export interface Job<Api = unknown, Data = unknown, D extends JobDataTypes = DefaultJobData> {
  /** The bot's API client. */
  readonly api: Api;
  /** The bot. */
  readonly bot: JobsBot<Api>;
  /** The job's id. */
  readonly id: string;
  /** The handler's name. */
  readonly name: string;
  /** The label the job was scheduled under (unique per chat with `replace`). */
  readonly label: string;
  readonly chatId: number | undefined;
  readonly userId: number | undefined;
  readonly data: Data;
  /** When this run was due. */
  readonly scheduledFor: Date;
  /** How late the run started, in milliseconds (0 when on time). */
  readonly lateByMs: number;
  /** 1 for the first try, then 2, 3 ... for retries (`attempts`). */
  readonly attempt: number;
  /** Aborted when `jobs.stop()` gives up waiting for the run. */
  readonly signal: AbortSignal;
  /**
   * The job's chat's data, as `ctx.chatData` in a handler: the same storage key, loaded on
   * first read under the same lease an update for that chat takes (so a job and an update never
   * lose each other's writes), saved after the handler resolved if it changed. Rejects with
   * `BOT_DISPATCHER_SESSION_NO_KEY` for a job without `chatId`.
   */
  readonly chatData: Promise<D["chat"]>;
  /** The job's user's data, as `ctx.userData` (locked with `chatData`, one lease). */
  readonly userData: Promise<D["user"]>;
  /** The bot's data, a frozen snapshot read without a lock, as `ctx.botData`. */
  readonly botData: Promise<Readonly<D["bot"]>>;
  /** Changes the bot's data atomically, as `ctx.updateBotData`. */
  updateBotData(
    // biome-ignore lint/suspicious/noConfusingVoidType: lets `(d) => { d.total++ }` type-check
    update: (data: D["bot"]) => D["bot"] | undefined | void,
  ): Promise<Readonly<D["bot"]>>;
}

/** A job handler. */
export type JobHandler<Api = unknown, D extends JobDataTypes = DefaultJobData> = (
  job: Job<Api, unknown, D>,
) => unknown;

/** Options of one scheduled job. */
export interface ScheduleOptions {
  readonly chatId?: number | undefined;
  readonly userId?: number | undefined;
  /** JSON-serialisable data handed to every run. */
  readonly data?: unknown;
  /** A label for `cancel` and `list` (default: the job's name). */
  readonly name?: string | undefined;
  /** Cancel the jobs with the same label and chat first, so there is only one (PTB's timer bot). */
  readonly replace?: boolean | undefined;
  /** What happens when a run is due while no worker runs; default: run however late. */
  readonly misfire?: MisfirePolicy | undefined;
  /** Tries in all for a failing run (default 1: no retry, since a job may have sent a message already). */
  readonly attempts?: number | undefined;
  /** The first retry's delay in ms (default 1000), doubling for each further attempt. */
  readonly backoffMs?: number | undefined;
}

/** A scheduled job as `list` shows it. */
export interface JobInfo {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly chatId: number | undefined;
  readonly userId: number | undefined;
  readonly data: unknown;
  readonly schedule: Schedule;
  readonly nextRunAt: Date | undefined;
  readonly paused: boolean;
}

/** Options of {@link Jobs}. */
export interface JobsOptions<Api = unknown, D extends JobDataTypes = DefaultJobData> {
  /** The bot whose API jobs use and whose `bot.catch` gets their errors. */
  readonly bot: JobsBot<Api>;
  /**
   * The `dataSessions(...)` middleware the bot uses, for `job.chatData`, `job.userData` and
   * `job.botData` (same keys, storage, initial values and lease). Default: `dataSessions()`
   * with its defaults (the bot's storage, bot-scoped keys), which matches a bot that did
   * `bot.use(dataSessions())`; pass yours when you gave it options.
   */
  readonly data?: DataSessionsMiddleware<D["chat"], D["user"], D["bot"]> | undefined;
  /** Where jobs are kept and fired (default: a `MemoryDriver` on the wall clock). */
  readonly driver?: JobsDriver | undefined;
  /** The default misfire policy (default `{ graceMs: Infinity, action: "run" }`). */
  readonly misfire?: MisfirePolicy | undefined;
  /** The default time zone of daily, monthly and cron schedules (default `"UTC"`). */
  readonly timeZone?: string | undefined;
  /** How long `stop()` waits for running jobs, in ms (default 5000). */
  readonly stopGraceMs?: number | undefined;
}

type When = { readonly in: number } | { readonly at: Date | number };

const instant = (now: number, w: When | Date | number): number => {
  if (w instanceof Date) return w.getTime();
  if (typeof w === "number") return w;
  if ("in" in w) return now + w.in;
  return w.at instanceof Date ? w.at.getTime() : w.at;
};

/** The scheduling calls bound to one chat and user, as a handler gets them in `ctx.jobs`. */
export interface ChatJobs {
  runOnce(name: string, when: When, options?: ScheduleOptions): Promise<JobInfo>;
  runRepeating(name: string, every: RepeatSpec, options?: ScheduleOptions): Promise<JobInfo>;
  runDaily(name: string, spec: DailySpec, options?: ScheduleOptions): Promise<JobInfo>;
  runMonthly(name: string, spec: MonthlySpec, options?: ScheduleOptions): Promise<JobInfo>;
  cron(
    name: string,
    expression: string,
    spec?: { timeZone?: string },
    options?: ScheduleOptions,
  ): Promise<JobInfo>;
  /** Cancels this chat's jobs with an id or label; returns how many. */
  cancel(idOrLabel: string): Promise<number>;
  /** This chat's jobs. */
  list(filter?: { readonly name?: string }): Promise<JobInfo[]>;
}

/** `runRepeating`: every `every` ms from `first` (default: one period from now) until `last`. */
export interface RepeatSpec {
  readonly every: number;
  readonly first?: When | Date | number | undefined;
  readonly last?: Date | number | undefined;
}
/** `runDaily`: at `time` (`"HH:MM"`) on `days` (ISO weekdays) in `timeZone`. */
export interface DailySpec {
  readonly time: string;
  readonly days?: readonly number[] | undefined;
  readonly timeZone?: string | undefined;
}
/** `runMonthly`: on `day` (1-31; a shorter month runs on its last day) at `time` in `timeZone`. */
export interface MonthlySpec {
  readonly day: number;
  readonly time: string;
  readonly timeZone?: string | undefined;
}

/**
 * Scheduled jobs, in the spirit of python-telegram-bot's JobQueue. Handlers are defined by name
 * in code, and jobs carry only serialisable data (chat, user, payload), so a durable driver can
 * keep them across restarts.
 *
 * @example
 * const jobs = new Jobs({ bot });
 * jobs.define("alarm", (job) => job.api.sendMessage({ chat_id: job.chatId!, text: "Beep!" }));
 * bot.use(jobs); // ctx.jobs in handlers
 * bot.command("set", (ctx) => ctx.jobs.runOnce("alarm", { in: 5_000 }, { replace: true }));
 * await jobs.start();
 */
export class Jobs<Api = unknown, D extends JobDataTypes = DefaultJobData> {
  readonly #bot: JobsBot<Api>;
  readonly #driver: JobsDriver;
  readonly #data: DataSessionsMiddleware<D["chat"], D["user"], D["bot"]>;
  readonly #handlers = new Map<string, JobHandler<Api, D>>();
  readonly #misfire: MisfirePolicy;
  readonly #timeZone: string;
  readonly #stopGraceMs: number;
  readonly #clock: () => number;
  #abort = new AbortController();
  #started = false;

  /**
   * Creates the job queue.
   *
   * @param options The bot, the driver and defaults.
   */
  constructor(options: JobsOptions<Api, D>) {
    if (typeof options?.bot?.reportError !== "function")
      throw new JobsError("BOT_JOBS_INVALID_OPTIONS", "options.bot must be a Bot");
    if (options.data !== undefined && typeof options.data.withData !== "function")
      throw new JobsError(
        "BOT_JOBS_INVALID_OPTIONS",
        "options.data must be the dataSessions() middleware",
      );
    this.#bot = options.bot;
    this.#data = options.data ?? dataSessions<D["chat"], D["user"], D["bot"]>();
    this.#driver = options.driver ?? new MemoryDriver();
    this.#misfire = options.misfire ?? { graceMs: Number.POSITIVE_INFINITY, action: "run" };
    this.#timeZone = options.timeZone ?? "UTC";
    this.#stopGraceMs = options.stopGraceMs ?? 5_000;
    const clock = (this.#driver as { clock?: JobClock }).clock;
    this.#clock = clock === undefined ? () => Date.now() : () => clock.now();
  }

  /**
   * Registers the handler of a job name. Define every name before `start()`, in every
   * process that runs jobs: a durable driver fires jobs by name.
   *
   * @param name The job's name.
   * @param handler What a run does.
   * @returns This queue.
   */
  define(name: string, handler: JobHandler<Api, D>): this {
    if (typeof name !== "string" || name === "" || typeof handler !== "function")
      throw new JobsError("BOT_JOBS_INVALID_OPTIONS", "define needs a name and a handler");
    this.#handlers.set(name, handler);
    return this;
  }

  /** Runs once, `{ in: ms }` from now or `{ at: date }`. */
  runOnce(name: string, when: When, options?: ScheduleOptions): Promise<JobInfo> {
    return this.#add(name, { kind: "once", at: instant(this.#clock(), when) }, options);
  }

  /** Runs every `every` ms, from `first` (default: one period from now) until `last`. */
  runRepeating(name: string, spec: RepeatSpec, options?: ScheduleOptions): Promise<JobInfo> {
    const now = this.#clock();
    const first = spec.first === undefined ? now + spec.every : instant(now, spec.first);
    const last = spec.last === undefined ? undefined : instant(now, spec.last);
    return this.#add(name, { kind: "every", every: spec.every, first, last }, options);
  }

  /** Runs every day at `time` (`"HH:MM"`), optionally on some ISO weekdays, in a time zone. */
  runDaily(name: string, spec: DailySpec, options?: ScheduleOptions): Promise<JobInfo> {
    const s: Schedule = {
      kind: "daily",
      time: spec.time,
      days: spec.days,
      timeZone: spec.timeZone ?? this.#timeZone,
    };
    return this.#add(name, s, options);
  }

  /** Runs every month on `day` at `time`; in a month without that day, on its last day. */
  runMonthly(name: string, spec: MonthlySpec, options?: ScheduleOptions): Promise<JobInfo> {
    const s: Schedule = {
      kind: "monthly",
      day: spec.day,
      time: spec.time,
      timeZone: spec.timeZone ?? this.#timeZone,
    };
    return this.#add(name, s, options);
  }

  /** Runs by a cron expression (5 fields, or 6 with seconds first) in a time zone. */
  cron(
    name: string,
    expression: string,
    spec: { timeZone?: string } = {},
    options?: ScheduleOptions,
  ): Promise<JobInfo> {
    return this.#add(
      name,
      { kind: "cron", expression, timeZone: spec.timeZone ?? this.#timeZone },
      options,
    );
  }

  /**
   * Cancels jobs by id, or by label (optionally of one chat).
   *
   * @param idOrLabel A job id or label.
   * @param filter Only this chat's jobs.
   * @returns How many were cancelled.
   */
  async cancel(idOrLabel: string, filter: { readonly chatId?: number } = {}): Promise<number> {
    let n = 0;
    for (const r of await this.#candidates(idOrLabel, filter.chatId, true)) {
      if (r.id !== idOrLabel && r.label !== idOrLabel) continue;
      if (filter.chatId !== undefined && r.chatId !== filter.chatId) continue;
      if (await this.#driver.remove(r.id)) n++;
    }
    return n;
  }

  /**
   * Lists jobs.
   *
   * @param filter By handler name or label, and by chat.
   * @returns The jobs, soonest first.
   */
  async list(
    filter: { readonly name?: string; readonly chatId?: number } = {},
  ): Promise<JobInfo[]> {
    const records =
      filter.name === undefined
        ? await this.#driver.list()
        : await this.#candidates(filter.name, filter.chatId, false);
    return records
      .filter((r) => filter.name === undefined || r.name === filter.name || r.label === filter.name)
      .filter((r) => filter.chatId === undefined || r.chatId === filter.chatId)
      .sort(
        (a, b) =>
          (a.nextRunAt ?? Number.POSITIVE_INFINITY) - (b.nextRunAt ?? Number.POSITIVE_INFINITY),
      )
      .map(info);
  }

  /**
   * The records that may match a name or label (and an id), through the driver's index when it
   * has one: the cost grows with the matches, not with all jobs.
   */
  async #candidates(tag: string, chatId: number | undefined, byId: boolean): Promise<JobRecord[]> {
    const d = this.#driver;
    if (d.find === undefined || (byId && d.get === undefined)) return d.list();
    const found = await d.find(tag, chatId);
    const one = byId ? await d.get?.(tag) : undefined;
    if (one !== undefined && !found.some((r) => r.id === one.id)) found.push(one);
    return found;
  }

  async #byId(id: string): Promise<JobRecord | undefined> {
    const d = this.#driver;
    if (d.get !== undefined) return d.get(id);
    return (await d.list()).find((x) => x.id === id);
  }

  /** Pauses a job: it does not run until resumed. */
  async pause(id: string): Promise<boolean> {
    const r = await this.#byId(id);
    if (r === undefined) return false;
    r.paused = true;
    await this.#driver.put(r);
    return true;
  }

  /** Resumes a paused job; a run that fell due meanwhile runs now (subject to its misfire policy). */
  async resume(id: string): Promise<boolean> {
    const r = await this.#byId(id);
    if (r === undefined) return false;
    r.paused = false;
    await this.#driver.put(r);
    return true;
  }

  /** Starts running due jobs. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#abort = new AbortController();
    await this.#driver.start((run) => this.#run(run));
  }

  /** Stops running jobs; waits for running ones up to `stopGraceMs`, then aborts their `signal`. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#driver.stop(this.#stopGraceMs);
    this.#abort.abort(new JobsError("BOT_JOBS_INVALID_OPTIONS", "the job queue stopped"));
  }

  /**
   * Attaches the queue to its bot, like `bot.use(jobs)`: handlers get `ctx.jobs`, and
   * `bot.stop()` (or SIGINT/SIGTERM ending polling) stops the queue too.
   *
   * @param bot The bot (the one given as `options.bot`).
   */
  attach(bot: { use(middleware: Jobs<Api, D>): unknown }): void {
    bot.use(this);
  }

  #unhookStop: (() => void) | undefined;
  #stopWithBot(): void {
    this.#unhookStop ??= this.#bot.onStop?.(() => this.stop());
  }

  /**
   * The middleware that gives handlers `ctx.jobs`, bound to the update's chat and user.
   *
   * @returns The middleware.
   */
  middleware(): (ctx: object, next: () => Promise<void>) => Promise<void> {
    this.#stopWithBot();
    return (ctx, next) => {
      const c = ctx as { chatId?: number; from?: { id: number } };
      Object.defineProperty(ctx, "jobs", {
        value: this.forChat(c.chatId, c.from?.id),
        configurable: true,
      });
      return next();
    };
  }

  /**
   * The scheduling calls bound to one chat and user.
   *
   * @param chatId The chat.
   * @param userId The user.
   * @returns The bound calls.
   */
  forChat(chatId: number | undefined, userId?: number): ChatJobs {
    const bind = (o?: ScheduleOptions): ScheduleOptions => ({ chatId, userId, ...o });
    return {
      runOnce: (n, w, o) => this.runOnce(n, w, bind(o)),
      runRepeating: (n, s, o) => this.runRepeating(n, s, bind(o)),
      runDaily: (n, s, o) => this.runDaily(n, s, bind(o)),
      runMonthly: (n, s, o) => this.runMonthly(n, s, bind(o)),
      cron: (n, e, s, o) => this.cron(n, e, s, bind(o)),
      cancel: (id) => (chatId === undefined ? Promise.resolve(0) : this.cancel(id, { chatId })),
      list: (f) => (chatId === undefined ? Promise.resolve([]) : this.list({ ...f, chatId })),
    };
  }

  async #add(name: string, schedule: Schedule, options: ScheduleOptions = {}): Promise<JobInfo> {
    if (!this.#handlers.has(name))
      throw new JobsError(
        "BOT_JOBS_UNKNOWN_JOB",
        `no handler is defined for job "${name}" (jobs.define)`,
      );
    checkSchedule(schedule);
    const attempts = options.attempts ?? 1;
    if (!(Number.isInteger(attempts) && attempts >= 1))
      throw new JobsError("BOT_JOBS_INVALID_OPTIONS", "attempts must be an integer of at least 1");
    const misfire = options.misfire ?? this.#misfire;
    if (!(misfire.graceMs >= 0) || (misfire.action !== "run" && misfire.action !== "skip"))
      throw new JobsError(
        "BOT_JOBS_INVALID_OPTIONS",
        'misfire needs graceMs >= 0 and action "run" or "skip"',
      );
    if (options.data !== undefined) {
      try {
        JSON.stringify(options.data);
      } catch (cause) {
        throw new JobsError("BOT_JOBS_INVALID_OPTIONS", "job data must be JSON-serialisable", {
          cause,
        });
      }
    }
    const label = options.name ?? name;
    if (options.replace === true)
      await this.cancel(label, options.chatId === undefined ? {} : { chatId: options.chatId });
    const record: JobRecord = {
      id: randomUUID(),
      name,
      schedule,
      chatId: options.chatId,
      userId: options.userId,
      data: options.data === undefined ? undefined : JSON.parse(JSON.stringify(options.data)),
      label,
      misfire,
      attempts,
      backoffMs: options.backoffMs ?? 1_000,
      nextRunAt: firstRun(schedule, this.#clock()),
      paused: false,
    };
    await this.#driver.put(record);
    return info(record);
  }

  async #run(run: JobRun): Promise<void> {
    const { record, dueAt, attempt } = run;
    const lateByMs = Math.max(0, this.#clock() - dueAt);
    if (attempt === 1 && lateByMs > record.misfire.graceMs && record.misfire.action === "skip") {
      const error = new JobsError(
        "BOT_JOBS_MISFIRE_SKIPPED",
        `job "${record.label}" (${record.id}) was due ${lateByMs} ms ago, past its ${record.misfire.graceMs} ms grace: skipped`,
      );
      if (diagnostics.hasSubscribers)
        diagnostics.publish({ type: "skipped", job: info(record), lateByMs });
      await this.#bot.reportError(error, undefined, "job");
      return;
    }
    const handler = this.#handlers.get(record.name);
    if (handler === undefined) {
      await this.#bot.reportError(
        new JobsError(
          "BOT_JOBS_UNKNOWN_JOB",
          `no handler is defined for job "${record.name}" in this process`,
        ),
        undefined,
        "job",
      );
      return;
    }
    const signal = this.#abort.signal;
    if (diagnostics.hasSubscribers)
      diagnostics.publish({ type: "run", job: info(record), lateByMs, attempt });
    try {
      const data = new JobData<D>(this.#data, {
        api: this.#bot.api as object,
        me: this.#bot.isInited === true ? this.#bot.me : undefined,
        chatId: record.chatId,
        userId: record.userId,
        signal,
      });
      const job: Job<Api, unknown, D> = {
        api: this.#bot.api,
        bot: this.#bot,
        id: record.id,
        name: record.name,
        label: record.label ?? record.name,
        chatId: record.chatId,
        userId: record.userId,
        data: record.data,
        scheduledFor: new Date(dueAt),
        lateByMs,
        attempt,
        signal,
        get chatData() {
          return data.open().then((d) => d.chatData);
        },
        get userData() {
          return data.open().then((d) => d.userData);
        },
        get botData() {
          return data.open().then((d) => d.botData);
        },
        updateBotData: (update) => data.open().then((d) => d.updateBotData(update)),
      };
      let failure: { error: unknown } | undefined;
      try {
        await handler(job);
      } catch (error) {
        failure = { error };
      }
      await data.close(failure);
    } catch (cause) {
      if (diagnostics.hasSubscribers)
        diagnostics.publish({ type: "failed", job: info(record), attempt, error: cause });
      await this.#bot.reportError(
        new JobsError(
          "BOT_JOBS_HANDLER_FAILED",
          `job "${record.label}" failed (attempt ${attempt} of ${record.attempts})`,
          {
            cause,
          },
        ),
        undefined,
        "job",
      );
      throw cause;
    }
  }
}

/**
 * The chat's and user's data of one run, opened (`dataSessions().withData`) only when the
 * handler first touches it, and saved (or dropped, when the handler failed) after it.
 */
class JobData<D extends JobDataTypes> {
  readonly #sessions: DataSessionsMiddleware<D["chat"], D["user"], D["bot"]>;
  readonly #where: DataScope;
  #data: Promise<DataFlavor<D["chat"], D["user"], D["bot"]>> | undefined;
  #settle: ((failure: { error: unknown } | undefined) => void) | undefined;
  #saved: Promise<void> | undefined;
  #closed = false;

  constructor(sessions: DataSessionsMiddleware<D["chat"], D["user"], D["bot"]>, where: DataScope) {
    this.#sessions = sessions;
    this.#where = where;
  }

  open(): Promise<DataFlavor<D["chat"], D["user"], D["bot"]>> {
    if (this.#data !== undefined) return this.#data;
    if (this.#closed)
      return Promise.reject(
        new JobsError("BOT_JOBS_INVALID_OPTIONS", "job data was used after the job finished"),
      );
    const handled = new Promise<void>((resolve, reject) => {
      this.#settle = (failure) => (failure === undefined ? resolve() : reject(failure.error));
    });
    this.#data = new Promise((resolve, reject) => {
      this.#saved = this.#sessions
        .withData(this.#where, (d) => {
          resolve(d);
          return handled;
        })
        .then(() => undefined);
      // failing before the data was given (bad scope): the read fails, not hangs
      this.#saved.catch(reject);
    });
    return this.#data;
  }

  /** Saves (or drops) the data once the handler settled; rejects when saving failed. */
  async close(failure: { error: unknown } | undefined): Promise<void> {
    this.#closed = true;
    this.#settle?.(failure);
    try {
      await this.#saved;
    } catch (error) {
      if (failure === undefined) throw error;
    }
    if (failure !== undefined) throw failure.error;
  }
}

function info(r: JobRecord): JobInfo {
  return {
    id: r.id,
    name: r.name,
    label: r.label ?? r.name,
    chatId: r.chatId,
    userId: r.userId,
    data: r.data,
    schedule: r.schedule,
    nextRunAt: r.nextRunAt === undefined ? undefined : new Date(r.nextRunAt),
    paused: r.paused,
  };
}
