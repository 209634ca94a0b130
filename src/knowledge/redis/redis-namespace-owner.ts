import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * Claims a namespace for one blueprint, by name: the first instance with Redis writes its blueprint's name
 * (`homeostat:{ns}:blueprint`, kept with the data); an instance of another blueprint is refused, since the two
 * would read and write each other's policy state and logs (with `--ha` the second would also stand by behind
 * the first's lease, and on a takeover run on the first's state). The name, not the tree, is compared: a new
 * version of a blueprint (a rolling upgrade that adds a policy) keeps its name and its knowledge.
 * @throws Error naming the namespace, both blueprints, and what to do, when another blueprint holds it
 * @throws Error naming the key when it is not a string
 */
export async function claimNamespace(redis: Redis, keys: RedisKeys, blueprint: string): Promise<void> {
  const key = keys.blueprint;
  let holder: string | null;
  try {
    if ((await redis.set(key, blueprint, 'NX')) === 'OK') return;
    holder = await redis.get(key);
  } catch (error) {
    throw new Error(`cannot read which blueprint Redis namespace '${keys.namespace}' belongs to (${key}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (holder === null) return claimNamespace(redis, keys, blueprint); // deleted in between: claim it again
  if (holder === blueprint) return;
  throw new Error(
    `Redis namespace '${keys.namespace}' holds the knowledge of blueprint '${holder}', not '${blueprint}': two blueprints would read and write each other's policy state and logs. ` +
      `Give this one its own --redis-namespace, or, if the namespace is meant to move to '${blueprint}', delete ${key} first`,
  );
}
