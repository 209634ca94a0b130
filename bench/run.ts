// `npm run bench`: runs each benchmark in its own process, prints a table, and writes the results as JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const benches = ['throughput', 'decision-latency', 'failure-latency', 'tree-build', 'simulation', 'api', 'observability', 'http-effector', 'process-resize'].filter((b) => only.length === 0 || only.includes(b));
const files: Record<string, string> = { throughput: 'throughput.ts', 'decision-latency': 'latency.ts', 'tree-build': 'tree-build.ts', simulation: 'simulation.ts', 'failure-latency': 'failure-latency.ts', api: 'api.ts', observability: 'observability.ts', 'http-effector': 'http-effector.ts', 'process-resize': 'process-resize.ts' };

const results: Record<string, Record<string, unknown>> = {};
for (const bench of benches) {
  process.stderr.write(`running ${bench}...\n`);
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', path.join(here, (files[bench] ?? '').replace(/\.ts$/, '.js'))], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.trim().split('\n').at(-1) ?? '{}';
  results[bench] = JSON.parse(line) as Record<string, unknown>;
}

const rows: Array<[string, string, string]> = [];
const fmt = (n: unknown, digits = 2): string => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(n));
const t = results['throughput'];
if (t) {
  rows.push(['throughput (homeostat)', `${fmt(t['homeostatReadingsPerSecond'], 0)} readings/s`, `${fmt(t['entities'], 0)} entities, threshold analyzer`]);
  rows.push(['throughput (plain loop)', `${fmt(t['plainReadingsPerSecond'], 0)} readings/s`, 'same work, hand-written']);
  rows.push(['throughput overhead', `${fmt(t['overheadRatio'])}x`, 'bar: at most 3x']);
}
const l = results['decision-latency'];
if (l) {
  rows.push(['decision latency p50', `${fmt(l['p50Ms'], 4)} ms`, 'reading -> effector invoked']);
  rows.push(['decision latency p99', `${fmt(l['p99Ms'], 4)} ms`, 'bar: under 1 ms']);
}
const f = results['failure-latency'];
if (f) {
  rows.push(['failure -> first effector p50', `${fmt(f['realP50Ms'], 4)} ms`, 'in process, real time']);
  rows.push(['failure -> first effector p99', `${fmt(f['realP99Ms'], 4)} ms`, `bar: under 5 ms; in virtual time ${fmt(f['virtualMaxMs'])} ms`]);
}
const b = results['tree-build'];
if (b) {
  rows.push(['tree build time', `${fmt(b['seconds'])} s`, `${fmt(b['entities'], 0)} entities, ${fmt(b['policies'], 0)} policies; bar: under 10 s`]);
  rows.push(['tree build memory', `${fmt(b['rssMiB'], 0)} MiB RSS`, 'bar: under 1024 MiB']);
}
const sim = results['simulation'];
if (sim) rows.push(['simulation speed', `${fmt(sim['simulatedSecondsPerSecond'], 0)} simulated s/s`, `WC98, ${fmt(sim['simulatedSeconds'], 0)} s in ${fmt(sim['wallClockSeconds'], 3)} s; bar: under 10 s`]);
const a = results['api'];
if (a) {
  rows.push(['API: read the tree', `${fmt(a['treeRequestsPerSecond'], 1)} req/s`, `${fmt(a['entities'], 0)} entities (${fmt(Number(a['treeBytes']) / 1024, 0)} KiB); ${fmt(a['treeOverheadRatio'])}x the time of a plain route serving the same JSON`]);
  rows.push(['API: decisions over SSE', `${fmt(a['sseDecisionsPerSecond'], 0)} decisions/s`, 'one connected client']);
}
const o = results['observability'];
if (o) rows.push(['metrics + tracing overhead', `${fmt(o['overheadRatio'])}x`, `a loop deciding on every reading (${fmt(o['decisionsPerSecondWithout'], 0)} decisions/s without); no SDK; bar: under 1.2x`]);
const h = results['http-effector'];
if (h) {
  rows.push(['reading -> http effector request p50', `${fmt(h['loopP50Ms'], 3)} ms`, `plain fetch script: ${fmt(h['plainP50Ms'], 3)} ms`]);
  rows.push(['reading -> http effector request p99', `${fmt(h['loopP99Ms'], 3)} ms`, `plain fetch script: ${fmt(h['plainP99Ms'], 3)} ms`]);
}
const pr = results['process-resize'];
if (pr) rows.push(['process-group resize 1 -> 20', `${fmt(pr['allServingMs'], 0)} ms`, `until all serve (median of ${fmt(pr['runs'], 0)}); all up in homeostat: ${fmt(pr['allUpMs'], 0)} ms`]);
const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
for (const row of rows) process.stdout.write(`${row.map((c, i) => c.padEnd(width[i] ?? 0)).join('  ')}\n`);

const outDir = path.resolve(here, '../../bench/results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'bench.json');
writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, results }, null, 2)}\n`);
process.stdout.write(`\nresults written to ${path.relative(process.cwd(), file)}\n`);
