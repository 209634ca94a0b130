// The cost of metrics + tracing (no OpenTelemetry SDK registered) on a loop that decides on every reading:
// the same loop with and without HomeostatMetrics, alternating rounds, ratio of median times.
import { map } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, definePolicy, defineEffector, numberSensor } from '../src/index.js';
import { HomeostatMetrics } from '../src/telemetry/metrics.js';
import { emit, median } from './stats.js';

const ENTITIES = 1_000;
const READINGS = 100_000;
const decideEveryTime = definePolicy({
  name: 'every', config: z.object({}),
  monitor: ({ entity }) => entity.sensor<number>('cpu').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'tick', inputs: [o] }))),
  plan: (_s, { entity }) => ({ actions: [{ entity: entity.id, effector: 'noop' }], reason: 'every reading' }),
});

async function run(withTelemetry: boolean): Promise<number> {
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
  const metrics = withTelemetry ? new HomeostatMetrics({ engine, tree }) : undefined;
  engine.start();
  const start = performance.now();
  for (let i = 0; i < READINGS; i++) {
    sensors[i % ENTITIES]?.publish(i);
    if (i % 1000 === 999) await clock.settle();
  }
  await clock.settle();
  const ms = performance.now() - start;
  metrics?.close();
  await engine.stop();
  return ms;
}

await run(false);
await run(true);
const without: number[] = [];
const withIt: number[] = [];
for (let round = 0; round < 5; round++) {
  without.push(await run(false));
  withIt.push(await run(true));
}
emit({ name: 'observability', decisions: READINGS, decisionsPerSecondWithout: READINGS / (median(without) / 1000), decisionsPerSecondWith: READINGS / (median(withIt) / 1000), overheadRatio: median(withIt) / median(without) });
