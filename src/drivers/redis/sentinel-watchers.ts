import type { Redis } from 'ioredis';
import { numberSensor } from '../../sensors/define-sensor.js';

/** The channel every Redis Sentinel subscribes to on each server it monitors (primary and replicas). */
export const SENTINEL_HELLO_CHANNEL = '__sentinel__:hello';

/** `sentinels`: how many Redis Sentinels watch the server (they fail it over themselves). */
export const SENTINELS_SENSOR = numberSensor('sentinels', {
  description: `Redis Sentinels watching this server (subscribers of \`${SENTINEL_HELLO_CHANNEL}\`): more than 0 means Sentinel fails its group over, and the failover policy stands down`,
});

/**
 * How many Redis Sentinels watch the server: the subscribers of their hello channel (`PUBSUB NUMSUB`).
 * Undefined when the server does not say (the command refused, e.g. by an ACL).
 */
export async function sentinelWatchers(client: Redis): Promise<number | undefined> {
  try {
    const reply = (await client.call('PUBSUB', 'NUMSUB', SENTINEL_HELLO_CHANNEL)) as unknown;
    const count = Array.isArray(reply) ? Number(reply[1]) : NaN;
    return Number.isInteger(count) && count >= 0 ? count : undefined;
  } catch {
    return undefined;
  }
}
