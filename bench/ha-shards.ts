// Measures shards (not run in CI): 4 `homeostat run --ha --shards` instances sharing 200 top-level subtrees of
// 1 000 entities each (200 001 entities), each subtree with a ticker policy acting every 5 s on a local HTTP
// target. Prints memory (RSS) and CPU per instance once the shards are shared out, and the time until the
// 3 survivors lead every shard after one instance is killed with SIGKILL. Run: npx tsx bench/ha-shards.ts
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FencedTarget } from '../test/support/fenced-target.js';
import { TestRedisServer } from '../test/support/redis-server.js';
import { startInstance, until, type HaInstance } from '../test/cluster/ha-target.js';

const GROUPS = Number(process.env['SHARD_GROUPS'] ?? 200);
const PER = Number(process.env['PER'] ?? 999);
const INSTANCES = Number(process.env['INSTANCES'] ?? 4);
const root = path.resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
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
  const shards = GROUPS + 1;
  const pool: HaInstance[] = [];
  const started = performance.now();
  for (let i = 0; i < INSTANCES; i++) pool.push(await startInstance(file, redis.url, ['--shards'], undefined));
  const led = async (p: HaInstance[]): Promise<number[] | undefined> => {
    const counts = await Promise.all(p.map(async (i) => ((await (await fetch(`http://127.0.0.1:${i.port}/health`, { signal: AbortSignal.timeout(5_000) })).json()) as { leases: { role: string }[] }).leases.filter((l) => l.role === 'leader').length));
    return counts.reduce((a, b) => a + b, 0) === shards && counts.every((c) => c > 0) ? counts : undefined;
  };
  const first = await until('shards shared out', 600_000, () => led(pool));
  console.log(`${INSTANCES} instances, ${GROUPS * (PER + 1) + 1} entities, ${shards} shards: shared out ${((performance.now() - started) / 1000).toFixed(1)} s after the first start, as ${first.join('/')}`);
  const ticks = (pid: number): number => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(f[11]) + Number(f[12]);
  };
  const before = pool.map((i) => ticks(i.child.pid as number));
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  for (const [k, i] of pool.entries()) {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${i.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    const cpu = (ticks(i.child.pid as number) - (before[k] ?? 0)) / 100 / 20;
    console.log(`instance ${k + 1}: RSS ${rss.toFixed(0)} MiB, CPU ${(cpu * 100).toFixed(1)} % of a core (20 s, steady state)`);
  }
  const victim = pool.shift() as HaInstance;
  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  const after = await until('survivors lead every shard', 120_000, () => led(pool));
  console.log(`after kill -9 of one instance: the ${pool.length} survivors lead all ${shards} shards after ${(performance.now() - killedAt).toFixed(0)} ms, as ${after.join('/')}`);
  console.log(`${target.accepted.length} actions accepted, ${target.duplicates().length} duplicates, ${target.regressions().length} token regressions`);
  for (const i of pool) i.child.kill('SIGKILL');
  await target.close();
  await redis.dispose();
}

await main();
