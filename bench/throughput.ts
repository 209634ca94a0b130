// Readings per second through monitor + analyze (readings to symptoms) for 10,000 entities with a threshold analyzer, against a
// plain hand-written loop doing the same work on the same data: validate each reading, stamp it, keep it as
// the current value, classify it against the threshold with a per-entity level, and build a symptom with its
// input on each crossing.
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, numberSensor, type Sensor } from '../src/index.js';
import { z } from 'zod';
import { emit, median } from './stats.js';
import { definePolicy, threshold } from '../src/index.js';

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

let symptoms = 0;

/**
 * Monitor + analyze, as the plain loop does: readings to symptoms. Plan and execute are measured by the
 * latency benchmarks; here the plan decides nothing, so both loops do the same work.
 */
const monitorAnalyze = definePolicy({
  name: 'bench-threshold',
  config: z.object({ sensor: z.string(), above: z.number() }),
  monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).observations$,
  analyze: (source, { config }) => source.pipe(threshold({ above: config.above })),
  plan: (symptom) => {
    if (symptom.kind === 'above') symptoms++;
    return undefined;
  },
});

/** Builds the tree once: the benchmark measures the loop in its steady state, as a running service is. */
function buildHomeostat(): { publish: (data: ReturnType<typeof makeData>) => { ms: number; symptoms: number }; decided: () => number; stop: () => Promise<void> } {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore({ maxDecisions: 1000 }), clock), scheduler: clock, dryRun: true });
  const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => undefined });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const entity = tree.add({ id: `e${i}`, type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(entity, monitorAnalyze, { sensor: 'cpu', above: 0.9 });
    sensors.push(entity.sensor<number>('cpu'));
  }
  engine.start();
  return {
    publish: (data) => {
      const start = performance.now();
      for (let i = 0; i < READINGS; i++) sensors[data.entity[i] as number]?.publish(data.value[i]);
      return { ms: performance.now() - start, symptoms: 0 };
    },
    /** Symptoms seen so far. */
    decided: () => symptoms,
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
const counts = { ours: 0, plain: 0 };
// round 0 warms both up (JIT tiers, caches) and is not counted; the rounds alternate between the two
for (let round = 0; round <= ROUNDS; round++) {
  const h = homeostat.publish(data);
  const p = plainLoop(data, () => clock.now());
  // a turn of the event loop between rounds, as a live service has between ticks (knowledge flushes)
  await new Promise((resolve) => setImmediate(resolve));
  counts.plain += p.symptoms;
  if (round === 0) continue;
  ours.push(h.ms);
  plain.push(p.ms);
  ratios.push(h.ms / p.ms); // each round's two loops run back to back, under the same machine conditions
}
counts.ours = homeostat.decided();
await homeostat.stop();
if (counts.ours !== counts.plain) throw new Error(`the two loops disagree: ${counts.ours} vs ${counts.plain} symptoms`);
const oursMs = median(ours);
const plainMs = median(plain);
emit({
  name: 'throughput',
  entities: ENTITIES,
  readings: READINGS,
  symptoms: counts.ours / (ROUNDS + 1),
  homeostatReadingsPerSecond: Math.round(READINGS / (oursMs / 1000)),
  plainReadingsPerSecond: Math.round(READINGS / (plainMs / 1000)),
  overheadRatio: median(ratios),
  roundRatios: ratios.map((r) => Math.round(r * 100) / 100),
  roundMs: ours.map((o, i) => [Math.round(o), Math.round(plain[i] ?? 0)]),
});
