/**
 * `npm run bench:failover`: homeostat's failover policy over a redis-replication-group against Redis
 * Sentinel, on the same faults, in one run. Each repetition starts a primary and two replicas (real
 * redis-server processes on free ports), the system under test, a writer of numbered keys that records each
 * acknowledged write, and a probe that tries a write on every server every 50 ms; then it injects the fault.
 * Environment: BENCH_REPS (default 20), BENCH_DETECTION_MS (default 1000), BENCH_SYSTEMS (default
 * `homeostat,sentinel`), BENCH_FAULTS (default `kill,stop`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestRedisServer } from '../../test/support/redis-server.js';
import { lostWrites, once, sleep, Writer, WriteProbe } from './redis-parts.js';
import { homeostat, sentinel, type SystemUnderTest } from './systems.js';

type Fault = 'kill -9' | 'SIGSTOP';

interface Outcome {
  readonly toWritableMs: number | undefined;
  readonly acked: number;
  readonly lost: number;
  readonly twoWritable: number;
  readonly oldPrimary: string;
}

async function replicated(): Promise<TestRedisServer[]> {
  const servers = [await TestRedisServer.start(), await TestRedisServer.start(), await TestRedisServer.start()];
  const primary = servers[0] as TestRedisServer;
  await once(primary.port, (c) => c.config('SET', 'repl-diskless-sync-delay', '0'));
  for (const r of servers.slice(1)) await once(r.port, (c) => c.replicaof('127.0.0.1', primary.port), 2_000);
  for (let i = 0; i < 200; i++) {
    const info = (await once(primary.port, (c) => c.info('replication'))) ?? '';
    if ((info.match(/state=online/g) ?? []).length === 2) return servers;
    await sleep(50);
  }
  throw new Error('replicas did not come online');
}

async function roleOf(port: number): Promise<string> {
  const info = await once(port, (c) => c.info('replication'), 1_000);
  return info === undefined ? 'down' : /role:master/.test(info) ? 'primary' : 'replica';
}

async function repetition(system: SystemUnderTest, fault: Fault, detectionMs: number): Promise<Outcome> {
  const servers = await replicated();
  const ports = servers.map((s) => s.port);
  const old = servers[0] as TestRedisServer;
  try {
    await system.start(servers);
    const writer = new Writer(() => system.resolve());
    const probe = new WriteProbe(ports, 50);
    writer.start();
    probe.start();
    await sleep(1_000);
    const faultAt = performance.now();
    if (fault === 'kill -9') await old.stop();
    else old.pause();
    let writableAt: number | undefined;
    while (performance.now() - faultAt < 30_000 + 2 * detectionMs && writableAt === undefined) {
      writableAt = probe.samples.find((s) => s.at > faultAt && s.writable.some((p) => p !== old.port))?.at;
      await sleep(20);
    }
    if (fault === 'SIGSTOP') {
      await sleep(Math.max(0, faultAt + 3 * detectionMs - performance.now()));
      old.resume();
    }
    await sleep(2_000);
    await writer.stop();
    await probe.stop();
    const final = await system.resolve();
    const lost = final === undefined ? writer.acked.length : await lostWrites(final, writer.acked);
    return {
      toWritableMs: writableAt === undefined ? undefined : writableAt - faultAt,
      acked: writer.acked.length,
      lost,
      twoWritable: probe.samples.filter((s) => s.writable.length > 1).length,
      oldPrimary: await roleOf(old.port),
    };
  } finally {
    await system.stop();
    for (const s of servers) await s.dispose();
  }
}

function percentile(values: number[], p: number): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));

async function main(): Promise<void> {
  const reps = Number(process.env['BENCH_REPS'] ?? 20);
  const detectionMs = Number(process.env['BENCH_DETECTION_MS'] ?? 1_000);
  const chosen = (process.env['BENCH_SYSTEMS'] ?? 'homeostat,sentinel').split(',');
  const systems = [...(chosen.includes('homeostat') ? [() => homeostat(detectionMs)] : []), ...(chosen.includes('sentinel') ? [() => sentinel(detectionMs)] : [])];
  const faults = (process.env['BENCH_FAULTS'] ?? 'kill,stop').split(',').map((f): Fault => (f === 'stop' ? 'SIGSTOP' : 'kill -9'));
  const rows: Array<Record<string, unknown>> = [];
  console.log(`| fault | system | p50 ms | p99 ms | max ms | no new primary | acked | lost | reps losing | probes with 2 writable | old primary after |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const fault of faults) {
    for (const make of systems) {
      const outcomes: Outcome[] = [];
      let name = '';
      for (let i = 0; i < reps; i++) {
        const system = make();
        name = system.name;
        outcomes.push(await repetition(system, fault, detectionMs));
      }
      const times = outcomes.flatMap((o) => (o.toWritableMs === undefined ? [] : [o.toWritableMs]));
      const olds = [...new Set(outcomes.map((o) => o.oldPrimary))].map((r) => `${r} ×${outcomes.filter((o) => o.oldPrimary === r).length}`).join(', ');
      const row = { fault, system: name, reps, p50: percentile(times, 50), p99: percentile(times, 99), max: times.length > 0 ? Math.max(...times) : undefined, noNewPrimary: reps - times.length, acked: outcomes.reduce((a, o) => a + o.acked, 0), lost: outcomes.reduce((a, o) => a + o.lost, 0), repsLosing: outcomes.filter((o) => o.lost > 0).length, twoWritable: outcomes.reduce((a, o) => a + o.twoWritable, 0), oldPrimary: olds, outcomes };
      rows.push(row);
      console.log(`| ${fault} | ${name} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.max)} | ${row.noNewPrimary} | ${row.acked} | ${row.lost} | ${row.repsLosing}/${reps} | ${row.twoWritable} | ${olds} |`);
    }
  }
  const dir = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `db-failover-${detectionMs}ms.json`), JSON.stringify({ reps, detectionMs, rows }, null, 2));
}

await main();
