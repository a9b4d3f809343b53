import { contextSlots } from "../core/context.js";
import { RuntimeError, SessionConflictError } from "./errors.js";
import { acquireLease } from "./lease.js";
import type { SessionSlot } from "./session-slot.js";
import type { Storage, StorageCommitResult, StorageLease, StorageLeaseWrite } from "./storage.js";

const RESOLVED: Promise<void> = Promise.resolve();

/** Releases and waits for it (its failure ignored), then fails with `fail` if given. */
function settle(lease: StorageLease, fail: { readonly error: unknown } | undefined): Promise<void> {
  let release: Promise<unknown>;
  try {
    release = lease.release();
  } catch (error) {
    release = Promise.reject(error);
  }
  return release.then(
    () => {
      if (fail !== undefined) throw fail.error;
    },
    () => {
      if (fail !== undefined) throw fail.error;
    },
  );
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** The sessions of one update held under one lease (one per storage). */
interface LockGroup {
  readonly slots: SessionSlot[];
  lease: StorageLease | undefined;
  /** The lease TTL, renewed every third of it. */
  readonly ttlMs: number;
  /** When to renew next (`Date.now()` time). */
  renewAt: number;
  /** The neighbours in the {@link Renewer}'s list while it renews this group. */
  prev: LockGroup | undefined;
  next: LockGroup | undefined;
  renewing: boolean;
}

/**
 * Renews every held session lease from one shared interval (no timer per update): it ticks at a
 * third of the shortest TTL among the leases it holds, only while it holds any.
 *
 * The groups are kept in a list threaded through the groups themselves, unlinked (their links
 * cleared) when their update ends. A long-lived `Set` churned by every update kept the groups it
 * had held (and each update's sessions with them) alive past the young-generation collections:
 * they were promoted by the megabyte and the collector's time grew to a fifth of the process.
 */
class Renewer {
  #head: LockGroup | undefined;
  #size = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #period = Number.POSITIVE_INFINITY;

  add(group: LockGroup): void {
    if (group.renewing) return;
    const period = Math.max(1, Math.floor(group.ttlMs / 3));
    group.renewAt = Date.now() + period;
    group.renewing = true;
    group.prev = undefined;
    group.next = this.#head;
    if (this.#head !== undefined) this.#head.prev = group;
    this.#head = group;
    this.#size += 1;
    if (period < this.#period) {
      if (this.#timer !== undefined) clearInterval(this.#timer);
      this.#period = period;
      this.#timer = setInterval(() => this.#tick(), period);
      this.#timer.unref?.();
    }
  }

  delete(group: LockGroup): void {
    if (!group.renewing) return;
    group.renewing = false;
    const { prev, next } = group;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next !== undefined) next.prev = prev;
    group.prev = group.next = undefined;
    this.#size -= 1;
    if (this.#size > 0) return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#period = Number.POSITIVE_INFINITY;
  }

  #tick(): void {
    const now = Date.now();
    for (let group = this.#head; group !== undefined; ) {
      const next = group.next;
      if (group.renewAt <= now) {
        group.renewAt = now + Math.max(1, Math.floor(group.ttlMs / 3));
        const g = group;
        g.lease?.extend(g.ttlMs).catch(() => this.delete(g));
      }
      group = next;
    }
  }
}

const renewer = new Renewer();

const SCOPE = Symbol("@bot/dispatcher.sessionScope");
const ordinals = new WeakMap<object, number>();
let nextOrdinal = 0;

/** A storage's place in the global lock order (first use in this process). */
function ordinalOf(storage: Storage): number {
  let n = ordinals.get(storage);
  if (n === undefined) {
    nextOrdinal += 1;
    n = nextOrdinal;
    ordinals.set(storage, n);
  }
  return n;
}

/** The storage key of a slot, or `undefined` when it has none (or computing it fails). */
function keyOf(slot: SessionSlot): string | undefined {
  try {
    return slot.resolveKey();
  } catch {
    return undefined; // the error is recorded when the slot itself is locked
  }
}

/** Whether `slot` comes before `read` in the lock order (storage ordinal, then key). */
function before(slot: SessionSlot, read: SessionSlot): boolean {
  if (slot.storage !== read.storage) return ordinalOf(slot.storage) < ordinalOf(read.storage);
  if (slot.after === read) return false; // known without computing the keys
  const mine = keyOf(slot);
  const theirs = keyOf(read);
  return mine !== undefined && theirs !== undefined && mine < theirs;
}

/**
 * One session middleware's part in the {@link SessionScope} of an update: its slots, and the
 * call that says its handlers finished.
 */
export class ScopeMember {
  readonly #scope: SessionScope;
  readonly #slots: SessionSlot[] = [];

  /** @param scope The scope of the update. */
  constructor(scope: SessionScope) {
    this.#scope = scope;
  }

  /**
   * Adds a session of this member to the update (locked with the others on first read).
   *
   * @param slot The slot.
   */
  add<T>(slot: SessionSlot<T>): void {
    this.#slots.push(slot as SessionSlot);
    this.#scope.pend(slot as SessionSlot);
  }

  /**
   * Reads a slot of this member (the first read locks every pending session of the update).
   *
   * @param slot The slot.
   * @returns Its value.
   */
  load<T>(slot: SessionSlot<T>): Promise<T> {
    return slot.load(this.#scope);
  }

  /**
   * Marks this member's handlers as finished. The last member to finish saves every changed
   * session of the update and releases the leases.
   *
   * @param write `false` when the handlers failed (their changes are dropped).
   * @returns Settled when saved (or at once when other members still run).
   */
  finish(write: boolean): Promise<void> {
    for (const slot of this.#slots) {
      slot.closed = true;
      slot.write = write;
    }
    return this.#scope.leave();
  }
}

/**
 * The sessions of one update. On the first read of any of them, it locks **all** the sessions
 * registered so far in one call per storage (storages in first-use order, each call's keys
 * taken atomically or sorted by the storage), so two updates never hold one key each while
 * waiting for the other's. A session added after that (a session middleware placed after a
 * handler that already read one) is locked on its own read, still with the wait deadline.
 * Leases are renewed while the update runs and released when its last session middleware
 * finishes, or at once when `ctx.signal` aborts (the update was abandoned: its writes are then
 * refused with `BOT_DISPATCHER_STORAGE_LEASE_LOST`).
 */
export class SessionScope {
  #pending: SessionSlot[] = [];
  readonly #groups: LockGroup[] = [];
  #locking: Promise<void> | undefined;
  /** Batches being locked (the next one waits for them). */
  #inFlight = 0;
  #members = 0;
  #finished = 0;
  #closed = false;
  /** Tasks to run after the release (rare: created on first use). */
  #after: Array<() => Promise<void>> | undefined;
  readonly #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  /**
   * The scope of an update's context (created on first use).
   *
   * @param ctx The context.
   * @returns Its scope.
   */
  static of(ctx: object): SessionScope {
    const slots = contextSlots(ctx);
    let scope = (slots ?? (ctx as Record<symbol, unknown>))[SCOPE] as SessionScope | undefined;
    if (scope === undefined) {
      const signal = (ctx as { signal?: unknown }).signal;
      scope = new SessionScope(signal instanceof AbortSignal ? signal : undefined);
      // In the context's own record; on another object, a hidden property (not a WeakMap
      // entry: nothing for the GC to trace per update).
      if (slots !== undefined) slots[SCOPE] = scope;
      else Object.defineProperty(ctx, SCOPE, { value: scope, configurable: true });
    }
    return scope;
  }

  private constructor(signal: AbortSignal | undefined) {
    this.#signal = signal;
  }

  /**
   * Joins a session middleware to the update.
   *
   * @returns Its member handle.
   */
  join(): ScopeMember {
    this.#members += 1;
    return new ScopeMember(this);
  }

  /**
   * Runs `task` after every lease of the update is released (e.g. moving a migrated chat's data).
   *
   * @param task The task.
   */
  afterRelease(task: () => Promise<void>): void {
    this.#after ??= [];
    this.#after.push(task);
  }

  /** @param slot A slot to lock with the next batch. */
  pend(slot: SessionSlot): void {
    this.#pending.push(slot);
  }

  /**
   * Locks and loads pending slots, after any batch in progress: the slot being read and every
   * pending slot before it in the lock order (storage ordinal, then key), not the ones after it.
   * An update so locks only the sessions it reads, and still in the one canonical order: every
   * later batch is for a slot after everything held (all pending slots before an earlier read
   * were taken with it), so two updates never wait for each other in a cycle. (A slot pended
   * only after a first read, by a later middleware, may come before what is held; it is locked
   * after it, as before.) Without `read`, every pending slot.
   *
   * @param read The slot a handler reads.
   */
  lockPending(read?: SessionSlot): void {
    // a slot whose middleware already finished is never read again: do not lock it
    let slots = this.#pending;
    if (slots.some((slot) => slot.closed)) slots = slots.filter((slot) => !slot.closed);
    let rest: SessionSlot[] = [];
    if (read !== undefined && slots.length > 1) {
      const taken = slots.filter((slot) => slot === read || before(slot, read));
      if (taken.length < slots.length) {
        rest = slots.filter((slot) => !taken.includes(slot));
        slots = taken;
      }
    }
    this.#pending = rest;
    const previous = this.#locking;
    this.#inFlight += 1;
    // no batch in progress: lock now (no extra turn of the promise chain)
    const ready =
      previous === undefined || this.#inFlight === 1
        ? this.#lockBatch(slots)
        : previous.then(() => this.#lockBatch(slots));
    this.#locking = ready;
    for (const slot of slots) slot.ready = ready;
  }

  /**
   * Locks one batch; never rejects (a failure is recorded on the slots). It is the batch's one
   * async function: each more would cost every update a promise and its turns.
   */
  async #lockBatch(slots: SessionSlot[]): Promise<void> {
    try {
      const groups = this.#plan(slots);
      let failure: { error: unknown } | undefined;
      for (const { storage, slots: group } of groups) {
        if (failure !== undefined) {
          for (const slot of group) slot.error = failure;
          continue;
        }
        let ttlMs = 0;
        let waitMs = 0;
        const keys: string[] = [];
        for (const slot of group) {
          ttlMs = Math.max(ttlMs, slot.lock.ttlMs);
          waitMs = Math.max(waitMs, slot.lock.waitMs);
          keys.push(slot.key as string);
        }
        try {
          const lease = await acquireLease(storage, keys, { ttlMs, waitMs, signal: this.#signal });
          this.#held(group, lease, ttlMs);
        } catch (error) {
          failure = { error };
          for (const slot of group) slot.error = failure;
        }
      }
    } catch (error) {
      for (const slot of slots) slot.error ??= { error };
    } finally {
      this.#inFlight -= 1;
    }
  }

  /**
   * The slots of a batch by storage, in the lock order; a slot that cannot be locked (no key,
   * a key already used, a closed or aborted update) gets its error and is left out.
   */
  #plan(slots: SessionSlot[]): Array<{ readonly storage: Storage; readonly slots: SessionSlot[] }> {
    if (this.#closed || this.#signal?.aborted === true) {
      const error = this.#closed
        ? new RuntimeError(
            "BOT_DISPATCHER_SESSION_CLOSED",
            "@bot/dispatcher: a session was read after its update finished",
          )
        : this.#signal?.reason;
      for (const slot of slots) slot.error = { error };
      return [];
    }
    // a few slots: plain arrays and loops, no maps, sets or sorts for the usual one storage
    const groups: Array<{ readonly storage: Storage; readonly slots: SessionSlot[] }> = [];
    for (const slot of slots) {
      let key: string | undefined;
      try {
        key = slot.resolveKey();
      } catch (error) {
        slot.error = { error };
        continue;
      }
      if (key === undefined) continue;
      let group: { readonly storage: Storage; readonly slots: SessionSlot[] } | undefined;
      for (const g of groups) if (g.storage === slot.storage) group = g;
      if (group?.slots.some((s) => s.key === key) === true || this.#holds(slot.storage, key)) {
        slot.error = {
          error: new RuntimeError(
            "BOT_DISPATCHER_SESSION_INVALID_OPTIONS",
            `@bot/dispatcher: two sessions of one update use the storage key "${key}"`,
          ),
        };
        continue;
      }
      if (group === undefined) groups.push({ storage: slot.storage, slots: [slot] });
      else group.slots.push(slot);
    }
    if (groups.length > 1) groups.sort((a, b) => ordinalOf(a.storage) - ordinalOf(b.storage));
    return groups;
  }

  /** A group's lease was granted: load its slots, renew it while the update runs. */
  #held(slots: SessionSlot[], lease: StorageLease, ttlMs: number): void {
    const entry: LockGroup = {
      slots,
      lease,
      ttlMs,
      renewAt: 0,
      prev: undefined,
      next: undefined,
      renewing: false,
    };
    this.#groups.push(entry);
    if (this.#groups.length === 1 && this.#signal !== undefined) {
      this.#onAbort ??= () => this.#abandon();
      this.#signal.addEventListener("abort", this.#onAbort);
    }
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as SessionSlot;
      try {
        slot.loaded(lease.entries[i]);
      } catch (error) {
        slot.error = { error };
      }
    }
    renewer.add(entry);
    if (aborted(this.#signal)) this.#abandon(); // aborted while we waited
  }

  #holds(storage: Storage, key: string): boolean {
    return this.#groups.some(
      (g) => g.slots[0]?.storage === storage && g.slots.some((s) => s.key === key),
    );
  }

  #stopRenewing(group: LockGroup): void {
    renewer.delete(group);
  }

  /** The update was abandoned (`ctx.signal` aborted): free its keys for the next updates. */
  #abandon(): void {
    for (const group of this.#groups) {
      this.#stopRenewing(group);
      group.lease?.release().catch(() => false);
    }
  }

  /**
   * A member finished; the last one saves and releases.
   *
   * @returns Settled when saved and released (rejects with the first error: a value that could
   * not be serialised, a conflict, the storage's failure, then an after-release task's).
   */
  leave(): Promise<void> {
    this.#finished += 1;
    if (this.#finished < this.#members) return RESOLVED;
    this.#closed = true;
    // batches still locking: wait for them (a settled one needs no turn of the promise chain)
    if (this.#inFlight > 0) return (this.#locking as Promise<void>).then(() => this.#end());
    return this.#end();
  }

  #end(): Promise<void> {
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener("abort", this.#onAbort);
    const groups = this.#groups;
    // the usual update: one storage, nothing to run after; its save is the update's last step
    if (groups.length === 1 && this.#after === undefined) return this.#save(groups[0] as LockGroup);
    return this.#endAll();
  }

  async #endAll(): Promise<void> {
    // every group saves, whatever the others do; the first group's error is reported
    const saved = await Promise.allSettled(this.#groups.map((g) => this.#save(g)));
    const errors: unknown[] = [];
    for (const result of saved) if (result.status === "rejected") errors.push(result.reason);
    for (const task of this.#after ?? []) {
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /**
   * Saves a group's changed sessions and releases its lease.
   *
   * @returns Settled when done; rejects with the first error (a value that could not be
   * serialised, then the commit's conflict or failure).
   */
  #save(group: LockGroup): Promise<void> {
    this.#stopRenewing(group);
    const lease = group.lease as StorageLease;
    let writes: StorageLeaseWrite[] | undefined;
    let failed: { readonly error: unknown } | undefined;
    for (const slot of group.slots) {
      try {
        const change = slot.pendingWrite();
        if (change === undefined) continue;
        writes ??= [];
        writes.push({
          key: slot.key as string,
          expectedVersion: slot.version,
          value: change.value,
          json: change.json,
          ttlMs: slot.ttlMs,
        });
      } catch (error) {
        failed ??= { error };
      }
    }
    const fail = failed;
    if (writes === undefined) {
      // Nothing changed: no commit. A release that fails is harmless (the update's work is
      // done and saved; the lease expires by itself), so it does not fail the update.
      return settle(lease, fail);
    }
    let commit: Promise<StorageCommitResult>;
    try {
      commit = lease.commit(writes, { release: true });
    } catch (error) {
      commit = Promise.reject(error);
    }
    return commit.then(
      (outcome) => {
        if (fail !== undefined) throw fail.error;
        if (!outcome.ok) throw new SessionConflictError(outcome.conflict);
      },
      (error: unknown) => {
        // Best effort, not awaited: with the storage down it would only delay the report by
        // another deadline (the lease expires by itself anyway).
        void lease.release().catch(() => false);
        throw fail !== undefined ? fail.error : error;
      },
    );
  }
}
