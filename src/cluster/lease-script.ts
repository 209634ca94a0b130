/**
 * Takes or renews a lease, atomically. KEYS: lease, token counter, expiry record, layout. ARGV: owner, ttl (ms),
 * layout (how this instance cuts the tree into leases). Returns { token, waitMs, holder, why, problem }: token
 * is false when another owner holds the lease (waitMs is then its time left, holder its owner), or when
 * instances of another layout act on this Redis (why is then 'layout', waitMs the time left of their layout); a
 * take or renewal keeps the layout named for one ttl more at least, so two layouts never hold leases at once;
 * waitMs > 0 on a fresh take means the lease vanished before its recorded expiry (Redis restarted
 * empty, or failed over to a replica that missed the last renewal), so the taker must wait that long
 * before it acts, since the old holder may still be inside its own lease.
 *
 * Tokens only grow: the counter is floored at the Redis server's clock in ms, so a counter lost with a
 * Redis restart or failover cannot hand out a token lower than one already used (as long as the clock of
 * the Redis hosts does not step back).
 *
 * Keys found in a shape these scripts never write (set by hand or by another tool) are named in `problem`
 * (why is then 'malformed' when nothing is taken because of them) and healed only where that cannot let two
 * instances act: a lease or layout key with no expiry, or of another type, is given one lease time, as if its
 * holder had just renewed it (a live holder renews it on; otherwise it runs out and is taken like any lease),
 * and the counter is first raised to the token such a lease names; a counter that is not an integer is taken
 * as lost (replaced, floored at the clock, and the taker waits one lease time); a counter past 15 digits
 * (beyond exact Lua numbers) is never replaced, since a lower token could follow: nothing is taken.
 */
export const ACQUIRE_SCRIPT = `
local owner, ttl = ARGV[1], tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local problems = {}
local function shape(value)
  if string.len(value) > 60 then return string.format('%q', string.sub(value, 1, 60)) .. ' (' .. string.len(value) .. ' bytes)' end
  return string.format('%q', value)
end
local function malformed(key, what)
  if redis.call('PTTL', key) == -1 then
    redis.call('PEXPIRE', key, ttl)
    what = what .. ' and had no expiry: given one lease time'
  end
  problems[#problems + 1] = key .. ' ' .. what
end
local function report()
  if #problems == 0 then return false end
  return table.concat(problems, '; ')
end
local layoutKind = redis.call('TYPE', KEYS[4])['ok']
if layoutKind ~= 'none' and layoutKind ~= 'string' then
  malformed(KEYS[4], 'is a ' .. layoutKind .. ', not a layout name')
  return {false, redis.call('PTTL', KEYS[4]), false, 'malformed', report()}
end
local layout = redis.call('GET', KEYS[4])
if layout and layout ~= ARGV[3] then
  if redis.call('PTTL', KEYS[4]) == -1 then malformed(KEYS[4], 'names the layout ' .. shape(layout)) end
  return {false, redis.call('PTTL', KEYS[4]), false, 'layout', report()}
end
if redis.call('PTTL', KEYS[4]) < ttl then redis.call('SET', KEYS[4], ARGV[3], 'PX', ttl) end
local counterKind = redis.call('TYPE', KEYS[2])['ok']
local counterText = counterKind == 'string' and redis.call('GET', KEYS[2]) or nil
local counterOk = counterText ~= nil and string.match(counterText, '^%d+$') ~= nil
local leaseKind = redis.call('TYPE', KEYS[1])['ok']
if leaseKind ~= 'none' then
  local current = leaseKind == 'string' and redis.call('GET', KEYS[1]) or nil
  local holder, token = nil, nil
  if current then holder, token = string.match(current, '^(.*)|(%d+)$') end
  if holder ~= nil and string.len(token) > 15 then holder = nil end
  if holder == owner then
    redis.call('PEXPIRE', KEYS[1], ttl)
    redis.call('SET', KEYS[3], tostring(now + ttl))
    return {token, 0, false, false, report()}
  end
  if holder == nil then
    if current then malformed(KEYS[1], 'holds ' .. shape(current) .. ', which is not <owner>|<token>')
    else malformed(KEYS[1], 'is a ' .. leaseKind .. ', not a string naming a holder') end
    return {false, redis.call('PTTL', KEYS[1]), false, 'malformed', report()}
  end
  if redis.call('PTTL', KEYS[1]) == -1 then
    if not counterOk or tonumber(counterText) < tonumber(token) then redis.call('SET', KEYS[2], token) end
    malformed(KEYS[1], 'names the holder ' .. shape(holder) .. ' (token ' .. token .. ')')
  end
  return {false, redis.call('PTTL', KEYS[1]), holder, false, report()}
end
if counterOk and string.len(counterText) > 15 then
  problems[#problems + 1] = KEYS[2] .. ' holds ' .. shape(counterText) .. ', past the 15 digits a token may have: not replaced (a lower token could follow), so no lease is taken'
  return {false, 0, false, 'malformed', report()}
end
local waitMs = 0
local expiryKind = redis.call('TYPE', KEYS[3])['ok']
local expiryText = expiryKind == 'string' and redis.call('GET', KEYS[3]) or nil
local recorded = tonumber(expiryText or '')
if expiryKind ~= 'none' and not recorded then
  problems[#problems + 1] = KEYS[3] .. ' held ' .. (expiryText and shape(expiryText) or ('a ' .. expiryKind)) .. ', not a time: the old holder is waited out for one lease time'
  waitMs = ttl
end
if counterKind ~= 'none' and not counterOk then
  problems[#problems + 1] = KEYS[2] .. ' held ' .. (counterText and shape(counterText) or ('a ' .. counterKind)) .. ', not an integer: taken as lost (replaced, floored at the clock, one lease time waited out)'
  redis.call('DEL', KEYS[2])
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  waitMs = ttl
elseif waitMs == 0 and recorded and recorded > now then
  waitMs = recorded - now
end
local token = redis.call('INCR', KEYS[2])
if token < now then
  token = now
  redis.call('SET', KEYS[2], tostring(token))
end
redis.call('SET', KEYS[1], owner .. '|' .. token, 'PX', ttl)
redis.call('SET', KEYS[3], tostring(now + ttl))
return {tostring(token), waitMs, false, false, report()}
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
