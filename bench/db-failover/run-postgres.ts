/**
 * `npm run bench:failover:postgres`: homeostat's failover policy over a postgres-replication-group against
 * Patroni with etcd, on the same faults, in one run. Each repetition: the system makes a primary and two
 * streaming standbys (PostgreSQL 15 on free ports), a writer of numbered rows records each committed one and
 * asks the system where the primary is after an error, and a probe tries a write on every server every
 * 100 ms. Faults: `kill` (SIGKILL of the primary node's processes), `stop` (SIGSTOP of them, SIGCONT after 3x
 * the detection time), `lag` (replay paused on both standbys for 3x the detection time, the primary up),
 * `cut` (the primary's WAL senders paused by SIGSTOP for 3x the detection time: the replication link held,
 * the primary up). Environment: BENCH_REPS (default 20), BENCH_DETECTION_MS (default 3000; Patroni's ttl in
 * whole seconds), BENCH_SYSTEMS (default `homeostat,patroni`), BENCH_FAULTS (default `kill,stop,lag,cut`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestEtcd } from '../../test/support/etcd-server.js';
import { signalEach } from '../../test/support/process-tree.js';
import { longestGap, PgWriteProbe, PgWriter, pgLostWrites, pgOnce } from './pg-parts.js';
import { homeostatPg, patroni, type PgBenchNode, type PgSystemUnderTest } from './pg-systems.js';
import { sleep } from './redis-parts.js';

type Fault = 'kill' | 'stop' | 'lag' | 'cut';

const FAULT_NAMES: Record<Fault, string> = { kill: 'kill -9 of the primary node', stop: 'SIGSTOP of the primary node, SIGCONT at 3x detection', lag: 'standbys lag (replay paused 3x detection), primary up', cut: "primary's replication link paused 3x detection, primary up" };

async function roleOf(port: number): Promise<string> {
  const rows = await pgOnce<{ r: boolean }>(port, 'SELECT pg_is_in_recovery() AS r', [], 1_000);
  return rows === undefined ? 'down' : rows[0]?.r ? 'replica' : 'primary';
}

/** Injects the fault; resolves with the function that ends it (a no-op for kill -9). */
async function inject(fault: Fault, primary: PgBenchNode, standbys: readonly PgBenchNode[]): Promise<() => Promise<void>> {
  if (fault === 'kill') {
    signalEach(primary.processes(), 'SIGKILL');
    return async () => undefined;
  }
  if (fault === 'stop') {
    const pids = primary.processes();
    signalEach(pids, 'SIGSTOP');
    return async () => signalEach(pids, 'SIGCONT');
  }
  if (fault === 'lag') {
    await Promise.all(standbys.map((s) => pgOnce(s.port, 'SELECT pg_wal_replay_pause()')));
    return async () => void (await Promise.all(standbys.map((s) => pgOnce(s.port, 'SELECT pg_wal_replay_resume()', [], 2_000))));
  }
  const senders = (await pgOnce<{ pid: number }>(primary.port, 'SELECT pid FROM pg_stat_replication')) ?? [];
  const pids = senders.map((s) => s.pid);
  signalEach(pids, 'SIGSTOP');
  return async () => signalEach(pids, 'SIGCONT');
}

async function repetition(system: PgSystemUnderTest, fault: Fault, detectionMs: number) {
  try {
    const nodes = await system.start();
    const [old, ...standbys] = nodes as [PgBenchNode, ...PgBenchNode[]];
    const writer = new PgWriter(() => system.resolve());
    const probe = new PgWriteProbe(nodes.map((n) => n.port));
    writer.start();
    probe.start();
    await sleep(1_000);
    const faultAt = performance.now();
    if (process.env['BENCH_TRACE']) console.error(`[${Math.round(faultAt)}] fault ${fault}`);
    const end = await inject(fault, old, standbys);
    let writableAt: number | undefined;
    const watchUntil = faultAt + (fault === 'kill' || fault === 'stop' ? 60_000 : 3 * detectionMs);
    while (performance.now() < watchUntil && writableAt === undefined) {
      writableAt = probe.samples.find((s) => s.at > faultAt && s.writable.some((p) => p !== old.port))?.at;
      await sleep(20);
    }
    await sleep(Math.max(0, faultAt + 3 * detectionMs - performance.now()));
    await end();
    const endedAt = performance.now();
    await sleep(2_000);
    await writer.stop();
    await probe.stop();
    writableAt ??= probe.samples.find((s) => s.at > faultAt && s.writable.some((p) => p !== old.port))?.at;
    // the system may be between two readings of its primary: ask for up to 10 s
    let final = await system.resolve();
    for (let i = 0; i < 100 && final === undefined; i++) final = await sleep(100).then(() => system.resolve());
    const twoWritable = probe.samples.filter((s) => s.writable.length > 1);
    return {
      toWritableMs: writableAt === undefined ? undefined : writableAt - faultAt,
      acked: writer.acked.length,
      lost: final === undefined ? writer.acked.length : await pgLostWrites(final, writer.acked),
      longestWriteGapMs: longestGap(writer.ackedAt, faultAt, endedAt + 2_000),
      twoWritable: twoWritable.length,
      twoWritableAt: twoWritable.map((s) => ({ afterFaultMs: Math.round(s.at - faultAt), ports: s.writable })),
      ports: { old: old.port, final, all: nodes.map((n) => n.port) },
      oldPrimary: await roleOf(old.port),
    };
  } finally {
    await system.stop();
  }
}

function percentile(values: number[], p: number): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));

async function main(): Promise<void> {
  const reps = Number(process.env['BENCH_REPS'] ?? 20);
  const detectionMs = Number(process.env['BENCH_DETECTION_MS'] ?? 3_000);
  const chosen = (process.env['BENCH_SYSTEMS'] ?? 'homeostat,patroni').split(',');
  const faults = (process.env['BENCH_FAULTS'] ?? 'kill,stop,lag,cut').split(',') as Fault[];
  const etcd = chosen.includes('patroni') ? await TestEtcd.start() : undefined;
  const systems = [...(chosen.includes('homeostat') ? [() => homeostatPg(detectionMs)] : []), ...(etcd ? [() => patroni(detectionMs, etcd)] : [])];
  const rows: Array<Record<string, unknown>> = [];
  const out = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  console.log('| fault | system | reps | new primary in | p50 ms | p99 ms | max ms | acked | lost | reps losing | longest write gap p50/max ms | probes with 2 writable | old primary after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  try {
    for (const fault of faults) {
      for (const make of systems) {
        const outcomes: Array<Awaited<ReturnType<typeof repetition>>> = [];
        let name = '';
        for (let i = 0; i < reps; i++) {
          const system = make();
          name = system.name;
          try {
            outcomes.push(await repetition(system, fault, detectionMs));
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
        writeFileSync(path.join(out, `db-failover-postgres-${detectionMs}ms-${faults.join("-")}.json`), JSON.stringify({ reps, detectionMs, rows }, null, 2));
      }
    }
  } finally {
    await etcd?.stop();
  }
}

await main();
