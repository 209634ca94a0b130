// Across shards, with real processes: two `homeostat run --ha --shards` instances share the shards of one
// blueprint on a redis-server of the test's own, driving a fenced HTTP target. An ancestor's plan running on
// the instance that holds the root's shard holds the subtrees the other instance acts in (their plans are
// `preempted`, naming the holder), and its actions on entities of the other's shards are run by that
// instance under its own fencing token, once. A budget on the root counts the actions of both instances.
// Every wait polls a condition with a generous bound: process start alone can take tens of seconds on a
// loaded machine.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { FencedTarget } from '../support/fenced-target.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startInstance, until, type HaInstance } from './ha-target.js';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string): string => path.join(root, 'test/cluster/fixtures', name);
const ARGS = ['--lease', '1000', '--shards'];
const START_MS = 120_000;

let redis: TestRedisServer;
const children = new Set<ChildProcess>();
const targets: FencedTarget[] = [];

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});

afterAll(async () => {
  for (const target of targets) await target.close();
  await redis.dispose();
});

interface Lease {
  readonly shard: string;
  readonly role: string;
  readonly token?: number;
  readonly holder?: string;
}

async function leases(instance: HaInstance): Promise<Lease[]> {
  const body = (await (await fetch(`http://127.0.0.1:${instance.port}/health`, { signal: AbortSignal.timeout(2_000) })).json()) as { leases: Lease[] };
  return body.leases;
}

/** The shards each instance leads, once every shard is led by exactly one instance and each leads one at least. */
async function sharedOut(pool: HaInstance[], shards: readonly string[]): Promise<Lease[][] | undefined> {
  const all = await Promise.all(pool.map(async (instance) => (await leases(instance)).filter((l) => l.role === 'leader')));
  const led = all.flat().map((l) => l.shard).sort();
  return led.join() === [...shards].sort().join() && all.every((mine) => mine.length >= 1) ? all : undefined;
}

async function decisions(instance: HaInstance, query: string): Promise<Decision[]> {
  return (await (await fetch(`http://127.0.0.1:${instance.port}/decisions?limit=1000&${query}`, { signal: AbortSignal.timeout(5_000) })).json()) as Decision[];
}

async function blueprintFile(name: string, yaml: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'homeostat-shard-holds-')), `${name}.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** A child entity with an `act` effector on the target and a ticker acting on itself every `everyMs`. */
function tickingChild(id: string, target: FencedTarget, everyMs: number): string {
  return [
    `    - id: ${id}`,
    '      effectors:',
    `        - { name: act, kind: http, method: POST, url: "http://127.0.0.1:${target.port}/act/{{id}}", status: [200], timeout: 5s }`,
    '      policies:',
    `        - { module: ${fixture('ticker-policy.ts')}, config: { every: ${everyMs} } }`,
  ].join('\n');
}

describe('homeostat run --ha --shards, across shards', () => {
  it('an ancestor\'s running plan holds the other instance\'s subtrees, and its actions there run on their holder, once', async () => {
    const target = await FencedTarget.start({ slowMs: 1_500 });
    targets.push(target);
    const blueprint = await blueprintFile('crossholds', [
      'name: crossholds',
      'application:',
      '  id: app',
      '  effectors:',
      `    - { name: hold, kind: http, method: POST, url: "http://127.0.0.1:${target.port}/slow/{{id}}", status: [200], timeout: 10s }`,
      '  policies:',
      `    - { module: ${fixture('fanout-policy.ts')}, config: { every: 200, targets: [s1, s2] } }`,
      '  children:',
      tickingChild('s1', target, 100),
      tickingChild('s2', target, 100),
      '',
    ].join('\n'));
    const started = performance.now();
    const pool = await Promise.all([0, 1].map(() => startInstance(blueprint, redis.url, ARGS, children)));
    const held = await until('2 instances sharing 3 shards', START_MS, () => sharedOut(pool, ['app', 's1', 's2']));
    const a = held.findIndex((mine) => mine.some((l) => l.shard === 'app'));
    const [ancestor, other] = [pool[a] as HaInstance, pool[1 - a] as HaInstance];
    const owner = (held[a]?.find((l) => l.shard === 'app')?.holder ?? '') as string;
    const theirs = (held[1 - a] ?? []).map((l) => l.shard);
    expect(theirs.length).toBeGreaterThanOrEqual(1);
    expect(theirs).not.toContain('app');
    expect(owner).not.toBe('');

    for (const shard of theirs) {
      // the other instance's own plans there are preempted while the ancestor's plan runs, the holder named
      const preempted = await until(`a plan of ${shard} preempted by app/fanout`, 60_000, async () => {
        const found = (await decisions(other, `policy=${shard}/ticker&outcome=preempted`)).filter((d) => d.detail?.includes('app/fanout') && d.detail.includes(owner));
        return found.length > 0 ? found : undefined;
      });
      expect(preempted[0]?.detail).toContain(`held: app/fanout is running a plan on the subtree of app (on instance ${owner})`);

      // the ancestor's action on that shard ran on its holder, under the holder's token, as part of one applied decision
      const ran = await until(`app/fanout acting on ${shard} through its holder`, 60_000, async () => {
        const token = (await leases(other)).find((l) => l.shard === shard && l.role === 'leader')?.token;
        const applied = await decisions(ancestor, 'policy=app/fanout&outcome=applied');
        const ids = new Set(applied.map((d) => d.id));
        const request = target.accepted.find((r) => r.path === `/act/${shard}` && r.key !== undefined && ids.has(r.key) && r.token === token);
        return request ? { request, decision: applied.find((d) => d.id === request.key) as Decision } : undefined;
      });
      expect(ran.decision.actions.map((x) => x.entity)).toEqual(['app', 's1', 's2']);
      expect(ran.decision.entity).toBe('app');
    }

    // the ancestor's plans are no longer `suspended` for acting outside its shards once both instances act
    const settled = await decisions(ancestor, 'policy=app/fanout&outcome=applied');
    expect(settled.length).toBeGreaterThan(0);
    expect(target.duplicates()).toEqual([]);
    expect(target.regressions()).toEqual([]);
    console.log(`crossholds: shared out and checked in ${((performance.now() - started) / 1000).toFixed(1)} s; ${target.accepted.length} actions accepted, ${target.requests.length - target.accepted.length} refused as stale`);
  }, START_MS + 180_000);

  it('a budget on the root counts the actions of every instance', async () => {
    const target = await FencedTarget.start();
    targets.push(target);
    const budget = 8;
    const blueprint = await blueprintFile('crossbudget', [
      'name: crossbudget',
      'application:',
      '  id: app',
      `  budget: { actions: ${budget}, window: 10m }`,
      '  children:',
      tickingChild('b1', target, 100),
      tickingChild('b2', target, 100),
      tickingChild('b3', target, 100),
      '',
    ].join('\n'));
    const pool = await Promise.all([0, 1].map(() => startInstance(blueprint, redis.url, ARGS, children)));
    const held = await until('2 instances sharing 4 shards, each acting in a subtree', START_MS, async () => {
      const all = await sharedOut(pool, ['app', 'b1', 'b2', 'b3']);
      return all?.every((mine) => mine.some((l) => l.shard !== 'app')) ? all : undefined;
    });
    // each instance's plans are refused once both together spent the budget
    for (const [index, instance] of pool.entries()) {
      const mine = (held[index] ?? []).map((l) => l.shard).filter((s) => s !== 'app');
      await until(`rate_limited decisions on the shards of instance ${index}`, 60_000, async () => {
        const found = await Promise.all(mine.map((shard) => decisions(instance, `policy=${shard}/ticker&outcome=rate_limited`)));
        return found.flat().some((d) => d.detail?.includes('by every instance')) ? true : undefined;
      }).catch(async (error: unknown) => {
        const seen = await decisions(instance, '');
        throw new Error(`${String(error)}; it held ${mine.join(', ')}; decisions: ${JSON.stringify(seen.slice(0, 5).map((d) => [d.policy, d.outcome, d.detail]))}; targets accepted ${target.accepted.length}`);
      });
    }
    const accepted = target.accepted.filter((r) => r.path.startsWith('/act/'));
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(budget);
    expect(target.duplicates()).toEqual([]);
    console.log(`crossbudget: ${accepted.length} of ${budget} actions accepted across 2 instances (${new Set(accepted.map((r) => r.path)).size} subtrees)`);
  }, START_MS + 120_000);
});
