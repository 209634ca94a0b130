// Redis failing over on its own: a primary, two replicas and three Sentinels of the test's own; two
// `homeostat run --ha --redis redis+sentinel://... --min-replica-acks 1` processes drive a fenced HTTP
// target. The Redis primary is killed with SIGKILL while they run: the Sentinels promote a replica, the
// instances follow it, and actions go on under tokens the target accepts (never lower than before: the
// counter is floored at Redis' clock, and a lease found missing is waited out), with one leader at the end.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FencedTarget } from '../support/fenced-target.js';
import { TestRedisSentinel } from '../support/redis-sentinel.js';
import { leaseOf, startInstance, tickerBlueprint, until, type HaInstance } from './ha-target.js';

let redis: TestRedisSentinel;
let target: FencedTarget;
let blueprint: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await TestRedisSentinel.start({ replicas: 2 });
  target = await FencedTarget.start();
  blueprint = await tickerBlueprint(target.port);
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await target?.close();
  await redis?.dispose();
});

async function leaders(pool: HaInstance[]): Promise<{ role: string; token?: number; holder?: string }[]> {
  const seen = await Promise.all(pool.map((i) => leaseOf(i)));
  return seen.filter((l): l is { role: string; token?: number; holder?: string } => l?.role === 'leader');
}

describe('homeostat run --ha through Sentinel', () => {
  it('follows a failover of the Redis primary: tokens stay monotonic, no action twice, one leader acts after it', async () => {
    const pool = await Promise.all([0, 1].map(() => startInstance(blueprint, redis.url, ['--lease', '1000', '--min-replica-acks', '1'], children)));
    await until('a leader', 30_000, async () => ((await leaders(pool)).length === 1 ? true : undefined));
    await until('actions accepted', 30_000, () => (target.accepted.length > 3 ? true : undefined));
    const oldPrimary = redis.primaryPort();
    const before = Math.max(...target.accepted.map((r) => r.token ?? 0));
    const killedAt = performance.now();
    await redis.killPrimary();
    await until('the Sentinels promote a replica', 30_000, () => (redis.primaryPort() !== oldPrimary ? true : undefined));
    const promoted = performance.now() - killedAt;
    const after = await until('an action accepted after the failover', 30_000, () => target.accepted.find((r) => (r.token ?? 0) > before));
    const resumed = performance.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(target.duplicates()).toEqual([]);
    expect(target.regressions()).toEqual([]);
    expect(after.token).toBeGreaterThan(before);
    const acceptedAfter = target.accepted.filter((r) => r.at >= after.at);
    expect(acceptedAfter.length).toBeGreaterThan(3);
    // one leader acts after the failover: every action since is under one token, and one instance says it leads
    expect(new Set(acceptedAfter.map((r) => r.token)).size).toBe(1);
    const now = await until('exactly one leader', 10_000, async () => {
      const l = await leaders(pool);
      return l.length === 1 ? l[0] : undefined;
    });
    expect(now.token).toBe(after.token);
    console.log(`Redis primary killed: replica promoted after ${promoted.toFixed(0)} ms, actions again after ${resumed.toFixed(0)} ms; token ${before} -> ${after.token}; ${target.requests.length - target.accepted.length} refused as stale`);
  }, 120_000);
});
