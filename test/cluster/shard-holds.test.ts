// Across shards, with real processes: two `homeostat run --ha --shards` instances share the shards of one
// blueprint on a redis-server of the test's own, driving a fenced HTTP target. An ancestor's plan running on
// the instance that holds the root's shard holds the subtrees the other instance acts in (their plans are
// `preempted`, naming the holder), and its actions on entities of the other's shards are run by that
// instance under its own fencing token, once (as is a person's call through the API of the instance that
// does not hold the entity's shard). A budget on the root counts the actions of both instances.
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
// the default lease (2 s): on a loaded machine a 1 s lease lapses whenever a process is not scheduled for 0.75 s, and shards move
const ARGS = ['--shards'];
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

/** Who leads which shard, as the instances say over the test: their names, and the tokens each led a shard under. */
class Leadership {
  readonly owners: Array<string | undefined> = [];
  private readonly tokens: Array<Map<string, Set<number>>>;

  constructor(private readonly pool: readonly HaInstance[]) {
    this.tokens = pool.map(() => new Map());
  }

  /** The shards each instance leads now (an empty list for one that does not answer). */
  async read(): Promise<string[][]> {
    return Promise.all(this.pool.map(async (instance, i) => {
      const led = (await leases(instance).catch(() => [])).filter((l) => l.role === 'leader');
      for (const lease of led) {
        this.owners[i] = lease.holder ?? this.owners[i];
        const mine = this.tokens[i] as Map<string, Set<number>>;
        if (lease.token !== undefined) mine.set(lease.shard, (mine.get(lease.shard) ?? new Set()).add(lease.token));
      }
      return led.map((l) => l.shard);
    }));
  }

  /** The instance that led `shard` under `token`, if one was seen to. */
  ledWith(shard: string, token: number | undefined): number | undefined {
    const index = this.tokens.findIndex((mine) => token !== undefined && mine.get(shard)?.has(token));
    return index < 0 ? undefined : index;
  }
}

async function decisions(instance: HaInstance, query: string): Promise<Decision[]> {
  return (await (await fetch(`http://127.0.0.1:${instance.port}/decisions?limit=1000&${query}`, { signal: AbortSignal.timeout(5_000) })).json()) as Decision[];
}

/** Each ticker policy of an instance as `id state executor suspended faults` (for a failure's message). */
async function tickerStates(instance: HaInstance): Promise<string[]> {
  const body = (await (await fetch(`http://127.0.0.1:${instance.port}/policies`, { signal: AbortSignal.timeout(5_000) })).json()) as Array<{ id: string; state: string; executor: string; suspended: boolean; faults: number }>;
  return body.filter((p) => p.id.endsWith('/ticker')).map((p) => `${p.id} ${p.state} ${p.executor}${p.suspended ? ' suspended' : ''} faults=${p.faults}`);
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
    await until('2 instances sharing 3 shards', START_MS, () => sharedOut(pool, ['app', 's1', 's2']));
    // shards may move while the test runs (a loaded machine stalls a process past its lease): every probe
    // reads who leads what now, and what each instance ever led under which token
    const seen = new Leadership(pool);

    // while the ancestor's plan runs, the plans of a subtree the other instance holds are preempted, the holder named
    const preempted = await until('a child\'s plan on one instance preempted by app/fanout running on the other', 60_000, async () => {
      const now = await seen.read();
      const decider = now.findIndex((mine) => mine.includes('app'));
      for (const shard of ['s1', 's2']) {
        const actor = now.findIndex((mine) => mine.includes(shard));
        if (decider < 0 || actor < 0 || decider === actor) continue;
        const named = `held: app/fanout is running a plan on the subtree of app (on instance ${seen.owners[decider] ?? '?'})`;
        const found = await decisions(pool[actor] as HaInstance, `policy=${shard}/ticker&outcome=preempted`);
        if (found.some((d) => d.detail === named)) return shard;
      }
      return undefined;
    });

    // the ancestor's action on a child's shard, decided on one instance, ran on the other under its own token, once
    const ran = await until('app/fanout on one instance acting on a child through the other', 60_000, async () => {
      await seen.read();
      const applied = new Map((await decisions(pool[0] as HaInstance, 'policy=app/fanout&outcome=applied')).map((d) => [d.id, d]));
      for (const request of target.accepted) {
        const decision = request.key === undefined ? undefined : applied.get(request.key);
        const shard = request.path.slice('/act/'.length);
        if (!decision || !request.path.startsWith('/act/')) continue;
        const hold = target.accepted.find((r) => r.path === '/slow/app' && r.key === request.key);
        const decider = seen.ledWith('app', hold?.token);
        const actor = seen.ledWith(shard, request.token);
        if (decider !== undefined && actor !== undefined && decider !== actor) return { decision, shard };
      }
      return undefined;
    });
    expect(ran.decision.actions.map((x) => x.entity)).toEqual(['app', 's1', 's2']);
    expect(ran.decision.entity).toBe('app');

    // a person's call through the API of an instance that does not hold the entity's shard runs on its holder
    const called = await until('a person\'s call handed to the holder of the shard', 60_000, async () => {
      const now = await seen.read();
      for (const shard of ['s1', 's2']) {
        const asked = now.findIndex((mine) => mine.length > 0 && !mine.includes(shard));
        const holder = now.findIndex((mine) => mine.includes(shard));
        if (asked < 0 || holder < 0) continue;
        const response = await fetch(`http://127.0.0.1:${(pool[asked] as HaInstance).port}/entities/${shard}/effectors/act?wait=20000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(25_000) });
        if (response.status !== 200) continue;
        const request = target.accepted.find((r) => r.path === `/act/${shard}` && r.key?.startsWith('inv-') && seen.ledWith(shard, r.token) === holder);
        if (request) return { shard, asked, holder };
      }
      return undefined;
    });
    expect(called.asked).not.toBe(called.holder);

    expect(target.duplicates()).toEqual([]);
    expect(target.regressions()).toEqual([]);
    console.log(`crossholds: shared out and checked in ${((performance.now() - started) / 1000).toFixed(1)} s (preempted in ${preempted}, handed over in ${ran.shard}); ${target.accepted.length} actions accepted, ${target.requests.length - target.accepted.length} refused as stale`);
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
    await until('2 instances sharing 4 shards, each acting in a subtree', START_MS, async () => {
      const all = await sharedOut(pool, ['app', 'b1', 'b2', 'b3']);
      return all?.every((mine) => mine.some((l) => l.shard !== 'app')) ? all : undefined;
    });
    // with both instances acting (10 plans a second in each subtree), every subtree's plans are refused once
    // the two together spent the budget, and a plan refused by the budget in Redis says so. An instance that
    // spent the budget alone (it started first and held every shard) refuses its own plans locally, in every
    // subtree, before the other decides anything: the other's refusal comes with its first plans in the
    // subtrees it took, so it is waited for, not looked for in the first answer that has every subtree
    const shared = `${budget} of ${budget} actions used in the last 600 s by every instance`;
    await until('rate_limited decisions in every subtree, one of them by the budget every instance spends', 60_000, async () => {
      const found = await Promise.all(['b1', 'b2', 'b3'].map((shard) => decisions(pool[0] as HaInstance, `policy=${shard}/ticker&outcome=rate_limited`)));
      return found.every((mine) => mine.length > 0) && found.flat().some((d) => d.detail?.includes(shared)) ? true : undefined;
    }).catch(async (error: unknown) => {
      const all = await decisions(pool[0] as HaInstance, '');
      const counts = new Map<string, number>();
      for (const d of all) {
        const key = `${d.policy} ${d.outcome}${d.detail?.includes('by every instance') ? ' (budget in Redis)' : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + (d.count ?? 1));
      }
      const now = await Promise.all(pool.map((p) => leases(p).catch(() => [])));
      // what each instance says of its tickers (running, suspended, the executor's phase): a subtree led by an
      // instance whose tickers decide nothing shows here whether they run, wait or are held
      const tickers = await Promise.all(pool.map((p) => tickerStates(p).catch((e: unknown) => [String(e)])));
      throw new Error(`${String(error)}; decisions: ${JSON.stringify([...counts])}; leases: ${JSON.stringify(now.map((l) => l.map((x) => `${x.shard}:${x.role}`)))}; tickers: ${JSON.stringify(tickers)}; last: ${JSON.stringify(all.slice(0, 3).map((d) => [d.policy, d.outcome, d.detail]))}`);
    });
    const accepted = target.accepted.filter((r) => r.path.startsWith('/act/'));
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(budget);
    expect(target.duplicates()).toEqual([]);
    console.log(`crossbudget: ${accepted.length} of ${budget} actions accepted across 2 instances (${new Set(accepted.map((r) => r.path)).size} subtrees)`);
  }, START_MS + 120_000);
});
