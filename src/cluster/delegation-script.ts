// Lua scripts of invocations handed from one instance to the holder of a shard (see shard-delegation.ts).
// A request is a hash (state, deadline, request, by; then runner, token, result) and an entry in its shard's
// stream. Its state moves once: pending -> claimed -> succeeded | failed, or pending -> cancelled | expired;
// each move is one script, so a request is run at most once, and only by the holder of the shard's lease.

const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * The namespace's epoch (KEYS[n]): a random value set once and never expired, so it is gone, or another,
 * only when Redis lost its data (restarted without persistence, flushed). ARGV[m]: the value to set when
 * there is none. Leaves it in `epoch`.
 */
const EPOCH = (key: string, fresh: string): string => `
local epoch = redis.call('GET', ${key})
if not epoch then
  epoch = ${fresh}
  redis.call('SET', ${key}, epoch)
end
`;

/**
 * Queues a request for the holder of a shard. KEYS: request hash, shard stream, shard lease, epoch. ARGV: request
 * id, requester (owner), claim window (ms), run bound (ms), request (JSON), an epoch to set when there is none.
 * Returns {'queued', epoch, holder}, or {'no_owner', epoch} when nobody holds the shard, or {'own', epoch} when
 * the requester itself holds it (not acting yet).
 */
export const SUBMIT_SCRIPT = `${NOW}${EPOCH('KEYS[4]', 'ARGV[6]')}
local lease = redis.call('GET', KEYS[3])
if not lease then return {'no_owner', epoch} end
local holder = string.match(lease, '^(.*)|%d+$')
if holder == ARGV[2] then return {'own', epoch} end
local claimWithin, runBound = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'pending', 'deadline', tostring(now + claimWithin), 'request', ARGV[5], 'by', ARGV[2])
redis.call('PEXPIRE', KEYS[1], claimWithin + runBound + 60000)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'id', ARGV[1])
return {'queued', epoch, holder}
`;

/**
 * Claims a request for its run, by the shard's lease holder under its token. KEYS: request hash, shard stream,
 * shard lease. ARGV: stream entry id, owner, token. Returns {'claimed', request JSON}; {'not_holder'} (the entry
 * stays for the holder), or {'gone'} / {'expired'} (the entry is dropped, nothing runs).
 */
export const CLAIM_SCRIPT = `${NOW}
if redis.call('GET', KEYS[3]) ~= ARGV[2] .. '|' .. ARGV[3] then return {'not_holder'} end
redis.call('XDEL', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return {'gone'} end
if now > tonumber(redis.call('HGET', KEYS[1], 'deadline')) then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  return {'expired'}
end
redis.call('HSET', KEYS[1], 'state', 'claimed', 'runner', ARGV[2], 'token', ARGV[3])
return {'claimed', redis.call('HGET', KEYS[1], 'request')}
`;

/** Records the run's end. KEYS: request hash. ARGV: owner, 'succeeded' or 'failed', result or error (JSON). */
export const COMPLETE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'claimed' or redis.call('HGET', KEYS[1], 'runner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'result', ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
return 1
`;

/**
 * Withdraws a request nobody claimed yet. KEYS: request hash, epoch. Returns {state after, epoch}: 'cancelled',
 * or what it was ('missing' when there is no request; the epoch then tells whether Redis lost its data since).
 */
export const CANCEL_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'pending' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled')
  redis.call('PEXPIRE', KEYS[1], 60000)
  return {'cancelled'}
end
return {state or 'missing', redis.call('GET', KEYS[2]) or ''}
`;
