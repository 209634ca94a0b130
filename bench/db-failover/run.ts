/**
 * `npm run bench:failover`: homeostat's failover policy over a redis-replication-group against Redis
 * Sentinel, on the same faults, in one run. Each repetition starts a primary and two replicas (real
 * redis-server processes on free ports), the system under test, a writer of numbered keys that records each
 * acknowledged write, and a probe that tries a write on every server every 50 ms; then it injects the fault.
 * Faults: `kill` (SIGKILL of the primary), `stop` (SIGSTOP of the primary, SIGCONT at 3x the detection
 * time), `lag` (both replicas stop applying the replication stream for 3x the detection time, by
 * `CLIENT PAUSE ... WRITE` on them: their links stay up, the primary is up), `cut` (the primary's replication
 * links cut for 3x the detection time: the replicas' replication user is disabled on the primary and its
 * connections killed, so they cannot reconnect; the primary is up and takes writes).
 * Environment: BENCH_REPS (default 20), BENCH_DETECTION_MS (default 1000), BENCH_SYSTEMS (default
 * `homeostat,sentinel`; also `homeostat-defaults` and `sentinel-defaults`: each at its own default
 * settings), BENCH_FAULTS (default `kill,stop,lag,cut`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestRedisServer } from '../../test/support/redis-server.js';
import { lostWrites, once, sleep, Writer, WriteProbe } from './redis-parts.js';
import { homeostat, homeostatDefaults, sentinel, sentinelDefaults, type SystemUnderTest } from './systems.js';
import { longestGap } from './write-gap.js';

type Fault = 'kill' | 'stop' | 'lag' | 'cut';

const FAULT_NAMES: Record<Fault, string> = { kill: 'kill -9 of the primary', stop: 'SIGSTOP of the primary, SIGCONT at 3x detection', lag: 'replicas lag (stream not applied 3x detection), primary up', cut: "primary's replication links cut 3x detection, primary up" };

/** The user replicas authenticate as, on every server (so the fault `cut` can lock them out of the primary). */
const REPLICATION_USER = ['repl', 'bench-repl'] as const;

async function replicated(): Promise<TestRedisServer[]> {
  const servers: TestRedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) servers.push(await TestRedisServer.start());
    const [user, password] = REPLICATION_USER;
    for (const s of servers) {
      await once(s.port, async (c) => {
        await c.call('ACL', 'SETUSER', user, 'on', `>${password}`, '+psync', '+replconf', '+ping');
        await c.config('SET', 'masteruser', user);
        await c.config('SET', 'masterauth', password);
        await c.config('SET', 'repl-diskless-sync-delay', '0');
      }, 2_000);
    }
    const primary = servers[0] as TestRedisServer;
    for (const r of servers.slice(1)) await once(r.port, (c) => c.replicaof('127.0.0.1', primary.port), 2_000);
    for (let i = 0; i < 200; i++) {
      const info = (await once(primary.port, (c) => c.info('replication'))) ?? '';
      if ((info.match(/state=online/g) ?? []).length === 2) return servers;
      await sleep(50);
    }
    throw new Error('replicas did not come online');
  } catch (error) {
    for (const s of servers) await s.dispose();
    throw error;
  }
}

async function roleOf(port: number): Promise<string> {
  const info = await once(port, (c) => c.info('replication'), 1_000);
  return info === undefined ? 'down' : /role:master/.test(info) ? 'primary' : 'replica';
}

/** Injects the fault; resolves with the function that ends it (a no-op for kill -9). */
async function inject(fault: Fault, primary: TestRedisServer, replicas: readonly TestRedisServer[], forMs: number): Promise<() => Promise<void>> {
  if (fault === 'kill') {
    await primary.stop();
    return async () => undefined;
  }
  if (fault === 'stop') {
    primary.pause();
    return async () => primary.resume();
  }
  if (fault === 'lag') {
    // a paused replica still answers INFO and keeps its link, but applies nothing it receives
    await Promise.all(replicas.map((r) => once(r.port, (c) => c.call('CLIENT', 'PAUSE', String(forMs), 'WRITE'))));
    return async () => void (await Promise.all(replicas.map((r) => once(r.port, (c) => c.call('CLIENT', 'UNPAUSE')))));
  }
  const [user] = REPLICATION_USER;
  await once(primary.port, async (c) => {
    await c.call('ACL', 'SETUSER', user, 'off');
    await c.call('CLIENT', 'KILL', 'USER', user);
  });
  return async () => void (await once(primary.port, (c) => c.call('ACL', 'SETUSER', user, 'on'), 2_000));
}

async function repetition(system: SystemUnderTest, fault: Fault) {
  const servers = await replicated();
  const ports = servers.map((s) => s.port);
  const [old, ...replicas] = servers as [TestRedisServer, ...TestRedisServer[]];
  const detectionMs = system.detectionMs;
  try {
    await system.start(servers);
    const writer = new Writer(() => system.resolve());
    const probe = new WriteProbe(ports, 50);
    writer.start();
    probe.start();
    await sleep(1_000);
    const faultAt = performance.now();
    if (process.env['BENCH_TRACE']) console.error(`[${Math.round(faultAt)}] fault ${fault}`);
    const end = await inject(fault, old, replicas, 3 * detectionMs);
    const newPrimary = (): number | undefined => probe.samples.find((s) => s.at > faultAt && s.writable.some((p) => p !== old.port))?.at;
    let writableAt: number | undefined;
    const watchUntil = faultAt + (fault === 'kill' || fault === 'stop' ? 30_000 + 2 * detectionMs : 3 * detectionMs);
    while (performance.now() < watchUntil && writableAt === undefined) {
      writableAt = newPrimary();
      await sleep(20);
    }
    await sleep(Math.max(0, faultAt + 3 * detectionMs - performance.now()));
    await end();
    const endedAt = performance.now();
    await sleep(2_000);
    await writer.stop();
    await probe.stop();
    writableAt ??= newPrimary();
    let final = await system.resolve();
    for (let i = 0; i < 100 && final === undefined; i++) final = await sleep(100).then(() => system.resolve());
    const twoWritable = probe.samples.filter((s) => s.writable.length > 1);
    return {
      toWritableMs: writableAt === undefined ? undefined : writableAt - faultAt,
      acked: writer.acked.length,
      lost: final === undefined ? writer.acked.length : await lostWrites(final, writer.acked),
      longestWriteGapMs: longestGap(writer.ackedAt, faultAt, endedAt + 2_000),
      twoWritable: twoWritable.length,
      twoWritableAt: twoWritable.map((s) => ({ afterFaultMs: Math.round(s.at - faultAt), ports: s.writable })),
      ports: { old: old.port, final, all: ports },
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
  const makers: Record<string, () => SystemUnderTest> = { homeostat: () => homeostat(detectionMs), sentinel: () => sentinel(detectionMs), 'homeostat-defaults': homeostatDefaults, 'sentinel-defaults': sentinelDefaults };
  const systems = chosen.map((name) => {
    const make = makers[name];
    if (!make) throw new Error(`BENCH_SYSTEMS: unknown system '${name}' (known: ${Object.keys(makers).join(', ')})`);
    return make;
  });
  const faults = (process.env['BENCH_FAULTS'] ?? 'kill,stop,lag,cut').split(',') as Fault[];
  for (const f of faults) if (!(f in FAULT_NAMES)) throw new Error(`BENCH_FAULTS: unknown fault '${f}' (known: ${Object.keys(FAULT_NAMES).join(', ')})`);
  const rows: Array<Record<string, unknown>> = [];
  const dir = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  console.log('| fault | system | reps | new primary in | p50 ms | p99 ms | max ms | acked | lost | reps losing | longest write gap p50/max ms | probes with 2 writable | old primary after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const fault of faults) {
    for (const make of systems) {
      const outcomes: Array<Awaited<ReturnType<typeof repetition>>> = [];
      let name = '';
      for (let i = 0; i < reps; i++) {
        const system = make();
        name = system.name;
        try {
          outcomes.push(await repetition(system, fault));
        } catch (error) {
          console.error(`${name} ${fault} repetition ${i + 1}: ${(error as Error).message}`);
        }
      }
      const times = outcomes.flatMap((o) => (o.toWritableMs === undefined ? [] : [o.toWritableMs]));
      const gaps = outcomes.map((o) => o.longestWriteGapMs);
      const olds = [...new Set(outcomes.map((o) => o.oldPrimary))].map((r) => `${r} ×${outcomes.filter((o) => o.oldPrimary === r).length}`).join(', ');
      const row = { fault, system: name, reps: outcomes.length, newPrimary: times.length, p50: percentile(times, 50), p99: percentile(times, 99), max: times.length ? Math.max(...times) : undefined, acked: outcomes.reduce((a, o) => a + o.acked, 0), lost: outcomes.reduce((a, o) => a + o.lost, 0), repsLosing: outcomes.filter((o) => o.lost > 0).length, gapP50: percentile(gaps, 50), gapMax: gaps.length ? Math.max(...gaps) : undefined, twoWritable: outcomes.reduce((a, o) => a + o.twoWritable, 0), oldPrimary: olds, outcomes };
      rows.push(row);
      console.log(`| ${FAULT_NAMES[fault]} | ${name} | ${row.reps} | ${row.newPrimary} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.max)} | ${row.acked} | ${row.lost} | ${row.repsLosing}/${row.reps} | ${fmt(row.gapP50)}/${fmt(row.gapMax)} | ${row.twoWritable} | ${olds} |`);
      writeFileSync(path.join(dir, `db-failover-redis-${detectionMs}ms-${chosen.join('-')}-${faults.join('-')}.json`), JSON.stringify({ reps, detectionMs, rows }, null, 2));
    }
  }
}

await main();
