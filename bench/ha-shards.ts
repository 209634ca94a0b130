// Measures shards (not run in CI): INSTANCES `homeostat run --ha --shards` processes (default 4) sharing
// SHARD_GROUPS top-level subtrees of PER + 1 entities each (default 200 x 1 000: 200 001 entities), each subtree
// with a ticker policy acting every 5 s through an `http` effector on a local fenced target, on a redis-server of
// the bench's own (free port). Prints memory (RSS) and CPU per instance once the shards are shared out; then,
// with 2 or more instances, the time until the survivors lead every shard after one instance is killed with
// SIGKILL, and the time until the shards are shared out again after a new instance joins. The fenced target
// checks that no action was applied twice and that no stale token was accepted after a move.
// Run: npx tsx bench/ha-shards.ts; one instance at 50 000 entities: INSTANCES=1 SHARD_GROUPS=50 npx tsx bench/ha-shards.ts
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FencedTarget } from '../test/support/fenced-target.js';
import { TestRedisServer } from '../test/support/redis-server.js';
import { startInstance, until, type HaInstance } from '../test/cluster/ha-target.js';
import { emit } from './stats.js';

const GROUPS = Number(process.env['SHARD_GROUPS'] ?? 200);
const PER = Number(process.env['PER'] ?? 999);
const INSTANCES = Number(process.env['INSTANCES'] ?? 4);
const STEADY_S = Number(process.env['STEADY_S'] ?? 20);
const START_TIMEOUT_MS = Number(process.env['START_TIMEOUT_S'] ?? 900) * 1000;
const root = path.resolve(import.meta.dirname, '..');

/** CPU ticks (user + system) a process used so far. */
function ticks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[11]) + Number(f[12]);
}

/** Resident memory of a process (MiB). */
function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

/** Shards each instance leads, as its /health says; throws when one does not answer. */
async function ledBy(pool: readonly HaInstance[]): Promise<number[]> {
  return Promise.all(pool.map(async (i) => ((await (await fetch(`http://127.0.0.1:${i.port}/health`, { signal: AbortSignal.timeout(5_000) })).json()) as { leases: { role: string }[] }).leases.filter((l) => l.role === 'leader').length));
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0] ?? 0;
  const redis = await TestRedisServer.start();
  const target = await FencedTarget.start();
  const file = path.join(redis.dir, 'big.yaml');
  const policy = path.join(root, 'test/cluster/fixtures/ticker-policy.ts');
  const lines = ['name: big', 'application:', '  id: app', '  children:'];
  for (let g = 1; g <= GROUPS; g++) {
    lines.push(`    - id: g${g}`, `      effectors: [{ name: act, kind: http, method: POST, url: "http://127.0.0.1:${target.port}/act/{{id}}", status: [200], timeout: 2s }]`, `      policies: [{ module: ${policy}, config: { every: 5000 } }]`, '      children:');
    for (let e = 1; e <= PER; e++) lines.push(`        - { id: g${g}e${e} }`);
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  const entities = GROUPS * (PER + 1) + 1;
  const shards = GROUPS + 1;
  const pool: HaInstance[] = [];
  const result: Record<string, unknown> = { name: 'ha-shards', instances: INSTANCES, entities, shards };
  try {
    // every shard led, by every instance, at most its fair share each
    let reported = 0;
    const shared = async (p: HaInstance[]): Promise<number[] | undefined> => {
      const counts = await ledBy(p).catch((error: unknown) => {
        if (performance.now() - reported > 30_000) process.stderr.write(`not all instances answer yet: ${error instanceof Error ? error.message : String(error)}\n`);
        reported = performance.now() - reported > 30_000 ? performance.now() : reported;
        throw error;
      });
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        process.stderr.write(`shards led: ${counts.join('/')}\n`);
      }
      const share = Math.ceil(shards / p.length);
      return counts.reduce((a, b) => a + b, 0) === shards && counts.every((c) => c > 0 && c <= share) ? counts : undefined;
    };
    const started = performance.now();
    for (let i = 0; i < INSTANCES; i++) pool.push(await startInstance(file, redis.url, ['--shards']));
    const first = await until('shards shared out', START_TIMEOUT_MS, () => shared(pool));
    result['startSeconds'] = (performance.now() - started) / 1000;
    console.log(`${INSTANCES} instance(s), ${entities} entities, ${shards} shards: shared out ${(result['startSeconds'] as number).toFixed(1)} s after the first start, as ${first.join('/')}`);
    const before = pool.map((i) => ticks(i.child.pid as number));
    await new Promise((resolve) => setTimeout(resolve, STEADY_S * 1000));
    const rss: number[] = [];
    const cpu: number[] = [];
    for (const [k, i] of pool.entries()) {
      rss.push(rssMiB(i.child.pid as number));
      cpu.push((ticks(i.child.pid as number) - (before[k] ?? 0)) / 100 / STEADY_S);
      console.log(`instance ${k + 1}: RSS ${(rss.at(-1) ?? 0).toFixed(0)} MiB, CPU ${((cpu.at(-1) ?? 0) * 100).toFixed(1)} % of a core (${STEADY_S} s, steady state)`);
    }
    Object.assign(result, { rssMiB: rss.map(Math.round), cpuPercent: cpu.map((c) => Math.round(c * 1000) / 10) });
    if (INSTANCES >= 2) {
      const victim = pool.shift() as HaInstance;
      const killedAt = performance.now();
      victim.child.kill('SIGKILL');
      const after = await until('survivors lead every shard', 120_000, () => shared(pool));
      result['afterKillMs'] = Math.round(performance.now() - killedAt);
      console.log(`after kill -9 of one instance: the ${pool.length} survivors lead all ${shards} shards after ${result['afterKillMs']} ms, as ${after.join('/')}`);
      // one joins: from its start (it builds the whole tree first), and from its first answer on /health
      const spawnedAt = performance.now();
      const newcomer = await startInstance(file, redis.url, ['--shards']);
      pool.push(newcomer);
      await until('the new instance answers', START_TIMEOUT_MS, () => ledBy([newcomer]));
      const answeredAt = performance.now();
      const rebalanced = await until('shards shared out again', 120_000, () => shared(pool));
      result['joinStartMs'] = Math.round(answeredAt - spawnedAt);
      result['joinRebalanceMs'] = Math.round(performance.now() - answeredAt);
      console.log(`one instance joins: it answers ${result['joinStartMs']} ms after its start; shards shared out again ${result['joinRebalanceMs']} ms later, as ${rebalanced.join('/')}`);
    }
    Object.assign(result, { actions: target.accepted.length, refusedStale: target.requests.length - target.accepted.length, duplicates: target.duplicates().length, regressions: target.regressions().length, loadAtStart, loadAtEnd: os.loadavg()[0] ?? 0 });
    console.log(`${target.accepted.length} actions accepted, ${result['refusedStale']} refused as stale, ${target.duplicates().length} applied twice, ${target.regressions().length} token regressions; load average ${loadAtStart.toFixed(1)} at the start, ${(os.loadavg()[0] ?? 0).toFixed(1)} at the end`);
    emit(result);
  } finally {
    for (const i of pool) i.child.kill('SIGKILL');
    await target.close();
    await redis.dispose();
  }
}

await main();
