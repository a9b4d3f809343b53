/**
 * The Lua scripts of the update queue. Each touches the keys of one partition only (one hash
 * tag: one Redis Cluster slot), or the one key of the worker registry.
 *
 * Invariant: an entry is deleted (`XDEL`) when it is acknowledged, so a partition's `XLEN` is
 * exactly what is not handled yet (pending in a worker plus not yet read).
 *
 * @module
 */
import { type Script, script } from "../commander.js";

/**
 * KEYS: stream. ARGV: backlog limit ('0' none), then per entry: update JSON, append time (ms),
 * ordering key ('' none). Appends all or none: returns -1 when the backlog would pass the
 * limit, else the entry ids.
 */
export const APPEND: Script = script(
  "queueAppend",
  `local n = (#ARGV - 1) / 3
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('XLEN', KEYS[1]) + n > limit then return -1 end
local ids = {}
for i = 0, n - 1 do
  ids[i + 1] = redis.call('XADD', KEYS[1], '*', 'u', ARGV[2 + 3 * i], 't', ARGV[3 + 3 * i], 'k', ARGV[4 + 3 * i])
end
return ids`,
);

/** The fencing check every owner-only script starts with: the partition's newest lease is ours. */
const FENCED = `if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return -1 end`;

/**
 * KEYS: fence, stream. ARGV: token, group, consumer, count. Reads new entries for the owner of
 * the partition: -1 when a newer lease exists (fenced out), else the entries (`{id, fields}`).
 */
export const READ: Script = script(
  "queueRead",
  `${FENCED}
local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[2], '>')
if not r then return {} end
return r[1][2]`,
);

/**
 * KEYS: fence, stream. ARGV: token, group, consumer, cursor, count. Creates the group when
 * missing, then takes over every pending entry (`XAUTOCLAIM` with idle 0: the partition's lease
 * says its previous owner is gone). Returns -1 when fenced out, else `{next cursor, entries}`.
 */
export const CLAIM: Script = script(
  "queueClaim",
  `${FENCED}
redis.pcall('XGROUP', 'CREATE', KEYS[2], ARGV[2], '0', 'MKSTREAM')
local r = redis.call('XAUTOCLAIM', KEYS[2], ARGV[2], ARGV[3], 0, ARGV[4], 'COUNT', ARGV[5])
return {r[1], r[2]}`,
);

/**
 * KEYS: stream. ARGV: group, ids. Acknowledges and deletes handled entries. Not fenced: a
 * handler that finished is done, whoever owns the partition now. Returns how many were pending.
 */
export const ACK: Script = script(
  "queueAck",
  `local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
local n = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
return n`,
);

/**
 * KEYS: registry (sorted set). ARGV: worker id, ttl ms, '1' to leave. Drops expired workers,
 * refreshes (or removes) this one on the server's clock, returns the live worker ids, sorted.
 */
export const HEARTBEAT: Script = script(
  "queueHeartbeat",
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 4)
end
return redis.call('ZRANGE', KEYS[1], 0, -1)`,
);

/** KEYS: owner. ARGV: worker id, ttl ms, op ('set' or 'del'). The owner label of a partition. */
export const OWNER: Script = script(
  "queueOwner",
  `if ARGV[3] == 'set' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1`,
);

/**
 * KEYS: stream, owner. ARGV: group. Returns `{depth, pending, owner}`: depth is `XLEN` (the
 * invariant above), pending what workers hold unacknowledged, owner the label or false.
 */
export const STATS: Script = script(
  "queueStats",
  `local depth = redis.call('XLEN', KEYS[1])
local pending = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
  for _, g in ipairs(groups) do
    local name, p
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'pending' then p = g[i + 1] end
    end
    if name == ARGV[1] then pending = p end
  end
end
return {depth, pending, redis.call('GET', KEYS[2])}`,
);
