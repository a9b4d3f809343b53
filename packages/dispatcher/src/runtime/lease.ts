import { LeaseLostError, RuntimeError } from "./errors.js";
import { lockFor } from "./keyed-lock.js";
import type {
  Storage,
  StorageCommitResult,
  StorageLease,
  StorageLeaseWrite,
  StorageLockOptions,
} from "./storage.js";

/**
 * Locks keys of a storage the one way the dispatcher does: the storage's own `lock` when it has
 * one (shared by every process on that store), else the in-process lease table of that storage
 * object plus the storage's `compareAndSet` (a write by another process in between is caught by
 * the version check; a commit of several keys is then not atomic across them).
 *
 * @param storage The storage.
 * @param keys Distinct keys.
 * @param options TTL, wait deadline, abort signal.
 * @returns The lease.
 */
export function acquireLease(
  storage: Storage,
  keys: readonly string[],
  options: StorageLockOptions,
): Promise<StorageLease> {
  // the storage's own promise, not one more around it
  if (typeof storage.lock === "function") {
    try {
      return storage.lock(keys, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return fallbackLease(storage, keys, options);
}

async function fallbackLease(
  storage: Storage,
  keys: readonly string[],
  options: StorageLockOptions,
): Promise<StorageLease> {
  const table = lockFor(storage);
  const grant = await table.acquire(keys, options);
  let entries: StorageLease["entries"];
  try {
    entries = await Promise.all(grant.keys.map((key) => storage.get(key)));
  } catch (error) {
    table.release(grant);
    throw error;
  }
  const commit = async (writes: readonly StorageLeaseWrite[]): Promise<StorageCommitResult> => {
    if (!table.isHeld(grant)) throw new LeaseLostError(grant.keys);
    if (writes.some((w) => !grant.keys.includes(w.key))) {
      throw new RuntimeError(
        "BOT_DISPATCHER_STORAGE_INVALID_KEY",
        "@bot/dispatcher: a commit may only write keys of its lease",
      );
    }
    const versions: Array<string | undefined> = [];
    for (const write of writes) {
      if ("delete" in write && write.delete === true) {
        const current = await storage.get(write.key);
        if ((current?.version ?? null) !== write.expectedVersion) {
          return { ok: false, conflict: write.key };
        }
        await storage.delete(write.key);
        versions.push(undefined);
        continue;
      }
      const valued = write as Extract<StorageLeaseWrite, { value: unknown }>;
      const options = valued.ttlMs === undefined ? undefined : { ttlMs: valued.ttlMs };
      const version = await storage.compareAndSet(
        write.key,
        write.expectedVersion,
        valued.value,
        options,
      );
      if (version === undefined) return { ok: false, conflict: write.key };
      versions.push(version);
    }
    return { ok: true, versions };
  };
  return {
    keys: grant.keys,
    token: grant.token,
    entries,
    extend: async (ttlMs) => {
      if (!table.extend(grant, ttlMs)) throw new LeaseLostError(grant.keys);
    },
    commit: async (writes, commitOptions) => {
      try {
        return await commit(writes);
      } finally {
        if (commitOptions?.release === true) table.release(grant);
      }
    },
    release: async () => table.release(grant),
  };
}
