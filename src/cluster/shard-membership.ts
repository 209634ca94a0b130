import type { Redis } from 'ioredis';
import { layoutKey } from './lease.js';

/**
 * Heartbeat of one instance, atomically: KEYS[1] the members sorted set (score: expiry in Redis' clock, ms),
 * KEYS[2] the layout the members share. ARGV: owner, ttl (ms), 1 to join or 0 to leave (or stay out), this
 * instance's layout. Drops members whose heartbeat expired; returns how many are left, or -1 when instances
 * of another layout hold it (this one is then no member: it does not act, so it must not lower the others'
 * share). A member keeps the layout named for one ttl more at least. Redis' clock only, so instances' clocks
 * need not agree.
 */
const HEARTBEAT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
local layout = redis.call('GET', KEYS[2])
local other = layout and layout ~= ARGV[4]
local joining = ARGV[3] == '1' and not other
if joining then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('SET', KEYS[2], ARGV[4], 'PX', ttl) end
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 10)
if other then return -1 end
return redis.call('ZCARD', KEYS[1])
`;

/** The instances sharing a deployment's shards, as a sorted set of heartbeats in Redis (one slot: the namespace's tag). */
export class ShardMembership {
  private readonly key: string;
  private readonly layoutKey: string;

  constructor(private readonly redis: Redis, namespace: string, private readonly owner: string, private readonly ttlMs: number, private readonly layout: string) {
    this.key = `homeostat:{${namespace}}:members`;
    this.layoutKey = layoutKey(namespace);
  }

  /**
   * Says this instance is alive for one ttl more; returns how many instances are, or undefined when instances
   * of another layout hold the deployment (this one is then not counted).
   * @param counted false while this instance cannot act (it cannot read knowledge): it is then left out of the
   *   count, so that the others' share covers the shards it gives up, and the count is of the others
   * @throws when Redis does not answer
   */
  async beat(counted = true): Promise<number | undefined> {
    const count = Number(await this.redis.eval(HEARTBEAT_SCRIPT, 2, this.key, this.layoutKey, this.owner, this.ttlMs, counted ? '1' : '0', this.layout));
    return count < 0 ? undefined : count;
  }

  /** Leaves at once (the others rebalance without waiting for the heartbeat to expire). */
  async leave(): Promise<void> {
    await this.redis.eval(HEARTBEAT_SCRIPT, 2, this.key, this.layoutKey, this.owner, this.ttlMs, '0', this.layout).catch(() => undefined);
  }
}
