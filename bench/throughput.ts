// Readings per second through monitor + analyze for 10,000 entities with a threshold analyzer, against a
// plain hand-written loop doing the same work on the same data: validate each reading, stamp it, keep it as
// the current value, classify it against the threshold with a per-entity level, and build a symptom with its
// input on each crossing.
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, numberSensor, type Sensor } from '../src/index.js';
import { z } from 'zod';
import { emit, median } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const ENTITIES = 10_000;
const READINGS = 2_000_000;
const ROUNDS = 9;

function makeData(): { entity: Int32Array; value: Float64Array } {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const entity = new Int32Array(READINGS);
  const value = new Float64Array(READINGS);
  for (let i = 0; i < READINGS; i++) {
    entity[i] = i % ENTITIES;
    value[i] = random() < 0.001 ? 0.95 : random() * 0.8; // rare crossings, as in a healthy fleet
  }
  return { entity, value };
}

/** Builds the tree once: the benchmark measures the loop in its steady state, as a running service is. */
function buildHomeostat(): { publish: (data: ReturnType<typeof makeData>) => { ms: number; symptoms: number }; stop: () => Promise<void> } {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore({ maxDecisions: 1000 }), clock), scheduler: clock, dryRun: true });
  const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => undefined });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const entity = tree.add({ id: `e${i}`, type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 });
    sensors.push(entity.sensor<number>('cpu'));
  }
  engine.start();
  let symptoms = 0;
  engine.decisions$.subscribe(() => symptoms++);
  return {
    publish: (data) => {
      symptoms = 0;
      const start = performance.now();
      for (let i = 0; i < READINGS; i++) sensors[data.entity[i] as number]?.publish(data.value[i]);
      return { ms: performance.now() - start, symptoms };
    },
    stop: () => engine.stop(),
  };
}

/** The plain loop's state lives across rounds too (current values and levels). */
const current: Array<{ value: number; at: number } | undefined> = new Array(ENTITIES);
const level = new Uint8Array(ENTITIES);

function plainLoop(data: ReturnType<typeof makeData>, now: () => number): { ms: number; symptoms: number } {
  const out: unknown[] = [];
  const start = performance.now();
  for (let i = 0; i < READINGS; i++) {
    const e = data.entity[i] as number;
    const raw: unknown = data.value[i];
    if (typeof raw !== 'number' || !Number.isFinite(raw)) continue;
    const reading = { value: raw, at: now() };
    current[e] = reading;
    const next = raw > 0.9 ? 1 : 0;
    if (next !== level[e]) {
      level[e] = next;
      if (next === 1) out.push({ kind: 'above', inputs: [{ entity: `e${e}`, sensor: 'cpu', ...reading }] });
    }
  }
  return { ms: performance.now() - start, symptoms: out.length };
}

const data = makeData();
const clock = new VirtualClock();
const homeostat = buildHomeostat();
const ours: number[] = [];
const plain: number[] = [];
const ratios: number[] = [];
let counts = { ours: 0, plain: 0 };
// round 0 warms both up (JIT tiers, caches) and is not counted; the rounds alternate between the two
for (let round = 0; round <= ROUNDS; round++) {
  const h = homeostat.publish(data);
  const p = plainLoop(data, () => clock.now());
  if (round === 0) continue;
  ours.push(h.ms);
  plain.push(p.ms);
  ratios.push(h.ms / p.ms); // each round's two loops run back to back, under the same machine conditions
  counts = { ours: h.symptoms, plain: p.symptoms };
}
await homeostat.stop();
if (counts.ours !== counts.plain) throw new Error(`the two loops disagree: ${counts.ours} vs ${counts.plain} symptoms`);
const oursMs = median(ours);
const plainMs = median(plain);
emit({
  name: 'throughput',
  entities: ENTITIES,
  readings: READINGS,
  symptoms: counts.ours,
  homeostatReadingsPerSecond: Math.round(READINGS / (oursMs / 1000)),
  plainReadingsPerSecond: Math.round(READINGS / (plainMs / 1000)),
  overheadRatio: median(ratios),
  roundRatios: ratios.map((r) => Math.round(r * 100) / 100),
});
