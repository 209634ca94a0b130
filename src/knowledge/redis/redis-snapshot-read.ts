import type { Redis } from 'ioredis';
import type { SensorSnapshot, SnapshotQuery, UnreadableSnapshot } from '../store.js';
import type { RedisKeys } from './redis-keys.js';
import { MAX_STATE_FIELD_BYTES, parseField } from './redis-state-read.js';

/**
 * Reads fields of the snapshots hash: `{'hash', field, value, ...}` for the fields in ARGV[2..] that exist (every
 * field when none is named), a value past ARGV[1] bytes replaced by its length (an integer); `{type}` when the key
 * is of another type (`none` when it is missing).
 */
const READ_SNAPSHOTS_SCRIPT = `
local limit = tonumber(ARGV[1])
local key = KEYS[1]
local kind = redis.call('TYPE', key)['ok']
if kind ~= 'hash' then return {kind} end
local fields = {}
if #ARGV > 1 then
  for i = 2, #ARGV do
    if redis.call('HEXISTS', key, ARGV[i]) == 1 then fields[#fields + 1] = ARGV[i] end
  end
else
  fields = redis.call('HKEYS', key)
end
local out = {'hash'}
for _, field in ipairs(fields) do
  local size = redis.call('HSTRLEN', key, field)
  out[#out + 1] = field
  if size > limit then out[#out + 1] = size else out[#out + 1] = redis.call('HGET', key, field) end
end
return out
`;

/** The snapshots hash's field of one sensor. */
export function snapshotField(entity: string, sensor: string): string {
  return `${entity}\u0000${sensor}`;
}

/** A stored snapshot's text as the snapshot of the sensor its field names, or why it is not one. */
function parseSnapshot(text: string | number, entity: string, sensor: string): SensorSnapshot | { problem: string } {
  if (typeof text === 'number') return { problem: `holds ${text} bytes, past the ${MAX_STATE_FIELD_BYTES} a snapshot is read up to` };
  const read = parseField(text);
  if ('problem' in read) return read;
  const parsed: unknown = read.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'is not a JSON object' };
  const s = parsed as Record<string, unknown>;
  if (s['entity'] !== entity || s['sensor'] !== sensor) return { problem: 'names another entity or sensor than its field' };
  if (typeof s['at'] !== 'number' || !Number.isFinite(s['at'])) return { problem: "has no finite number 'at'" };
  if (!('value' in s)) return { problem: "has no 'value'" };
  return { entity, sensor, value: s['value'], at: s['at'] };
}

/**
 * Reads stored snapshots from Redis: those of `query`'s sensors, or every one (one script call over the whole
 * hash: for tools and tests, not for a service of a million sensors). What cannot be read (not JSON, nested too
 * deep, past `MAX_STATE_FIELD_BYTES`, not a snapshot of the sensor its field names) is skipped, told to
 * `onUnreadable`, and left as it is in Redis; a snapshots key of another type is one such part.
 */
export async function readSnapshots(redis: Redis, keys: RedisKeys, query?: SnapshotQuery, onUnreadable: (part: UnreadableSnapshot) => void = () => undefined): Promise<SensorSnapshot[]> {
  const key = keys.snapshots;
  const fields = query === undefined ? [] : query.sensors.map((sensor) => snapshotField(query.entity, sensor));
  if (query !== undefined && fields.length === 0) return [];
  const [kind, ...reply] = (await redis.eval(READ_SNAPSHOTS_SCRIPT, 1, key, MAX_STATE_FIELD_BYTES, ...fields)) as (string | number)[];
  if (kind !== 'hash') {
    if (kind !== 'none') onUnreadable({ key, entity: query?.entity ?? '', sensor: '', problem: `is a ${String(kind)}, not a hash: no snapshot is read` });
    return [];
  }
  const snapshots: SensorSnapshot[] = [];
  for (let f = 0; f + 1 < reply.length; f += 2) {
    const field = String(reply[f]);
    const split = field.indexOf('\u0000');
    const entity = split < 0 ? field : field.slice(0, split);
    const sensor = split < 0 ? '' : field.slice(split + 1);
    const parsed = parseSnapshot(reply[f + 1] as string | number, entity, sensor);
    if ('problem' in parsed) onUnreadable({ key, entity, sensor, problem: parsed.problem });
    else snapshots.push(parsed);
  }
  return snapshots;
}
