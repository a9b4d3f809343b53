/**
 * The Lua scripts of `RedisStorage`. Each touches the keys of one storage key only, so it
 * runs unchanged on Redis Cluster. A value is a hash: `v` the JSON, `r` the version.
 *
 * @module
 */
import { script } from "./commander.js";

/** The TTL tail every write shares: `PEXPIRE` for a TTL, `PERSIST` without one. */
const EXPIRE = `
if ttl ~= '' then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end`;

/** ARGV: json, version, ttl ('' for none). Always writes. */
export const SET = script(
  "set",
  `local ttl = ARGV[3]
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'r', ARGV[2])${EXPIRE}
return 1`,
);

/** ARGV: expected version ('' = must be absent), json, version, ttl. Returns 1 when written. */
export const COMPARE_AND_SET = script(
  "compareAndSet",
  `local cur = redis.call('HGET', KEYS[1], 'r')
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
local ttl = ARGV[4]
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])${EXPIRE}
return 1`,
);

/** ARGV: json, version, ttl. Returns 1 when written, 0 when the key exists. */
export const SET_IF_ABSENT = script(
  "setIfAbsent",
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local ttl = ARGV[3]
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'r', ARGV[2])${EXPIRE}
return 1`,
);
