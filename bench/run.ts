// `npm run bench`: runs each benchmark in its own process, prints a table, and writes the results as JSON.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const benches = ['throughput', 'decision-latency', 'failure-latency', 'tree-build', 'simulation', 'api', 'observability', 'http-effector', 'process-resize', 'service-attached', 'whole-loop', 'loaded-latency', 'cold-cli', 'tree-build-1m', 'redis-knowledge'].filter((b) => only.length === 0 || only.includes(b));
const files: Record<string, string> = { throughput: 'throughput.ts', 'decision-latency': 'latency.ts', 'tree-build': 'tree-build.ts', simulation: 'simulation.ts', 'failure-latency': 'failure-latency.ts', api: 'api.ts', observability: 'observability.ts', 'http-effector': 'http-effector.ts', 'process-resize': 'process-resize.ts', 'service-attached': 'service-attached.ts', 'whole-loop': 'whole-loop.ts', 'loaded-latency': 'loaded-latency.ts', 'cold-cli': 'cold-cli.ts', 'tree-build-1m': 'tree-build.ts', 'redis-knowledge': 'redis-knowledge.ts' };
// every benchmark runs with a 4 GiB heap limit, about Node's default on this kind of machine (4,144 MiB with
// 24 GiB of memory), as `homeostat run` starts with no flags. The 1,000,000-entity tree had 12 GiB until its
// stage where every policy acts: with room to spare, V8 let the old generation grow to about 6.9 GiB of RSS
// before collecting, where under the default limit the same fleet stays at about 3.5 GiB (the live heap is the
// same); a heap that runs out is reported as a failed row.
const env: Record<string, Record<string, string>> = { 'tree-build-1m': { BENCH_TREE_ENTITIES: '1000000' } };
const HEAP_MIB = 4096;

const results: Record<string, Record<string, unknown>> = {};
/** Benchmarks whose process failed, with the last line it wrote to stderr (a heap that ran out, a thrown check). */
const failures: Array<[string, string]> = [];
const loadBefore = os.loadavg()[0] ?? 0;
for (const bench of benches) {
  process.stderr.write(`running ${bench}...\n`);
  // each in its own process, with pretenuring off as `homeostat run` turns it off (see src/core/pretenuring.ts)
  const run = spawnSync(process.execPath, ['--expose-gc', '--no-allocation-site-pretenuring', `--max-old-space-size=${HEAP_MIB}`, path.join(here, (files[bench] ?? '').replace(/\.ts$/, '.js'))], { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...env[bench] } });
  process.stderr.write(run.stderr ?? '');
  const line = run.status === 0 ? run.stdout.trim().split('\n').at(-1) : undefined;
  if (line !== undefined) results[bench] = JSON.parse(line) as Record<string, unknown>;
  else {
    const why = (run.stderr ?? '').trim().split('\n').filter((l) => l.trim() !== '').at(-1) ?? run.error?.message ?? `exit ${run.status ?? run.signal}`;
    failures.push([bench, why.slice(0, 200)]);
  }
}

const rows: Array<[string, string, string]> = [];
const fmt = (n: unknown, digits = 2): string => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(n));
const t = results['throughput'];
if (t) {
  rows.push(['throughput (homeostat)', `${fmt(t['homeostatReadingsPerSecond'], 0)} readings/s`, `${fmt(t['entities'], 0)} entities, monitor + analyze (threshold), CPU time`]);
  rows.push(['throughput (typed-array loop)', `${fmt(t['plainReadingsPerSecond'], 0)} readings/s`, 'same work, hand-written: typed arrays, a symptom only on a crossing']);
  rows.push(['throughput overhead', `${fmt(t['overheadRatioMin'])} / ${fmt(t['overheadRatio'])} / ${fmt(t['overheadRatioMax'])}x`, 'min/median/max vs typed-array loop, CPU time; bar: at most 2x']);
  rows.push(['throughput overhead (object loop)', `${fmt(t['objectLoopOverheadRatio'])}x`, 'earlier baseline: a { value, at } object per reading, for comparison']);
  const floor = t['objectPerSensorOverTypedArray'] as { min: number; median: number; max: number } | undefined;
  const overFloor = t['homeostatOverObjectPerSensor'] as { min: number; median: number; max: number } | undefined;
  if (floor && overFloor) {
    rows.push(['throughput: object per sensor vs typed', `${fmt(floor.min)} / ${fmt(floor.median)} / ${fmt(floor.max)}x`, `hand-written, one object and method call per sensor as sensor.publish() is (${fmt(t['objectPerSensorReadingsPerSecond'], 0)} readings/s): what the API's shape costs`]);
    rows.push(['throughput: homeostat vs object per sensor', `${fmt(overFloor.min)} / ${fmt(overFloor.median)} / ${fmt(overFloor.max)}x`, "min/median/max: what homeostat's own code costs beyond that shape"]);
  }
}
const l = results['decision-latency'];
if (l) {
  rows.push(['decision latency p50', `${fmt(l['p50Ms'], 4)} ms`, 'reading -> effector invoked']);
  rows.push(['decision latency p99', `${fmt(l['p99Ms'], 4)} ms`, 'bar: under 1 ms']);
}
const f = results['failure-latency'];
if (f) {
  rows.push(['failure -> first effector p50', `${fmt(f['realP50Ms'], 4)} ms`, `in process, real time, ${fmt(f['backgroundEntities'], 0)} entities deciding; cold first ${fmt(f['coldFirstMs'], 3)} ms`]);
  rows.push(['failure -> first effector p99', `${fmt(f['realP99Ms'], 4)} ms`, `bar: under 2 ms; in virtual time ${fmt(f['virtualMaxMs'])} ms`]);
}
const b = results['tree-build'];
if (b) {
  rows.push(['tree build time', `${fmt(b['seconds'])} s`, `${fmt(b['entities'], 0)} entities, ${fmt(b['policies'], 0)} policies; bar: under 10 s`]);
  const acted = b['acted'] as Record<string, unknown> | undefined;
  rows.push(['tree build memory', `${fmt(b['rssMiB'], 0)} MiB RSS`, `bar: under 1024 MiB; ${treeBytes(b)}${acted ? `; once every policy acted, ${fmt(acted['heapBytesPerPolicy'], 0)} B more heap per policy (${fmt(acted['rssMiB'], 0)} MiB RSS)` : ''}`]);
  const td = b['teardown'] as Record<string, unknown> | undefined;
  if (td) rows.push(['tree teardown', `${fmt(td['treeRemovedSeconds'])} s`, `the whole tree removed (policies left: ${fmt(td['policiesLeft'], 0)}); first one group of ${fmt(td['groupEntities'], 0)} in ${fmt(td['groupRemovedMs'], 1)} ms (${fmt(td['policiesDetachedWithGroup'], 0)} policies detached)`]);
}
const b1m = results['tree-build-1m'];
if (b1m) {
  rows.push(['1M entities: start', `${fmt(b1m['seconds'])} s`, `${fmt(b1m['entities'], 0)} entities, ${fmt(b1m['policies'], 0)} policies; bar: under 30 s`]);
  rows.push(['1M entities: memory', `${fmt(Number(b1m['rssMiB']) / 1024)} GiB RSS`, `bar: under 4 GiB (about 3 KB per entity); ${treeBytes(b1m)}`]);
  const acted = b1m['acted'] as Record<string, unknown> | undefined;
  if (acted) rows.push(['1M entities: every policy acted once', `${fmt(Number(acted['rssMiB']) / 1024)} GiB RSS`, `${fmt(acted['decisions'], 0)} decisions in ${fmt(acted['seconds'])} s; then ${fmt(acted['heapBytesPerPolicy'], 0)} B more heap per policy (what an executor keeps, the store's bounded records included)`]);
}
/** Where an entity's heap goes, from a tree-build result. */
function treeBytes(r: Record<string, unknown>): string {
  return `per entity ${fmt(r['rssBytesPerEntity'], 0)} B RSS, ${fmt(r['heapBytesPerEntity'], 0)} B heap = entity with 3 sensors declared ${fmt(r['entityBytes'], 0)} + 2 policies attached ${fmt(r['attachBytes'], 0)} + started (the sensors they use made, their streams) ${fmt(r['startBytes'], 0)}`;
}
const sim = results['simulation'];
if (sim) rows.push(['simulation speed', `${fmt(sim['simulatedSecondsPerSecond'], 0)} simulated s/s`, `WC98, ${fmt(sim['simulatedSeconds'], 0)} s in ${fmt(sim['wallClockSeconds'], 3)} s; bar: under 10 s`]);
const a = results['api'];
if (a) {
  rows.push(['API: read the tree', `${fmt(a['treeRequestsPerSecond'], 1)} req/s`, `${fmt(a['treeEntities'], 0)} of ${fmt(a['entities'], 0)} entities in one answer (?limit=10000, ${fmt(Number(a['treeBytes']) / 1024, 0)} KiB); ${fmt(a['treeOverheadRatio'])}x the time of a plain route serving the same JSON`]);
  rows.push(['API: decisions over SSE', `${fmt(a['sseDecisionsPerSecond'], 0)} decisions/s`, 'one connected client']);
}
const o = results['observability'];
if (o) rows.push(['metrics + tracing overhead', `${fmt(o['overheadRatio'])}x`, `CPU min/median/max ${fmt(o['overheadRatioMin'])} / ${fmt(o['overheadRatio'])} / ${fmt(o['overheadRatioMax'])}x over ${fmt(o['rounds'], 0)} rounds (wall ${fmt(o['overheadWallRatio'])}x); a loop deciding on every reading (${fmt(o['decisionsPerSecondWithout'], 0)} decisions/s without); no SDK; bar: under 1.2x`]);
const h = results['http-effector'];
if (h) {
  rows.push(['reading -> http effector request p50', `${fmt(h['loopP50Ms'], 3)} ms`, `plain fetch script: ${fmt(h['plainP50Ms'], 3)} ms`]);
  rows.push(['reading -> http effector request p99', `${fmt(h['loopP99Ms'], 3)} ms`, `plain fetch script: ${fmt(h['plainP99Ms'], 3)} ms`]);
}
const pr = results['process-resize'];
if (pr) rows.push(['process-group resize 1 -> 20', `${fmt(pr['allServingMs'], 0)} ms`, `until all serve (median of ${fmt(pr['runs'], 0)}); all up in homeostat: ${fmt(pr['allUpMs'], 0)} ms`]);
const spread = (min: unknown, med: unknown, max: unknown, digits = 2): string => `${fmt(min, digits)} / ${fmt(med, digits)} / ${fmt(max, digits)}`;
const sa = results['service-attached'];
if (sa) {
  rows.push(['service attached: readings/s ratio', `${spread(sa['ratioMin'], sa['ratioMedian'], sa['ratioMax'])}x`, `min/median/max; ${fmt(sa['attachedReadingsPerSecond'], 0)} vs ${fmt(sa['aloneReadingsPerSecond'], 0)} readings/s alone, ${fmt(sa['entities'], 0)} entities, nobody watching; bar: 1.5x`]);
  rows.push(['service attached: memory/entity', `${fmt(sa['attachedBytesPerEntity'], 0)} B`, `alone ${fmt(sa['aloneBytesPerEntity'], 0)} B (heap); ${fmt(sa['memoryEntities'], 0)} entities, 3 sensors, 2 policies: RSS ${fmt(sa['attachedRssMiB'], 0)} MiB (alone ${fmt(sa['aloneRssMiB'], 0)} MiB)`]);
}
const wl = results['whole-loop'];
if (wl) {
  for (const size of (wl['sizes'] as Array<Record<string, unknown>> | undefined) ?? []) {
    rows.push([`whole loop, ${fmt(size['entities'], 0)} entities`, `${spread(size['ratioMin'], size['ratioMedian'], size['ratioMax'])}x`, `min/median/max vs typed-array loop (CPU time: ${spread(size['cpuRatioMin'], size['cpuRatioMedian'], size['cpuRatioMax'])}x); ${fmt(size['readingsPerSecond'], 0)} readings/s, ${fmt(size['decisions'], 0)} decisions + invocations per round; a round takes ${fmt(size['msMedian'], 1)} ms (median), the plain loop's ${spread(size['plainMsMin'], size['plainMsMedian'], size['plainMsMax'])} ms${size['bytesPerDecision'] === undefined ? '' : `; ${fmt(size['bytesPerDecision'], 0)} B allocated per decision (plain loop ${fmt(size['plainBytesPerDecision'], 0)} B)`}; of its CPU, ${fmt(size['turnsCpuMs'], 1)} ms a round are the ${fmt(Math.ceil(Number(size['readings']) / 1000) + 1, 0)} event-loop turns the harness gives it (one per 1,000 readings, the virtual clock moved 1 ms at each), which the synchronous plain loop never takes: CPU ratio ${fmt(size['cpuRatioWithoutTurnsMedian'], 2)}x without them; bar: 3x`]);
  }
}
const ll = results['loaded-latency'];
if (ll) {
  rows.push(['reading -> effector, 1k deciding: p50 / p99', `${fmt(ll['p50Ms'], 3)} / ${fmt(ll['p99Ms'], 3)} ms`, `max ${fmt(ll['maxMs'], 3)} ms; bar: p99 under 1 ms`]);
  rows.push(['reading -> effector, cold first', `${fmt(ll['coldFirstMs'], 3)} ms`, 'the first decision after start']);
}
const cc = results['cold-cli'];
if (cc) {
  const ms = (key: string): string => {
    const v = cc[key] as { min: number; median: number; max: number } | undefined;
    return v ? `${spread(v.min, v.median, v.max, 0)} ms` : 'n/a';
  };
  const cpu = (key: string): string => (cc[`${key}CpuMs`] ? `CPU ${ms(`${key}CpuMs`)} (node alone ${ms('nodeCpuMs')})` : 'CPU not measured (no /usr/bin/time)');
  rows.push(['cold CLI: validate (dist)', ms('validateDistMs'), `whole process, min/median/max; node alone ${ms('nodeMs')}; ${cpu('validateDist')}; bar: 300 ms`]);
  rows.push(['cold CLI: validate, TS module (dist)', ms('validateTsModuleDistMs'), `web-shop.yaml names a .ts policy module: compiled once, then from the project's cache; ${cpu('validateTsModuleDist')}; bar: 300 ms`]);
  rows.push(['cold CLI: validate, TS module compiled', ms('validateTsModuleUncachedDistMs'), `the same with the module cache emptied before each run (esbuild compiles it); ${cpu('validateTsModuleUncachedDist')}`]);
  rows.push(['cold CLI: simulate WC98 (dist)', ms('simulateDistMs'), `whole process; ${cpu('simulateDist')}; bar: 700 ms`]);
  rows.push(['cold CLI: simulate WC98, TS modules', ms('simulateTsModuleDistMs'), `swim-reactive.yaml: SWIM's Reactive manager as a .ts policy module; ${cpu('simulateTsModuleDist')}`]);
  rows.push(['cold CLI: validate (source, tsx)', ms('validateSourceMs'), `a development checkout; ${cpu('validateSource')}`]);
  rows.push(['cold CLI: simulate WC98 (source, tsx)', ms('simulateSourceMs'), `a development checkout; ${cpu('simulateSource')}`]);
}
const rk = results['redis-knowledge'];
if (rk) {
  rows.push(['decisions into Redis vs memory (loop)', `${spread(rk['rateRatioMin'], rk['rateRatioMedian'], rk['rateRatioMax'])}x`, `min/median/max of the Redis/memory rate; ${fmt(rk['redisDecisionsPerSecond'], 0)} vs ${fmt(rk['memoryDecisionsPerSecond'], 0)} decisions/s until stored, ${fmt(rk['entities'], 0)} entities`]);
  rows.push(['decisions into Redis vs memory (store)', `${spread(rk['rawRatioMin'], rk['rawRatioMedian'], rk['rawRatioMax'], 3)}x`, `written straight to the store in batches of 500: ${fmt(rk['rawRedisDecisionsPerSecond'], 0)} vs ${fmt(rk['rawMemoryDecisionsPerSecond'], 0)} decisions/s`]);
  rows.push(['loop latency with Redis: p50 ratio', `${spread(rk['latencyP50RatioMin'], rk['latencyP50RatioMedian'], rk['latencyP50RatioMax'])}x`, `reading -> effector, Redis/memory; ${fmt(rk['latencyRedisP50Ms'], 3)} vs ${fmt(rk['latencyMemoryP50Ms'], 3)} ms`]);
  rows.push(['loop latency with Redis: p99 ratio', `${spread(rk['latencyP99RatioMin'], rk['latencyP99RatioMedian'], rk['latencyP99RatioMax'])}x`, `${fmt(rk['latencyRedisP99Ms'], 3)} vs ${fmt(rk['latencyMemoryP99Ms'], 3)} ms`]);
}
const loadAfter = os.loadavg()[0] ?? 0;
const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${fmt(loadBefore)} at the start, ${fmt(loadAfter)} at the end`;
process.stdout.write(`machine: ${machine}\n\n`);
// a benchmark that failed is a row too (a heap that ran out under the 4 GiB limit is a result), and the run fails
for (const [bench, why] of failures) rows.push([`${bench}: FAILED`, 'no result', why]);
if (failures.length > 0) process.exitCode = 1;
const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
for (const row of rows) process.stdout.write(`${row.map((c, i) => c.padEnd(width[i] ?? 0)).join('  ')}\n`);

const outDir = path.resolve(here, '../../bench/results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'bench.json');
writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, machine, results, failures: Object.fromEntries(failures) }, null, 2)}\n`);
process.stdout.write(`\nresults written to ${path.relative(process.cwd(), file)}\n`);
