/**
 * Takes or renews a lease, atomically. KEYS: lease, token counter, expiry record, layout. ARGV: owner, ttl (ms),
 * layout (how this instance cuts the tree into leases). Returns { token, waitMs, holder, why }: token is false
 * when another owner holds the lease (waitMs is then its time left, holder its owner), or when instances of
 * another layout act on this Redis (why is then 'layout', waitMs the time left of their layout); a take or
 * renewal keeps the layout named for one ttl more at least, so two layouts never hold leases at once;
 * waitMs > 0 on a fresh take means the lease vanished before its recorded expiry (Redis restarted
 * empty, or failed over to a replica that missed the last renewal), so the taker must wait that long
 * before it acts, since the old holder may still be inside its own lease.
 *
 * Tokens only grow: the counter is floored at the Redis server's clock in ms, so a counter lost with a
 * Redis restart or failover cannot hand out a token lower than one already used (as long as the clock of
 * the Redis hosts does not step back).
 */
export const ACQUIRE_SCRIPT = `
local owner, ttl = ARGV[1], tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local layout = redis.call('GET', KEYS[4])
if layout and layout ~= ARGV[3] then return {false, redis.call('PTTL', KEYS[4]), false, 'layout'} end
if redis.call('PTTL', KEYS[4]) < ttl then redis.call('SET', KEYS[4], ARGV[3], 'PX', ttl) end
local current = redis.call('GET', KEYS[1])
if current then
  local holder, token = string.match(current, '^(.*)|(%d+)$')
  if holder == owner then
    redis.call('PEXPIRE', KEYS[1], ttl)
    redis.call('SET', KEYS[3], tostring(now + ttl))
    return {token, 0}
  end
  return {false, redis.call('PTTL', KEYS[1]), holder}
end
local waitMs = 0
local recorded = tonumber(redis.call('GET', KEYS[3]) or '')
if redis.call('EXISTS', KEYS[2]) == 0 then
  waitMs = ttl
elseif recorded and recorded > now then
  waitMs = recorded - now
end
local token = redis.call('INCR', KEYS[2])
if token < now then
  token = now
  redis.call('SET', KEYS[2], tostring(token))
end
redis.call('SET', KEYS[1], owner .. '|' .. token, 'PX', ttl)
redis.call('SET', KEYS[3], tostring(now + ttl))
return {tostring(token), waitMs}
`;

/** Gives a lease up if the owner still holds it. KEYS: lease, expiry record. ARGV: owner. Returns 1 if released. */
export const RELEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local holder = string.match(current, '^(.*)|%d+$')
if holder ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
return 1
`;
