// Latency from a reading that crosses a threshold to the effector being invoked, in process, in real time,
// with no stabilization window and no cooldown.
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, defineEffector, numberSensor } from '../src/index.js';
import { emit, quantile } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const SAMPLES = 5_000;
const tree = new EntityTree(asyncScheduler);
let invoked: (() => void) | undefined;
const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => invoked?.() });
const entity = tree.add({ id: 'svc', type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] });
const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), asyncScheduler), scheduler: asyncScheduler });
engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 });
engine.start();
const cpu = entity.sensor<number>('cpu');

const samples: number[] = [];
for (let i = 0; i < SAMPLES + 500; i++) {
  cpu.publish(0.1); // back below: the next crossing is a new symptom
  const done = new Promise<number>((resolve) => (invoked = () => resolve(performance.now())));
  const start = performance.now();
  cpu.publish(0.95);
  const end = await done;
  if (i >= 500) samples.push(end - start); // the first 500 warm the JIT up
  await engine.knowledge.flush();
}
await engine.stop();
emit({ name: 'decision-latency', samples: SAMPLES, p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), maxMs: Math.max(...samples) });
