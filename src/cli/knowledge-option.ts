import { describeError } from '../core/errors.js';
import { RedisStore } from '../knowledge/redis/redis-store.js';
import { parseRedisUrl } from '../knowledge/redis/redis-url.js';
import type { KnowledgeStore } from '../knowledge/store.js';

/** Where `homeostat run` keeps knowledge: in memory (default) or in Redis. */
export interface KnowledgeChoice {
  /** `redis://...`, `redis+sentinel://...` or `redis+cluster://...`; `--redis`, else HOMEOSTAT_REDIS_URL (keeps a password off the command line). */
  readonly redisUrl?: string;
  /** Keys of this deployment; default from the blueprint's name. */
  readonly namespace?: string;
  /** Several instances, one acting: a lease in Redis with fencing tokens (needs Redis). */
  readonly ha?: boolean;
  /** Lease time (ms) with `ha`. Default 2 000. */
  readonly leaseMs?: number;
  /** With `ha`: replicas that must acknowledge every take and renewal of the lease (Redis WAIT). Default 0. */
  readonly minReplicaAcks?: number;
  /** With `ha`: each top-level subtree (and each marked `shard: true`) is a lease of its own, shared out among the instances. */
  readonly shards?: boolean;
}

/** A Redis namespace from a blueprint name: the characters a hash tag allows, at most 100. */
export function namespaceFor(blueprintName: string): string {
  const cleaned = blueprintName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
  return cleaned === '' ? 'default' : cleaned;
}

/**
 * Opens the store the options ask for; undefined means the in-memory default.
 * @throws Error with one clear sentence when Redis does not answer within the connect timeout (2 s; it is
 *   waited for until then): a service that cannot read its knowledge must not start with empty state and
 *   overwrite what an earlier run kept
 * @throws Error when the namespace holds the knowledge of another blueprint (see `claimNamespace`)
 */
export async function openKnowledgeStore(choice: KnowledgeChoice, blueprintName: string): Promise<KnowledgeStore | undefined> {
  const url = choice.redisUrl ?? process.env['HOMEOSTAT_REDIS_URL'];
  if (!url) return undefined;
  try {
    parseRedisUrl(url);
  } catch (error) {
    throw new Error(`--redis: ${describeError(error)}`);
  }
  const store = new RedisStore({ url, namespace: choice.namespace ?? namespaceFor(blueprintName) });
  try {
    // waits up to the connect timeout for Redis to answer (a start during a restart of Redis goes ahead)
    await store.connect();
  } catch (error) {
    await store.close().catch(() => undefined);
    // the error names the (masked) URL, how long it tried and why
    throw new Error(describeError(error));
  }
  try {
    // two blueprints in one namespace would run on each other's knowledge
    await store.claimFor(blueprintName);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new Error(describeError(error));
  }
  return store;
}
