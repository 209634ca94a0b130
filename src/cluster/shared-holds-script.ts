/**
 * Checks and records one operation of a sharded deployment, atomically. KEYS[1]: the holds hash (field: the
 * operation id; value: JSON { policy, scope, expires }); KEYS[2..]: one sorted set of stamps per budget (score:
 * Redis time in ms). ARGV: id, policy, scope, hold time (ms), covered entities (JSON list), budgets (JSON list
 * of { entity, maxActions, windowMs, inside }, in the order of KEYS[2..]), the instance's owner name. Returns {'ok'}, or {outcome, detail}.
 * Holds past their expiry (an instance that died while a plan ran) are dropped on the way.
 */
export const ACQUIRE_OPERATION_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local id, policy, scope, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local covered = {}
for _, entity in ipairs(cjson.decode(ARGV[5])) do covered[entity] = true end
local holds = redis.call('HGETALL', KEYS[1])
local holder
for i = 1, #holds, 2 do
  local hold = cjson.decode(holds[i + 1])
  if hold.expires < now then
    redis.call('HDEL', KEYS[1], holds[i])
  elseif hold.policy ~= policy and covered[hold.scope] and (not holder or hold.since < holder.since) then
    holder = hold
  end
end
if holder then
  return {'preempted', 'held: ' .. holder.policy .. ' is running a plan on the subtree of ' .. holder.scope .. ' (on instance ' .. (holder.owner or 'another') .. ')'}
end
local budgets = cjson.decode(ARGV[6])
for i, budget in ipairs(budgets) do
  local key = KEYS[i + 1]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - budget.windowMs)
  local used = redis.call('ZCARD', key)
  if used + budget.inside > budget.maxActions then
    return {'rate_limited', 'action budget of ' .. budget.entity .. ': ' .. used .. ' of ' .. budget.maxActions .. ' actions used in the last ' .. (budget.windowMs / 1000) .. ' s by every instance; this plan needs ' .. budget.inside .. ' more'}
  end
end
for i, budget in ipairs(budgets) do
  for n = 1, budget.inside do redis.call('ZADD', KEYS[i + 1], now, id .. ':' .. n) end
  redis.call('PEXPIRE', KEYS[i + 1], budget.windowMs + 1000)
end
redis.call('HSET', KEYS[1], id, cjson.encode({ policy = policy, scope = scope, since = now, expires = now + ttl, owner = ARGV[7] }))
return {'ok'}
`;

/** Extends the holds of running operations. KEYS[1]: the holds hash. ARGV: hold time (ms), then the ids. */
export const RENEW_OPERATIONS_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local hold = cjson.decode(raw)
    hold.expires = now + tonumber(ARGV[1])
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(hold))
  end
end
return 1
`;
