import { createHash } from 'node:crypto';

/**
 * How a sharded deployment cuts its tree into leases, as a short fingerprint: each shard with the shard it
 * lies in (none for the root's own). Instances whose blueprints give the same shards the same nesting share
 * one layout and may act side by side; a shard marked in one blueprint and not in another, or a subtree moved
 * under another shard, gives another layout, whose leases would cover the same entities under other names.
 * (An entity moved from one subtree to another, the shards unchanged, is not seen.)
 * @param parentShard the shard a shard's parent entity belongs to, undefined for the root's own shard
 */
export function shardLayout(shards: readonly string[], parentShard: (shard: string) => string | undefined): string {
  const nesting = [...shards].sort().map((shard) => [shard, parentShard(shard) ?? null]);
  return `shards ${createHash('sha256').update(JSON.stringify(nesting)).digest('hex').slice(0, 16)}`;
}
