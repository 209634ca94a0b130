// Shards: `homeostat run --ha --shards` processes share the top-level subtrees of one blueprint out, one
// lease each, on a redis-server of the test's own, driving a fenced HTTP target (one resource per shard).
// Each shard is led by exactly one instance, each instance holds about its share; when one is killed with
// SIGKILL its shards move within a bounded time, and a joining instance takes its share. No action is
// accepted twice and no shard's token goes back. Real processes and time; every wait is bounded.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FencedTarget } from '../support/fenced-target.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startInstance, tickerBlueprint, until, type HaInstance } from './ha-target.js';

let redis: TestRedisServer;
let target: FencedTarget;
let blueprint: string;
const children = new Set<ChildProcess>();
const SHARDS = ['app', 's1', 's2', 's3', 's4', 's5', 's6'];
const ARGS = ['--lease', '1000', '--shards'];

beforeAll(async () => {
  redis = await TestRedisServer.start();
  target = await FencedTarget.start();
  blueprint = await tickerBlueprint(target.port, 100, SHARDS.length - 1);
}, 20_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await target.close();
  await redis.dispose();
});

/** The shards each instance leads, by instance index; undefined when an instance does not answer. */
async function holdings(pool: HaInstance[]): Promise<string[][] | undefined> {
  const all = await Promise.all(
    pool.map(async (instance) => {
      const body = (await (await fetch(`http://127.0.0.1:${instance.port}/health`, { signal: AbortSignal.timeout(1_000) })).json()) as { leases: { shard: string; role: string }[] };
      return body.leases.filter((l) => l.role === 'leader').map((l) => l.shard);
    }),
  ).catch(() => undefined);
  return all;
}

/** Every shard led by exactly one instance, and every instance within its share. */
async function balanced(pool: HaInstance[]): Promise<string[][] | undefined> {
  const held = await holdings(pool);
  if (!held) return undefined;
  const share = Math.ceil(SHARDS.length / pool.length);
  const flat = held.flat().sort();
  return flat.join() === [...SHARDS].sort().join() && held.every((h) => h.length >= 1 && h.length <= share) ? held : undefined;
}

describe('homeostat run --ha --shards', () => {
  it('shares shards out, moves a dead instance\'s shards within a bounded time, takes a new one in, never acts twice', async () => {
    const pool = await Promise.all([0, 1, 2].map(() => startInstance(blueprint, redis.url, ARGS, children)));
    // process start alone takes 30 s and more on a loaded 2-core machine: the bound is on the start, not on the sharing
    const first = await until('shards shared out among 3 instances', 120_000, () => balanced(pool));
    expect(first.map((h) => h.length).sort()).not.toContain(0);
    const metrics = await (await fetch(`http://127.0.0.1:${pool[0]?.port}/metrics`)).text();
    for (const shard of SHARDS) expect(metrics).toMatch(new RegExp(`homeostat_leader\\{shard="${shard}"\\} [01]`));
    await until('every shard acting', 15_000, () => (SHARDS.slice(1).every((s) => target.accepted.some((r) => r.path === `/act/${s}`)) ? true : undefined));

    // kill -9 of the instance holding the most shards
    const victim = pool[first.indexOf(first.reduce((a, b) => (b.length > a.length ? b : a)))] as HaInstance;
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    pool.splice(pool.indexOf(victim), 1);
    const after = await until('the dead instance\'s shards moved', 15_000, () => balanced(pool));
    const moveMs = performance.now() - killedAt;
    expect(after.flat()).toHaveLength(SHARDS.length);
    expect(moveMs).toBeLessThan(8_000); // lease (1 s) + heartbeat expiry (1 s) + renewals, with room for a busy machine

    // a new instance joins and takes its share; the others release cleanly
    const joinedAt = performance.now();
    pool.push(await startInstance(blueprint, redis.url, ARGS, children));
    await until('the new instance takes its share', 120_000, async () => {
      const held = await balanced(pool);
      return held && (held.at(-1)?.length ?? 0) >= 1 ? held : undefined;
    });
    const joinMs = performance.now() - joinedAt;
    const settledAt = Date.now();
    await until('every shard acting after the moves', 15_000, () => (SHARDS.slice(1).every((s) => target.accepted.some((r) => r.path === `/act/${s}` && r.at > settledAt)) ? true : undefined));

    expect(target.duplicates()).toEqual([]);
    expect(target.regressions()).toEqual([]);
    console.log(`shards moved ${moveMs.toFixed(0)} ms after kill -9; a joining instance held its share after ${joinMs.toFixed(0)} ms (process start included); ${target.accepted.length} actions, ${target.requests.length - target.accepted.length} refused as stale`);
  }, 330_000);
});
