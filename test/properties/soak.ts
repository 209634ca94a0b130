import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SHARD_LINE } from './soak-shard.js';
import { formatTotals, tally, type ShardReport } from './soak-tally.js';

/**
 * `npm run soak`: checks every safety property over HOMEOSTAT_SOAK_RUNS schedules (default 100,000), split
 * into seed ranges run by parallel processes (HOMEOSTAT_SOAK_SHARDS, default one per core), and prints the
 * totals per property as they grow and at the end: schedules checked, distinct runs, failures, time. Each
 * shard draws from its own seed (HOMEOSTAT_PROPERTY_SEED + shard), so the shards' schedules add up.
 * Exits 1 when a property broke, after printing its smallest failing schedule as a command line.
 */
const total = Number(process.env['HOMEOSTAT_SOAK_RUNS'] ?? 100_000);
const shards = Math.max(1, Math.min(total, Number(process.env['HOMEOSTAT_SOAK_SHARDS'] ?? availableParallelism())));
const seed = Number(process.env['HOMEOSTAT_PROPERTY_SEED'] ?? 20_261_129);
const every = Number(process.env['HOMEOSTAT_SOAK_PROGRESS'] ?? 500);
const worker = path.join(import.meta.dirname, 'soak-shard.ts');

const started = performance.now();
const latest = new Map<number, ShardReport>();
const seconds = (): number => (performance.now() - started) / 1000;

function progress(): void {
  const t = tally([...latest.values()], seconds());
  const failed = Object.entries(t.counts).filter(([, c]) => c.failed > 0).map(([p, c]) => `${p} ${c.failed}`);
  const checked = Math.min(...Object.values(t.counts).map((c) => c.checked));
  console.log(`[${new Date().toISOString()}] ${checked.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} schedules checked against every property, ${t.distinct.toLocaleString('en-US')} distinct runs, ${(t.seconds / 60).toFixed(1)} min, failures: ${failed.length > 0 ? failed.join(', ') : 'none'}`);
}

function runShard(shard: number, runs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, String(shard), String(seed + shard), String(runs), String(every)], { stdio: ['ignore', 'pipe', 'inherit'] });
    console.log(`shard ${shard}: pid ${child.pid ?? '?'}, seed ${seed + shard}, ${runs.toLocaleString('en-US')} schedules`);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith(SHARD_LINE)) return void console.log(`shard ${shard}: ${line}`);
      const report = JSON.parse(line.slice(SHARD_LINE.length)) as ShardReport;
      for (const [property, line] of Object.entries(report.firstFailures ?? {})) {
        if (latest.get(shard)?.firstFailures?.[property as keyof typeof report.counts] === undefined) console.log(`shard ${shard}: ${property} broke, first on (shrunk at the end):\n  ${line}`);
      }
      latest.set(shard, report);
      progress();
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

console.log(`soak: ${total.toLocaleString('en-US')} schedules per property in ${shards} parallel shards from seed ${seed}`);
const codes = await Promise.all(Array.from({ length: shards }, (_, shard) => runShard(shard, Math.floor(total / shards) + (shard < total % shards ? 1 : 0))));
const totals = tally([...latest.values()], seconds());
console.log(formatTotals(totals));
const counterexamples = [...latest.values()].flatMap((r) => Object.entries(r.counterexamples ?? {}).map(([p, line]) => `${p} (shard ${r.shard}, seed ${r.seed}); smallest schedule found:\n  ${line}`));
for (const c of counterexamples) console.log(c);
const complete = latest.size === shards && [...latest.values()].every((r) => r.done) && codes.every((code) => code === 0);
if (!complete) console.log(`soak incomplete: shard exit codes ${codes.join(', ')}`);
console.log(complete && counterexamples.length === 0 && Object.values(totals.counts).every((c) => c.failed === 0) ? 'soak passed' : 'soak FAILED');
process.exitCode = complete && Object.values(totals.counts).every((c) => c.failed === 0) ? 0 : 1;
