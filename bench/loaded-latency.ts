// Reading to effector invoked, in real time, with a background load of 1,000 entities deciding (readings
// streaming in between samples, about 1 % crossing a threshold, each crossing a decision and an
// invocation). The very first decision after start (cold: nothing compiled, no caches) is reported beside
// the warm ones; no sample is dropped as warm-up.
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, defineEffector, numberSensor } from '../src/index.js';
import { startBackgroundLoad } from './background-load.js';
import { emit, quantile } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 3_000);
const BACKGROUND = 1_000;
const tree = new EntityTree(asyncScheduler);
let invoked: (() => void) | undefined;
const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => invoked?.() });
const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), asyncScheduler), scheduler: asyncScheduler });
const root = tree.add({ id: 'root', type: 'application' });
const svc = tree.add({ id: 'svc', type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] }, root);
engine.attach(svc, thresholdPolicy, { sensor: 'cpu', above: 0.9 });
// the background: attached before the engine starts, a pass over the 1k entities on every turn of the event loop
const background = startBackgroundLoad(BACKGROUND, { tree, engine, root });
engine.start();
const cpu = svc.sensor<number>('cpu');

const samples: number[] = [];
for (let i = 0; i <= SAMPLES; i++) {
  cpu.publish(0.1); // back below: the next crossing is a new symptom
  const done = new Promise<number>((resolve) => (invoked = () => resolve(performance.now())));
  const start = performance.now();
  cpu.publish(0.95);
  samples.push((await done) - start);
  // one background pass between samples
  await new Promise((resolve) => setImmediate(resolve));
}
await background.stop();
await engine.stop();
const [cold, ...warm] = samples;
emit({ name: 'loaded-latency', samples: SAMPLES, backgroundEntities: BACKGROUND, backgroundInvocations: background.invocations(), coldFirstMs: cold, p50Ms: quantile(warm, 0.5), p99Ms: quantile(warm, 0.99), p999Ms: quantile(warm, 0.999), maxMs: Math.max(...warm) });
