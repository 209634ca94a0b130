// The service attached, as `homeostat run --port` runs it: the HTTP plugin registered on a deployment. Two
// figures against the library alone, each measured in the same run:
// - readings per second through monitor + analyze, both deployments in one process, rounds alternating;
// - memory per entity (100,000 entities, 3 sensors, 2 policies, every sensor fed past the history size),
//   each variant in its own process so that its heap is its own.
// Nobody watches a sensor here (no history request, no stream client): what a fleet costs while unwatched.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, numberSensor, type Sensor } from '../src/index.js';
import { homeostatPlugin } from '../src/server/index.js';
import { emit, median, WARM_UP_ROUNDS } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const SENSORS = [numberSensor('cpu'), numberSensor('memory'), numberSensor('requests.rate')];
const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => undefined });

interface Built { readonly sensors: Sensor<number>[]; readonly close: () => Promise<void> }

async function build(entities: number, attached: boolean): Promise<Built> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const knowledge = new Knowledge(new MemoryStore({ maxDecisions: 1000 }), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock, dryRun: true });
  const root = tree.add({ id: 'root', type: 'application' });
  const groups = Array.from({ length: 100 }, (_, g) => tree.add({ id: `g${g}`, type: 'group' }, root));
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < entities; i++) {
    const entity = tree.add({ id: `e${i}`, type: 'server', sensors: SENSORS, effectors: [restart] }, groups[i % groups.length]);
    engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
    engine.attach(entity, thresholdPolicy, { sensor: 'memory', above: 0.95 }, { id: `e${i}/memory` });
    for (const s of SENSORS) sensors.push(entity.sensor<number>(s.name));
  }
  engine.start();
  const app = attached ? Fastify() : undefined;
  if (app) {
    await app.register(homeostatPlugin, { deployment: { tree, engine, knowledge }, docs: false });
    await app.ready();
  }
  return { sensors, close: async () => { await app?.close(); await engine.stop(); } };
}

/** Feeds readings round-robin over every sensor; values stay under the thresholds (a healthy fleet). */
function feed(sensors: readonly Sensor<number>[], readings: number, salt: number): number {
  const start = performance.now();
  const n = sensors.length;
  for (let i = 0; i < readings; i++) (sensors[i % n] as Sensor<number>).publish(((i * 7919 + salt) % 800) / 1000);
  return performance.now() - start;
}

async function throughput(): Promise<Record<string, unknown>> {
  const ENTITIES = 10_000;
  const READINGS = 1_000_000;
  const ROUNDS = 7;
  const alone = await build(ENTITIES, false);
  const served = await build(ENTITIES, true);
  const ratios: number[] = [];
  const rates: Array<[number, number]> = [];
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    const a = feed(alone.sensors, READINGS, round);
    const s = feed(served.sensors, READINGS, round);
    await new Promise((resolve) => setImmediate(resolve));
    if (round < WARM_UP_ROUNDS) continue;
    ratios.push(s / a);
    rates.push([READINGS / (a / 1000), READINGS / (s / 1000)]);
  }
  await alone.close();
  await served.close();
  const sorted = [...ratios].sort((x, y) => x - y);
  return {
    entities: ENTITIES,
    aloneReadingsPerSecond: Math.round(median(rates.map((r) => r[0]))),
    attachedReadingsPerSecond: Math.round(median(rates.map((r) => r[1]))),
    ratioMin: sorted[0], ratioMedian: median(ratios), ratioMax: sorted.at(-1),
  };
}

async function memory(attached: boolean): Promise<Record<string, unknown>> {
  const ENTITIES = Number(process.env['BENCH_ENTITIES'] ?? 100_000);
  globalThis.gc?.();
  const before = process.memoryUsage();
  const built = await build(ENTITIES, attached);
  // past the default history size (60), so that any per-sensor history is full
  feed(built.sensors, built.sensors.length * 61, 1);
  globalThis.gc?.();
  const after = process.memoryUsage();
  await built.close();
  return { entities: ENTITIES, heapBytesPerEntity: (after.heapUsed - before.heapUsed) / ENTITIES, rssMiB: after.rss / 2 ** 20 };
}

const mode = process.argv[2];
if (mode === 'memory-alone' || mode === 'memory-attached') emit(await memory(mode === 'memory-attached'));
else {
  const self = fileURLToPath(import.meta.url);
  const child = (m: string): Record<string, unknown> => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=6144', self, m], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  const t = await throughput();
  const alone = child('memory-alone');
  const attached = child('memory-attached');
  emit({
    name: 'service-attached',
    ...t,
    memoryEntities: alone['entities'],
    aloneBytesPerEntity: Math.round(Number(alone['heapBytesPerEntity'])),
    attachedBytesPerEntity: Math.round(Number(attached['heapBytesPerEntity'])),
    aloneRssMiB: Math.round(Number(alone['rssMiB'])),
    attachedRssMiB: Math.round(Number(attached['rssMiB'])),
  });
}
