// Readings per second through monitor + analyze (readings to symptoms) for 10,000 entities with a threshold
// analyzer, against the best plain loop doing the same work on the same data: validate each reading (a finite
// number), stamp it with the clock's now, keep value and time as the entity's current reading (Float64Arrays),
// classify it against the threshold with a per-entity level (a Uint8Array), and build a symptom with its input
// on each crossing (either way, as the analyzer does). Both sides are timed in CPU time, rounds alternating.
//
// A third loop is the floor of the API's shape (bench/object-per-sensor.ts): the same work hand-written with an
// object and a method call per sensor, as `sensor.publish(value)` is; its ratio to the typed-array loop is what
// that shape costs, and homeostat's ratio to it what homeostat's code costs beyond it.
//
// A second, labelled ratio keeps the older baseline (a `{ value, at }` object per reading, symptoms kept in an
// array) for comparison with earlier figures. With BENCH_OTHER set to another compiled build's `src/index.js`
// (e.g. a copy of `.bench-build` made before a change), that build's loop runs in the same rounds too and the
// report adds its ratio to the typed-array loop and the ratio of the two builds. The build whose tree is made
// first gets the fresher heap (its sensors and analyzers closer together), which is worth as much as a change
// under test: BENCH_OTHER_FIRST=1 builds the other one first; compare builds with a run in each order.
import { z } from 'zod';
import * as current from '../src/index.js';
import { emit, median, cpuMsSince, WARM_UP_ROUNDS } from './stats.js';
import { publishAll } from './publish-loop.js';
import { objectPerSensorLoop } from './object-per-sensor.js';

type Library = typeof current;
const ENTITIES = Number(process.env['BENCH_ENTITIES'] ?? 10_000);
const READINGS = 2_000_000;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const ABOVE = 0.9;

interface Data {
  readonly entity: Int32Array;
  readonly value: Float64Array;
}

function makeData(): Data {
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

/** One round of a loop: CPU milliseconds, the `above` symptoms it found, and the readings it rejected. */
interface Round {
  readonly cpuMs: number;
  readonly above: number;
  readonly rejected: number;
}


/**
 * Builds homeostat's monitor + analyze once on one build (the benchmark measures the loop in its steady state,
 * as a running service is). The plan counts `above` symptoms and decides nothing: plan and execute are
 * measured by the whole-loop and latency benchmarks.
 */
function buildHomeostat(lib: Library, publish: typeof publishAll): (data: Data) => Round {
  let above = 0;
  const monitorAnalyze = lib.definePolicy({
    name: 'bench-threshold',
    config: z.object({ sensor: z.string(), above: z.number() }),
    monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).observations$,
    analyze: (source, { config }) => source.pipe(lib.threshold({ above: config.above })),
    plan: (symptom) => {
      if (symptom.kind === 'above') above++;
      return undefined;
    },
  });
  const clock = new lib.VirtualClock();
  const tree = new lib.EntityTree(clock);
  const engine = new lib.Engine({ tree, knowledge: new lib.Knowledge(new lib.MemoryStore({ maxDecisions: 1000 }), clock), scheduler: clock, dryRun: true });
  const restart = lib.defineEffector({ name: 'restart', params: z.object({}), run: () => undefined });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: current.Sensor<number>[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const entity = tree.add({ id: `e${i}`, type: 'server', sensors: [lib.numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(entity, monitorAnalyze, { sensor: 'cpu', above: ABOVE });
    sensors.push(entity.sensor<number>('cpu'));
  }
  engine.start();
  return (data) => {
    const before = above;
    const rejectedBefore = sensors.reduce((sum, s) => sum + s.rejectedCount, 0);
    const start = process.cpuUsage();
    publish(sensors, data.entity, data.value);
    return { cpuMs: cpuMsSince(start), above: above - before, rejected: sensors.reduce((sum, s) => sum + s.rejectedCount, 0) - rejectedBefore };
  };
}

/** A threshold symptom as the plain loops build it: the level, its input and the detail the analyzer gives. */
interface PlainSymptom {
  readonly kind: 'above' | 'normal';
  readonly inputs: ReadonlyArray<{ entity: string; sensor: string; value: number; at: number }>;
  readonly detail: { value: number; bound: number | undefined };
}

/** Where the typed-array loop hands its symptoms (kept reachable, so no work is optimised away). */
let lastSymptom: PlainSymptom | undefined;
const entityIds = Array.from({ length: ENTITIES }, (_, i) => `e${i}`);

/**
 * The best plain loop: state in typed arrays across rounds (current value and time, level), no object per
 * reading; a symptom object with its input is built only on a crossing.
 */
function typedArrayLoop(): (data: Data, clock: { now(): number }) => Round {
  const value = new Float64Array(ENTITIES);
  const at = new Float64Array(ENTITIES);
  const level = new Uint8Array(ENTITIES);
  return (data, clock) => {
    let above = 0;
    let rejected = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < READINGS; i++) {
      const e = data.entity[i] as number;
      const raw: unknown = data.value[i];
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        rejected++;
        continue;
      }
      const now = clock.now();
      value[e] = raw;
      at[e] = now;
      const next = raw > ABOVE ? 1 : 0;
      if (next !== level[e]) {
        level[e] = next;
        const kind = next === 1 ? 'above' : 'normal';
        lastSymptom = { kind, inputs: [{ entity: entityIds[e] as string, sensor: 'cpu', value: raw, at: now }], detail: { value: raw, bound: next === 1 ? ABOVE : undefined } };
        if (next === 1) above++;
      }
    }
    return { cpuMs: cpuMsSince(start), above, rejected };
  };
}

/** The earlier baseline: a new `{ value, at }` object per reading kept as current, symptoms pushed to an array. */
function objectPerReadingLoop(): (data: Data, clock: { now(): number }) => Round {
  const currentReading: Array<{ value: number; at: number } | undefined> = new Array(ENTITIES);
  const level = new Uint8Array(ENTITIES);
  return (data, clock) => {
    const out: unknown[] = [];
    let rejected = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < READINGS; i++) {
      const e = data.entity[i] as number;
      const raw: unknown = data.value[i];
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        rejected++;
        continue;
      }
      const reading = { value: raw, at: clock.now() };
      currentReading[e] = reading;
      const next = raw > ABOVE ? 1 : 0;
      if (next !== level[e]) {
        level[e] = next;
        if (next === 1) out.push({ kind: 'above', inputs: [{ entity: entityIds[e], sensor: 'cpu', ...reading }] });
      }
    }
    return { cpuMs: cpuMsSince(start), above: out.length, rejected };
  };
}

const data = makeData();
const clock = new current.VirtualClock();
const other = process.env['BENCH_OTHER'];
const typedArray = typedArrayLoop();
const objectPerReading = objectPerReadingLoop();
// the other build gets its own instance of the publishing loop (see publish-loop.ts)
const secondLoop = './publish-loop.js?other';
const buildOther = async (): Promise<(data: Data) => Round> => buildHomeostat((await import(other as string)) as Library, ((await import(secondLoop)) as { publishAll: typeof publishAll }).publishAll);
const otherFirst = other !== undefined && process.env['BENCH_OTHER_FIRST'] === '1' ? await buildOther() : undefined;
const loops: Array<[string, (data: Data) => Round]> = [
  ['homeostat', buildHomeostat(current, publishAll)],
  ['typedArray', (d) => typedArray(d, clock)],
  ['objectPerReading', (d) => objectPerReading(d, clock)],
  ['objectPerSensor', objectPerSensorLoop(new current.VirtualClock(), entityIds, ENTITIES, READINGS, ABOVE)],
];
if (other) loops.push(['other', otherFirst ?? (await buildOther())]);
const cpu = new Map<string, number[]>(loops.map(([name]) => [name, []]));
let expectedAbove: number | undefined;
let expectedRejected: number | undefined;
// the first rounds warm every loop up (JIT tiers, caches) and are not counted; the order of the loops alternates, so
// the one that runs after another pays for its garbage no more often than the rest
for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
  for (const [name, run] of round % 2 === 0 ? loops : [...loops].reverse()) {
    const result = run(data);
    expectedAbove ??= result.above;
    expectedRejected ??= result.rejected;
    if (result.above !== expectedAbove || result.rejected !== expectedRejected) throw new Error(`the loops disagree: ${name} found ${result.above} above symptoms and rejected ${result.rejected} readings, expected ${expectedAbove} and ${expectedRejected}`);
    if (round >= WARM_UP_ROUNDS) cpu.get(name)?.push(result.cpuMs);
    // a turn of the event loop between runs, as a live service has between ticks (knowledge flushes)
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Per-round ratios of one loop's CPU time to another's (the two ran in the same round), min/median/max. */
function ratio(over: string, under: string): { min: number; median: number; max: number; rounds: number[] } {
  const a = cpu.get(over) ?? [];
  const b = cpu.get(under) ?? [];
  const rounds = a.map((ms, i) => ms / (b[i] ?? NaN));
  return { min: Math.min(...rounds), median: median(rounds), max: Math.max(...rounds), rounds: rounds.map((r) => Math.round(r * 100) / 100) };
}
const perSecond = (name: string): number => Math.round(READINGS / (median(cpu.get(name) ?? []) / 1000));
const overhead = ratio('homeostat', 'typedArray');
emit({
  name: 'throughput',
  entities: ENTITIES,
  readings: READINGS,
  rounds: ROUNDS,
  aboveSymptomsPerRound: expectedAbove,
  rejectedPerRound: expectedRejected,
  lastPlainSymptom: lastSymptom?.kind,
  homeostatReadingsPerSecond: perSecond('homeostat'),
  plainReadingsPerSecond: perSecond('typedArray'),
  objectLoopReadingsPerSecond: perSecond('objectPerReading'),
  overheadRatio: overhead.median,
  overheadRatioMin: overhead.min,
  overheadRatioMax: overhead.max,
  roundRatios: overhead.rounds,
  objectLoopOverheadRatio: ratio('homeostat', 'objectPerReading').median,
  objectPerSensorReadingsPerSecond: perSecond('objectPerSensor'),
  objectPerSensorOverTypedArray: ratio('objectPerSensor', 'typedArray'),
  homeostatOverObjectPerSensor: ratio('homeostat', 'objectPerSensor'),
  ...(other ? { otherBuiltFirst: otherFirst !== undefined, otherOverheadRatio: ratio('other', 'typedArray'), otherOverCurrent: ratio('other', 'homeostat') } : {}),
});
