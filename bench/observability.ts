// The cost of metrics + tracing (no OpenTelemetry SDK registered) on a loop that decides on every reading:
// the same loop with and without HomeostatMetrics, back to back in each round, which goes first alternating
// (the second run pays for the first's garbage). Each round gives a ratio of CPU time (user + system, less
// disturbed than wall-clock time by other work on the machine); the report gives min/median/max over rounds
// (`overheadRatio` is the median) and the ratio of median wall-clock times beside it.
// With BENCH_OTHER set to another compiled build's `src/telemetry/metrics.js` (e.g. a copy of `.bench-build`
// made before a change), that build's HomeostatMetrics runs as a third arm on the same loop in the same
// rounds, so two implementations of the metrics compare under the same load.
import { map } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, definePolicy, defineEffector, numberSensor } from '../src/index.js';
import { HomeostatMetrics } from '../src/telemetry/metrics.js';
import { cpuMsSince, emit, median, WARM_UP_ROUNDS } from './stats.js';

const ENTITIES = 1_000;
const READINGS = 100_000;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const decideEveryTime = definePolicy({
  name: 'every', config: z.object({}),
  monitor: ({ entity }) => entity.sensor<number>('cpu').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'tick', inputs: [o] }))),
  plan: (_s, { entity }) => ({ actions: [{ entity: entity.id, effector: 'noop' }], reason: 'every reading' }),
});

type Metrics = typeof HomeostatMetrics;
interface Run { wallMs: number; cpuMs: number }

async function run(metricsClass: Metrics | undefined): Promise<Run> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), clock), scheduler: clock });
  const noop = defineEffector({ name: 'noop', params: z.object({}), run: () => undefined });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors = [];
  for (let i = 0; i < ENTITIES; i++) {
    const e = tree.add({ id: `e${i}`, type: 's', sensors: [numberSensor('cpu')], effectors: [noop] }, root);
    engine.attach(e, decideEveryTime, {});
    sensors.push(e.sensor<number>('cpu'));
  }
  const metrics = metricsClass ? new metricsClass({ engine, tree }) : undefined;
  engine.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < READINGS; i++) {
    sensors[i % ENTITIES]?.publish(i);
    if (i % 1000 === 999) await clock.advanceBy(1);
  }
  await clock.advanceBy(1);
  const result = { wallMs: performance.now() - start, cpuMs: cpuMsSince(cpu) };
  if (metrics) {
    // the counts reach the registry: a bench that lost decisions would measure less work
    const counted = (await metrics.registry.getSingleMetric('homeostat_decisions_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0);
    if (counted !== READINGS) throw new Error(`observability bench: ${String(counted)} decisions counted, ${READINGS} expected`);
  }
  metrics?.close();
  await engine.stop();
  return result;
}

const otherPath = process.env['BENCH_OTHER'];
const arms: Array<[string, Metrics | undefined]> = [['without', undefined], ['with', HomeostatMetrics]];
if (otherPath) arms.push(['withOther', ((await import(otherPath)) as { HomeostatMetrics: Metrics }).HomeostatMetrics]);
const runs = new Map<string, Run[]>(arms.map(([name]) => [name, []]));
for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
  for (const [name, metrics] of round % 2 === 0 ? arms : [...arms].reverse()) {
    const result = await run(metrics);
    if (round >= WARM_UP_ROUNDS) runs.get(name)?.push(result);
  }
}
const without = runs.get('without') ?? [];
/** Per-round CPU ratios of an arm to the loop without metrics: min/median/max, and the ratio of median wall times. */
function overhead(arm: string, prefix: string): Record<string, number> {
  const withIt = runs.get(arm) ?? [];
  const ratios = withIt.map((r, i) => r.cpuMs / (without[i]?.cpuMs ?? NaN));
  return {
    [`${prefix}Ratio`]: median(ratios),
    [`${prefix}RatioMin`]: Math.min(...ratios),
    [`${prefix}RatioMax`]: Math.max(...ratios),
    [`${prefix}WallRatio`]: median(withIt.map((r) => r.wallMs)) / median(without.map((r) => r.wallMs)),
  };
}
emit({
  name: 'observability',
  decisions: READINGS,
  rounds: ROUNDS,
  decisionsPerSecondWithout: READINGS / (median(without.map((r) => r.wallMs)) / 1000),
  decisionsPerSecondWith: READINGS / (median((runs.get('with') ?? []).map((r) => r.wallMs)) / 1000),
  ...overhead('with', 'overhead'),
  ...(otherPath ? overhead('withOther', 'otherOverhead') : {}),
});
