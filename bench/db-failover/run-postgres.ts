/**
 * `npm run bench:failover:postgres`: homeostat's failover policy over a postgres-replication-group, on kill -9
 * and SIGSTOP of the primary's whole process group (postmaster and backends). Each repetition: a primary and
 * two streaming standbys (initdb, pg_basebackup, free ports), a writer of numbered rows that records each
 * committed one, a write probe on every server every 100 ms. homeostat fences with a STONITH command
 * (SIGKILL to the postmaster and its children). No Patroni side yet (see the README). Environment: BENCH_REPS (default 10),
 * BENCH_DETECTION_MS (default 1000).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { TestPostgres } from '../../test/support/postgres-cluster.js';
import { PgWriteProbe, PgWriter, pgLostWrites, pgOnce } from './pg-parts.js';
import { sleep } from './redis-parts.js';

/**
 * The STONITH command: SIGKILL to the postmaster, then to each of its children (by positive pid, read from
 * /proc), which works on stopped processes too.
 */
const KILL_TREE = "const fs = require('fs'); const root = Number(process.argv[1]); const kids = fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).filter((d) => { try { return Number(fs.readFileSync('/proc/' + d + '/stat', 'utf8').split(') ')[1].split(' ')[1]) === root; } catch { return false; } }); for (const pid of [root, ...kids.map(Number)]) { try { process.kill(pid, 'SIGKILL'); } catch {} }";

async function cluster(): Promise<TestPostgres[]> {
  const primary = await TestPostgres.primary();
  await pgOnce(primary.port, 'CREATE TABLE t (n int primary key); CREATE TABLE probe (at timestamptz)', [], 5_000);
  const servers = [primary, await TestPostgres.standby(primary), await TestPostgres.standby(primary)];
  for (let i = 0; i < 300; i++) {
    const rows = await pgOnce<{ n: number }>(primary.port, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
    if (rows?.[0]?.n === 2) return servers;
    await sleep(50);
  }
  throw new Error('standbys did not stream');
}

async function repetition(fault: 'kill -9' | 'SIGSTOP', detectionMs: number) {
  const servers = await cluster();
  const old = servers[0] as TestPostgres;
  const pgid = old.pid as number;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-hs-pg-'));
  const children = servers.map((s, i) => `        - { id: p${i + 1}, type: postgres, config: { port: ${s.port}, dataDir: ${JSON.stringify(s.dataDir)}, every: 100ms, timeout: 300ms, fence: { command: [${JSON.stringify(process.execPath)}, '-e', ${JSON.stringify(KILL_TREE)}, '${s.pid}'] } } }\n`).join('');
  const text = `name: bench\napplication:\n  id: app\n  children:\n    - id: pgs\n      type: postgres-replication-group\n      config: { addressFile: ${JSON.stringify(path.join(dir, 'primary'))}, every: 100ms }\n      children:\n${children}      policies:\n        - use: failover\n          config: { failureDelay: ${detectionMs}ms, recoveryDelay: 2s, promoteTimeout: 20s, maxLag: 10 }\n`;
  const deployment = await Deployment.create(await parseBlueprint(text, path.join(dir, 'blueprint.yaml')), { stateDir: dir });
  deployment.start();
  const decisions: Decision[] = [];
  deployment.engine.decisions$.subscribe((d) => decisions.push(d));
  const resolve = async (): Promise<number | undefined> => {
    try {
      const port = Number(readFileSync(path.join(dir, 'primary'), 'utf8').trim().split(':').pop());
      return Number.isInteger(port) && port > 0 ? port : undefined;
    } catch {
      return undefined;
    }
  };
  try {
    while ((await resolve()) !== old.port) await sleep(50);
    const writer = new PgWriter(resolve);
    const probe = new PgWriteProbe(servers.map((s) => s.port));
    writer.start();
    probe.start();
    await sleep(1_000);
    const faultAt = performance.now();
    process.kill(-pgid, fault === 'kill -9' ? 'SIGKILL' : 'SIGSTOP');
    let writableAt: number | undefined;
    while (performance.now() - faultAt < 60_000 && writableAt === undefined) {
      writableAt = probe.samples.find((s) => s.at > faultAt && s.writable.some((p) => p !== old.port))?.at;
      await sleep(20);
    }
    if (fault === 'SIGSTOP') {
      await sleep(Math.max(0, faultAt + 3 * detectionMs - performance.now()));
      try {
        process.kill(-pgid, 'SIGCONT');
      } catch {
        // fenced: killed by the STONITH command
      }
    }
    await sleep(2_000);
    await writer.stop();
    await probe.stop();
    const final = await resolve();
    return {
      toWritableMs: writableAt === undefined ? undefined : writableAt - faultAt,
      acked: writer.acked.length,
      lost: final === undefined ? writer.acked.length : await pgLostWrites(final, writer.acked),
      twoWritable: probe.samples.filter((s) => s.writable.length > 1).length,
      twoWritableAt: probe.samples.filter((s) => s.writable.length > 1).map((s) => ({ afterFaultMs: Math.round(s.at - faultAt), ports: s.writable })),
      ports: { old: old.port, final, all: servers.map((s) => s.port) },
      decisions: decisions.map((d) => `${d.outcome}: ${d.reason}`),
      oldPrimary: (await pgOnce(old.port, 'SELECT 1')) === undefined ? 'down' : 'up',
    };
  } finally {
    await deployment.stop();
    for (const s of servers) await s.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const reps = Number(process.env['BENCH_REPS'] ?? 10);
  const detectionMs = Number(process.env['BENCH_DETECTION_MS'] ?? 1_000);
  const rows: Array<Record<string, unknown>> = [];
  console.log('| fault | system | p50 ms | p99 ms | max ms | no new primary | acked | lost | reps losing | probes with 2 writable | old primary after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const fault of (process.env['BENCH_FAULTS'] ?? 'kill,stop').split(',').map((f) => (f === 'stop' ? 'SIGSTOP' : 'kill -9') as 'kill -9' | 'SIGSTOP')) {
    const outcomes: Array<Awaited<ReturnType<typeof repetition>>> = [];
    for (let i = 0; i < reps; i++) outcomes.push(await repetition(fault, detectionMs));
    const times = outcomes.flatMap((o) => (o.toWritableMs === undefined ? [] : [o.toWritableMs])).sort((a, b) => a - b);
    const pct = (p: number): string => (times.length === 0 ? '-' : (times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] as number).toFixed(0));
    const olds = [...new Set(outcomes.map((o) => o.oldPrimary))].map((r) => `${r} ×${outcomes.filter((o) => o.oldPrimary === r).length}`).join(', ');
    const lost = outcomes.reduce((a, o) => a + o.lost, 0);
    rows.push({ fault, reps, times, outcomes });
    console.log(`| ${fault} | homeostat over postgres (failureDelay ${detectionMs} ms) | ${pct(50)} | ${pct(99)} | ${times.length ? (times.at(-1) as number).toFixed(0) : '-'} | ${reps - times.length} | ${outcomes.reduce((a, o) => a + o.acked, 0)} | ${lost} | ${outcomes.filter((o) => o.lost > 0).length}/${reps} | ${outcomes.reduce((a, o) => a + o.twoWritable, 0)} | ${olds} |`);
  }
  const out = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'db-failover-postgres.json'), JSON.stringify({ reps, detectionMs, rows }, null, 2));
}

await main();
