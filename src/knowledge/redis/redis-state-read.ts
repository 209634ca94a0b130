import type { Redis } from 'ioredis';
import { jsonNestingProblem } from '../../core/json-nesting.js';
import type { Json, UnreadableState } from '../store.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * The largest policy-state field read (bytes). Policy state is small (cooldown stamps, windows, counters); a
 * field past this was not written by a policy (a 100 MB field made the read time out, and the whole load with
 * it): it is skipped, named, and left in Redis.
 */
export const MAX_STATE_FIELD_BYTES = 8 * 1024 * 1024;

/** State hashes read by one script call: bounds how long one call holds Redis. */
const KEYS_PER_READ = 200;

/**
 * Reads state hashes, one reply per key: `{'hash', field, value, ...}` where a value past ARGV[1] bytes is
 * replaced by its length (an integer), or `{type}` for a key of another type (`none` when it is missing).
 */
const READ_STATES_SCRIPT = `
local limit = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'hash' then
    local entry = {'hash'}
    for _, field in ipairs(redis.call('HKEYS', key)) do
      local size = redis.call('HSTRLEN', key, field)
      entry[#entry + 1] = field
      if size > limit then entry[#entry + 1] = size else entry[#entry + 1] = redis.call('HGET', key, field) end
    end
    out[i] = entry
  else
    out[i] = {kind}
  end
end
return out
`;

/** A field's stored text as JSON, or why it is not (nested too deep, or not JSON). */
export function parseField(text: string): { value: Json } | { problem: string } {
  const deep = jsonNestingProblem(text);
  if (deep) return { problem: `is not read: ${deep}` };
  try {
    return { value: JSON.parse(text) as Json };
  } catch (error) {
    return { problem: `is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

/**
 * Reads every policy's state from Redis, skipping what cannot be read: a field that is not JSON, nested too
 * deep or larger than `MAX_STATE_FIELD_BYTES`, and a policy's whole state when its key is not a hash. Each
 * part skipped is told to `onUnreadable` and left as it is in Redis (a later write of the field replaces it).
 * @throws the Redis error when the set of policies cannot be read (e.g. its key is not a set), naming the key
 */
export async function readPolicyStates(redis: Redis, keys: RedisKeys, onUnreadable: (part: UnreadableState) => void = () => undefined): Promise<Map<string, Map<string, Json>>> {
  let policies: string[];
  try {
    policies = await redis.smembers(keys.policies);
  } catch (error) {
    throw new Error(`cannot read the set of policies with state (${keys.policies}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const states = new Map<string, Map<string, Json>>();
  for (let start = 0; start < policies.length; start += KEYS_PER_READ) {
    const chunk = policies.slice(start, start + KEYS_PER_READ);
    const stateKeys = chunk.map((policy) => keys.policyState(policy));
    const replies = (await redis.eval(READ_STATES_SCRIPT, stateKeys.length, ...stateKeys, MAX_STATE_FIELD_BYTES)) as (string | number)[][];
    chunk.forEach((policy, i) => {
      const key = stateKeys[i] as string;
      const [kind, ...fields] = replies[i] ?? ['none'];
      if (kind !== 'hash') {
        if (kind !== 'none') onUnreadable({ policy, key, problem: `is a ${String(kind)}, not a hash: the policy starts with empty state` });
        return;
      }
      const values = new Map<string, Json>();
      for (let f = 0; f + 1 < fields.length; f += 2) {
        const field = String(fields[f]);
        const text = fields[f + 1];
        const parsed = typeof text === 'number' ? { problem: `holds ${text} bytes, past the ${MAX_STATE_FIELD_BYTES} a field is read up to` } : parseField(text as string);
        if ('value' in parsed) values.set(field, parsed.value);
        else onUnreadable({ policy, key, field, problem: parsed.problem });
      }
      if (values.size > 0) states.set(policy, values);
    });
  }
  return states;
}
