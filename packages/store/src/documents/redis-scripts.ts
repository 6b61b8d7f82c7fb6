import type { Result } from 'ioredis';

/**
 * applyOnce and every write of the Redis adapter go through `documentsCommit`, one Lua script, so
 * that the dedupe marker and the changes land together or not at all. It is a compare-and-set: the
 * caller passes the documents it read (as read) and the writes it decided; the script applies them
 * only if the marker is absent and every read document is unchanged, else it answers and the
 * caller re-reads and retries. WATCH/MULTI/EXEC would do the same but WATCH is state of a
 * connection, and ioredis multiplexes one connection across concurrent callers: each concurrent
 * projection would need its own connection. The script also keeps each write's two keys (the body
 * hash and the creation-order sorted set) in step, and JSON is never parsed in Lua (cjson would turn
 * [] into {} and round numbers).
 *
 * KEYS: marker set, position counter, then per collection its body hash and order set.
 * ARGV: event id ('' for none), number of checks, number of writes, then triples
 *       (collection index, id, value): for a check the body read ('' = absent), for a write the
 *       new body ('' = delete).
 * Returns 1 applied, 0 duplicate (marker present), -1 a read document changed.
 */
const commitScript = `
local eventId = ARGV[1]
if eventId ~= '' and redis.call('SISMEMBER', KEYS[1], eventId) == 1 then return 0 end
local checks, writes = tonumber(ARGV[2]), tonumber(ARGV[3])
local a = 4
for _ = 1, checks do
  local docs = KEYS[3 + 2 * tonumber(ARGV[a])]
  if (redis.call('HGET', docs, ARGV[a + 1]) or '') ~= ARGV[a + 2] then return -1 end
  a = a + 3
end
for _ = 1, writes do
  local k = 3 + 2 * tonumber(ARGV[a])
  local docs, order, id, body = KEYS[k], KEYS[k + 1], ARGV[a + 1], ARGV[a + 2]
  if body == '' then
    redis.call('HDEL', docs, id)
    redis.call('ZREM', order, id)
  else
    redis.call('HSET', docs, id, body)
    if not redis.call('ZSCORE', order, id) then redis.call('ZADD', order, redis.call('INCR', KEYS[2]), id) end
  end
  a = a + 3
end
if eventId ~= '' then redis.call('SADD', KEYS[1], eventId) end
return 1
`;

/** One page in creation order, and the collection's size, read atomically. Returns [total, ...bodies]. */
const pageScript = `
local total = redis.call('ZCARD', KEYS[2])
local ids = redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2])
if #ids == 0 then return { total } end
local page = redis.call('HMGET', KEYS[1], unpack(ids))
table.insert(page, 1, total)
return page
`;

export const documentScripts = {
  documentsCommit: { lua: commitScript },
  documentsPage: { lua: pageScript, numberOfKeys: 2 },
} as const;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    documentsCommit(numberOfKeys: number, ...keysAndArgs: string[]): Result<number, Context>;
    documentsPage(docs: string, order: string, start: number, stop: number): Result<(number | string)[], Context>;
  }
}
