import type { Redis } from 'ioredis';

/**
 * Heartbeat of one instance, atomically: KEYS[1] the members sorted set (score: expiry in Redis' clock, ms).
 * ARGV: owner, ttl (ms), 1 to join or 0 to leave. Drops members whose heartbeat expired; returns how many
 * are left. Redis' clock only, so instances' clocks need not agree.
 */
const HEARTBEAT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if ARGV[3] == '1' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) else redis.call('ZREM', KEYS[1], ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 10)
return redis.call('ZCARD', KEYS[1])
`;

/** The instances sharing a deployment's shards, as a sorted set of heartbeats in Redis (one slot: the namespace's tag). */
export class ShardMembership {
  private readonly key: string;

  constructor(private readonly redis: Redis, namespace: string, private readonly owner: string, private readonly ttlMs: number) {
    this.key = `homeostat:{${namespace}}:members`;
  }

  /** Says this instance is alive for one ttl more; returns how many instances are. @throws when Redis does not answer */
  async beat(): Promise<number> {
    return Number(await this.redis.eval(HEARTBEAT_SCRIPT, 1, this.key, this.owner, this.ttlMs, '1'));
  }

  /** Leaves at once (the others rebalance without waiting for the heartbeat to expire). */
  async leave(): Promise<void> {
    await this.redis.eval(HEARTBEAT_SCRIPT, 1, this.key, this.owner, this.ttlMs, '0').catch(() => undefined);
  }
}
