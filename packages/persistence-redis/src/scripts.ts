/**
 * The Lua scripts of `RedisStorage`. Every storage key is ONE Redis hash, holding its value and
 * its lock together, so each script touches the keys of one storage key only and runs
 * unchanged on Redis Cluster:
 *
 * - `v` the JSON, `r` the version (both absent: no value);
 * - `e` the value's expiry (ms since the epoch, Redis clock) when it has a TTL;
 * - `o` the lock holder and `x` the lock's expiry (ms, Redis clock; `0`/absent: free);
 * - `f` the fencing token of the newest lease on the key.
 *
 * The key's own expiry is always the later of the value's and the lock's (none for a value
 * without TTL), so a lock never outlives its key and nothing is left behind: a key with neither
 * a live value nor a held lock is deleted. Invariant the scripts keep (and rely on to skip a
 * `PERSIST`): the Redis key has no TTL exactly when it holds a value without `e`.
 *
 * @module
 */
import { batchable, packed, type Script, script } from "./commander.js";

/**
 * Shared Lua helpers: a lazy clock (`TIME` only when needed), the state of a key (one `HMGET`),
 * writing a value, removing it, unlocking.
 */
const LIB = `
local _ms, _us
local function clock()
  if not _ms then
    local t = redis.call('TIME')
    _us = tonumber(t[1]) * 1000000 + tonumber(t[2])
    _ms = math.floor(_us / 1000)
  end
end
local function now() clock() return _ms end
local function state(k, withValue)
  local h
  if withValue then h = redis.call('HMGET', k, 'r', 'e', 'o', 'x', 'f', 'v')
  else h = redis.call('HMGET', k, 'r', 'e', 'o', 'x', 'f') end
  local e = h[2] and tonumber(h[2]) or false
  local live = h[1] and (not e or e > now())
  local x = h[4] and tonumber(h[4]) or 0
  if x > 0 and x <= now() then x = 0 end
  return {
    r = live and h[1] or false,
    v = live and withValue and h[6] or false,
    e = e,
    o = h[3],
    x = x,
    f = h[5] and tonumber(h[5]) or 0,
    bare = (h[1] and not e) and true or false,
  }
end
-- the state of a key (for a commit) while holder's lease on it is live, else nil
local function leased(k, holder)
  local h = redis.call('HMGET', k, 'o', 'x', 'r', 'e')
  if h[1] ~= holder or not h[2] or h[2] == '0' then return nil end
  local x = tonumber(h[2])
  if x <= now() then return nil end
  local e = h[4] and tonumber(h[4]) or false
  return {
    r = (h[3] and (not e or e > now())) and h[3] or false,
    e = e,
    x = x,
    bare = (h[3] and not e) and true or false,
  }
end
-- writes a value; unlock: also frees the lock (x = 0) in the same HSET
local function store(k, s, json, ver, ttl, unlock)
  local x = s.x
  if unlock then x = 0 end
  if ttl ~= '' then
    local e = now() + tonumber(ttl)
    if unlock then redis.call('HSET', k, 'v', json, 'r', ver, 'e', e, 'x', '0')
    else redis.call('HSET', k, 'v', json, 'r', ver, 'e', e) end
    redis.call('PEXPIREAT', k, math.max(e, x))
  else
    if unlock then redis.call('HSET', k, 'v', json, 'r', ver, 'x', '0')
    else redis.call('HSET', k, 'v', json, 'r', ver) end
    if s.e then redis.call('HDEL', k, 'e') end
    if not s.bare then redis.call('PERSIST', k) end
  end
end
-- removes the value; the key stays only while a lock (kept: not unlock) holds it
local function remove(k, s, unlock)
  if s.x > 0 and not unlock then
    redis.call('HDEL', k, 'v', 'r', 'e')
    redis.call('PEXPIREAT', k, s.x)
  else
    redis.call('DEL', k)
  end
end
-- frees the lock, leaving the value (and its expiry) as it was
local function unlock(k, s)
  if s.r then
    redis.call('HDEL', k, 'o', 'x')
    if s.e then redis.call('PEXPIREAT', k, s.e) end
  else
    redis.call('DEL', k)
  end
end
`;

/** Returns `{json, version}`, or an empty array when absent or expired. */
export const GET: Script = batchable(
  "get",
  LIB,
  `local h = redis.call('HMGET', KEYS[1], 'v', 'r', 'e')
if h[1] and h[2] and (not h[3] or tonumber(h[3]) > now()) then return {h[1], h[2]} end
return {}`,
);

/** ARGV: json, version, ttl ('' for none). Always writes (a lock on the key stays). */
export const SET: Script = batchable(
  "set",
  LIB,
  `local s = state(KEYS[1])
store(KEYS[1], s, ARGV[1], ARGV[2], ARGV[3], false)
return 1`,
);

/** ARGV: expected version ('' = must be absent), json, version, ttl. Returns 1 when written. */
export const COMPARE_AND_SET: Script = batchable(
  "compareAndSet",
  LIB,
  `local s = state(KEYS[1])
if ARGV[1] == '' then
  if s.r then return 0 end
elseif s.r ~= ARGV[1] then
  return 0
end
store(KEYS[1], s, ARGV[2], ARGV[3], ARGV[4], false)
return 1`,
);

/** ARGV: json, version, ttl. Returns 1 when written, 0 when the key has a value. */
export const SET_IF_ABSENT: Script = batchable(
  "setIfAbsent",
  LIB,
  `local s = state(KEYS[1])
if s.r then return 0 end
store(KEYS[1], s, ARGV[1], ARGV[2], ARGV[3], false)
return 1`,
);

/** Deletes the value (a lock on the key stays). Returns 1 when there was one. */
export const DELETE: Script = batchable(
  "delete",
  LIB,
  `local s = state(KEYS[1])
if not s.r then return 0 end
remove(KEYS[1], s, false)
return 1`,
);

/**
 * Takes leases, many at once (a packed script: the leases asked for in one turn share one
 * command on a single Redis; a Redis Cluster sends each alone). KEYS: the m keys of each lease,
 * lease after lease. ARGV: ttl ms, m and the least token to hand out (shared), then each
 * lease's holder id. Replies per lease `1 + 2m` elements: the token, or 0 when a key is held,
 * then per key its json and version (false when absent). Each lease takes all its keys or
 * none, in order, so a later lease on a key an earlier one took finds it held. The token is at
 * least the Redis clock in microseconds and above every key's fence, so it grows even across
 * a key that was deleted. Written for what Redis spends most on: no per-call argument counts,
 * no table per reply, lock fields written as strings (a Lua number given to a Redis command is
 * formatted with `%.17g`).
 */
export const LOCK: Script = packed(
  "lock",
  `${LIB}
local m = tonumber(ARGV[2])
local least = tonumber(ARGV[3])
clock()
local x = _ms + tonumber(ARGV[1])
local xs = string.format('%d', x)
local out, o, st = {}, 0, {}
for c = 1, #KEYS / m do
  local ko = (c - 1) * m
  local free = true
  for i = 1, m do
    local h = redis.call('HMGET', KEYS[ko + i], 'x', 'r', 'e', 'f', 'v')
    if h[1] and h[1] ~= '0' and tonumber(h[1]) > _ms then
      free = false
      break
    end
    st[i] = h
  end
  if free then
    local t = math.max(_us, least)
    for i = 1, m do
      local f = st[i][4]
      if f then
        f = tonumber(f)
        if f >= t then t = f + 1 end
      end
    end
    local ts = string.format('%d', t)
    out[o + 1] = t
    for i = 1, m do
      local k, h = KEYS[ko + i], st[i]
      local e = h[3] and tonumber(h[3]) or false
      local live = h[2] and (not e or e > _ms)
      redis.call('HSET', k, 'o', ARGV[3 + c], 'x', xs, 'f', ts)
      -- a value without TTL keeps its key forever: nothing to extend
      if not (h[2] and not e) then redis.call('PEXPIREAT', k, math.max(x, e or 0)) end
      out[o + 2 * i] = live and h[5] or false
      out[o + 2 * i + 1] = live and h[2] or false
    end
  else
    out[o + 1] = 0
    for i = 1, m do
      out[o + 2 * i] = false
      out[o + 2 * i + 1] = false
    end
  end
  o = o + 1 + 2 * m
end
return out`,
  { shared: 3, width: (shared) => 1 + 2 * Number(shared[1]) },
);

/**
 * {@link COMMIT} of one write that releases a one-key lease, for many leases at once (packed,
 * like {@link LOCK}). KEYS: one key per lease. ARGV: per lease its holder id, the expected
 * version ('' = absent), json, new version, ttl ('' = none). Replies per lease 1 (written and
 * released), 0 (version mismatch: released, nothing written) or -1 (lease lost).
 */
export const COMMIT_ONE: Script = packed(
  "commit (packed)",
  `${LIB}
local out = {}
for c = 1, #KEYS do
  local b, k = 5 * (c - 1), KEYS[c]
  local s = leased(k, ARGV[b + 1])
  if not s then
    out[c] = -1
  else
    local expected = ARGV[b + 2]
    if (expected == '' and s.r) or (expected ~= '' and s.r ~= expected) then
      unlock(k, s)
      out[c] = 0
    else
      store(k, s, ARGV[b + 3], ARGV[b + 4], ARGV[b + 5], true)
      out[c] = 1
    end
  end
end
return out`,
  { shared: 0, width: () => 1 },
);

/** KEYS: keys. ARGV: token. Raises every fence to at least the token (Cluster path). */
export const FENCE: Script = script(
  "fence",
  `for i = 1, #KEYS do
  local f = tonumber(redis.call('HGET', KEYS[i], 'f') or '0')
  if f < tonumber(ARGV[1]) then redis.call('HSET', KEYS[i], 'f', ARGV[1]) end
end
return 1`,
);

/** KEYS: keys. ARGV: holder id, ttl ms. Returns 1, or 0 when the lease is no longer held. */
export const EXTEND: Script = batchable(
  "extend",
  LIB,
  `local st = {}
for i = 1, #KEYS do
  local s = state(KEYS[i])
  if s.o ~= ARGV[1] or s.x == 0 then return 0 end
  st[i] = s
end
local x = now() + tonumber(ARGV[2])
for i = 1, #KEYS do
  local k, s = KEYS[i], st[i]
  redis.call('HSET', k, 'x', x)
  if not (s.r and s.bare) then redis.call('PEXPIREAT', k, math.max(x, s.e or 0)) end
end
return 1`,
);

/** KEYS: keys. ARGV: holder id. Frees the keys this holder still holds; returns how many. */
export const RELEASE: Script = batchable(
  "release",
  LIB,
  `local n = 0
for i = 1, #KEYS do
  local s = state(KEYS[i])
  if s.o == ARGV[1] and s.x > 0 then
    unlock(KEYS[i], s)
    n = n + 1
  end
end
return n`,
);

/**
 * KEYS: the lease's keys (all of them on a single Redis; one on the Cluster path). ARGV: holder
 * id, release ('1' or '0'), apply ('1' or '0': '0' only checks), then per write: the index of
 * its key in KEYS (1-based), op ('s' or 'd'), expected version ('' = absent), json, new
 * version, ttl ('' = none). Returns `{-1}` when the lease is lost, `{0, j}` when write j's
 * version does not match (nothing written), `{1}` after writing.
 */
export const COMMIT: Script = batchable(
  "commit",
  LIB,
  `local holder = ARGV[1]
local rel = ARGV[2] == '1'
local w = (#ARGV - 3) / 6
local m = #KEYS
local st = {}
for i = 1, m do
  st[i] = leased(KEYS[i], holder)
  if not st[i] then return {-1} end
end
local function release()
  if rel then for i = 1, m do unlock(KEYS[i], st[i]) end end
end
for j = 1, w do
  local b = 3 + 6 * (j - 1)
  local s = st[tonumber(ARGV[b + 1])]
  local expected = ARGV[b + 3]
  if (expected == '' and s.r) or (expected ~= '' and s.r ~= expected) then
    release()
    return {0, j}
  end
end
if ARGV[3] == '1' then
  for j = 1, w do
    local b = 3 + 6 * (j - 1)
    local i = tonumber(ARGV[b + 1])
    local s = st[i]
    s.done = true
    if ARGV[b + 2] == 'd' then remove(KEYS[i], s, rel)
    else store(KEYS[i], s, ARGV[b + 4], ARGV[b + 5], ARGV[b + 6], rel) end
  end
end
if rel then
  for i = 1, m do
    if not st[i].done then unlock(KEYS[i], st[i]) end
  end
end
return {1}`,
);
