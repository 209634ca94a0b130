// The whole loop: readings to decisions stored and effectors invoked (monitor, analyze, plan, execute,
// knowledge), at 1k, 10k and 100k entities, against a plain loop doing the same work with the best plain
// code (typed arrays for current values and levels, preallocated rings of records, a direct effector
// call). About 1 % of readings cross the threshold, and each crossing is a decision and an invocation.
// The plain loop builds what homeostat stores for each crossing, no more: a decision (id, time, entity,
// policy, the symptom with the value and the bound, actions, reason, inputs, outcome) and an invocation
// record (id, start, entity, effector, outcome, duration), each kept in a ring of 1,000 as the memory store
// keeps them. (Homeostat's records also carry phase durations, the policy name and the caller; the plain
// loop leaves those out.) Rounds alternate between the two loops; the ratio is per round, reported as
// min/median/max. With BENCH_OTHER set to another compiled build's `src/index.js` (e.g. a copy of `.bench-build`
// made before a change), that build runs too, in the same process and against the same plain rounds, and its
// ratios are reported beside this build's (before and after in one run, on a machine whose load varies).
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { z } from 'zod';
import * as current from '../src/index.js';
import { emit, median, cpuMsSince, WARM_UP_ROUNDS } from './stats.js';

type Library = typeof current;
type Sensor<T> = current.Sensor<T>;

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000,100000').split(',').map(Number);

/** The value entity `e` reads in pass `pass` over the fleet: above 0.9 for one pass in a hundred. */
const valueOf = (e: number, pass: number): number => ((e + pass) % 100 === 0 ? 0.95 : 0.5);

/** One round of a loop: wall-clock and CPU time (the process's, GC threads included), and what it did. */
interface Timed {
  readonly ms: number;
  readonly cpuMs: number;
  readonly decisions: number;
  readonly invoked: number;
}


function readingsFor(entities: number): number {
  return Math.max(1_000_000, entities * 10);
}

/** The policy the benchmarks attach (as bench/threshold-policy.ts), defined with the build `lib`. */
function thresholdPolicyOf(lib: Library) {
  return lib.definePolicy({
    name: 'bench-threshold',
    config: z.object({ sensor: z.string(), above: z.number() }),
    monitor: ({ entity, config }) => entity.sensor<number>(config.sensor).observations$,
    analyze: (source, { config }) => source.pipe(lib.threshold({ above: config.above })),
    plan: (symptom, { entity }) => (symptom.kind === 'above' ? { actions: [{ entity: entity.id, effector: 'restart' }], reason: 'over threshold' } : undefined),
  });
}

async function homeostat(lib: Library, entities: number): Promise<{ run: (salt: number, readings?: number) => Promise<Timed>; stop: () => Promise<void> }> {
  const clock = new lib.VirtualClock();
  const tree = new lib.EntityTree(clock);
  let invoked = 0;
  const restart = lib.defineEffector({ name: 'restart', params: z.object({}), run: () => void (invoked += 1) });
  const knowledge = new lib.Knowledge(new lib.MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), clock);
  const engine = new lib.Engine({ tree, knowledge, scheduler: clock });
  const thresholdPolicy = thresholdPolicyOf(lib);
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < entities; i++) {
    const e = tree.add({ id: `e${i}`, type: 'server', sensors: [lib.numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(e, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
    sensors.push(e.sensor<number>('cpu'));
  }
  let decisions = 0;
  const counting = engine.decisions$.subscribe(() => void (decisions += 1));
  engine.start();
  const readings = readingsFor(entities);
  return {
    run: async (salt, count = readings) => {
      const d0 = decisions;
      const i0 = invoked;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (let k = 0; k < count; k++) {
        const e = k % entities;
        (sensors[e] as Sensor<number>).publish(valueOf(e, salt + Math.floor(k / entities)));
        // the loop's asynchronous steps (execution, knowledge writes) get their turn, as in a live service, and
        // time moves on (a millisecond per 1,000 readings): a fleet's readings do not all come at one instant
        if (k % 1000 === 999) await clock.advanceBy(1);
      }
      await clock.advanceBy(1);
      await knowledge.flush();
      return { ms: performance.now() - start, cpuMs: cpuMsSince(cpu0), decisions: decisions - d0, invoked: invoked - i0 };
    },
    stop: async () => {
      counting.unsubscribe();
      await engine.stop();
    },
  };
}

function plain(entities: number): (salt: number, readings?: number) => Timed {
  const ids = Array.from({ length: entities }, (_, i) => `e${i}`);
  const value = new Float64Array(entities);
  const at = new Float64Array(entities);
  const level = new Uint8Array(entities);
  const decisionRing: Array<Record<string, unknown> | undefined> = new Array<Record<string, unknown> | undefined>(1000).fill(undefined);
  const invocationRing: Array<Record<string, unknown> | undefined> = new Array<Record<string, unknown> | undefined>(1000).fill(undefined);
  let head = 0;
  let sequence = 0;
  let invoked = 0;
  let now = 0;
  const restart = (_entity: string): void => void (invoked += 1);
  const readings = readingsFor(entities);
  return (salt, count = readings) => {
    const i0 = invoked;
    let decisions = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (let k = 0; k < count; k++) {
      const e = k % entities;
      const raw = valueOf(e, salt + Math.floor(k / entities));
      if (!Number.isFinite(raw)) continue;
      value[e] = raw;
      at[e] = now++;
      const next = raw > 0.9 ? 1 : 0;
      if (next === level[e]) continue;
      level[e] = next;
      if (next !== 1) continue;
      const id = ids[e] as string;
      const started = now;
      restart(id);
      sequence += 1;
      invocationRing[head] = { id: `inv-${started}-${sequence}`, at: started, entity: id, effector: 'restart', outcome: 'succeeded', durationMs: now - started };
      decisionRing[head] = {
        id: `d-${now}-${sequence}`,
        at: now,
        entity: id,
        policy: `${id}/cpu`,
        symptom: { kind: 'above', detail: { value: raw, bound: 0.9 } },
        actions: [{ entity: id, effector: 'restart' }],
        reason: 'over threshold',
        inputs: [{ entity: id, sensor: 'cpu', value: raw, at: at[e] }],
        outcome: 'applied',
      };
      head = (head + 1) % decisionRing.length;
      decisions += 1;
    }
    return { ms: performance.now() - start, cpuMs: cpuMsSince(cpu0), decisions, invoked: invoked - i0 };
  };
}

/**
 * CPU milliseconds of the event-loop turns a homeostat round takes (the clock advanced 1 ms per 1,000 readings and at
 * the end) on an idle clock: what the harness gives homeostat's asynchronous steps and the plain loop, wholly
 * synchronous, never needs. Reported beside the ratio, not taken out of it.
 */
async function idleTurnsCpuMs(lib: Library, readings: number): Promise<number> {
  const clock = new lib.VirtualClock();
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < readings; k++) if (k % 1000 === 999) await clock.advanceBy(1);
  await clock.advanceBy(1);
  return cpuMsSince(cpu0);
}

/** Ratios of one build's rounds to the plain rounds, min/median/max. */
function ratiosOf(entities: number, rounds: Timed[], plainRounds: Timed[]): Record<string, number> {
  const ratios = rounds.map((h, i) => h.ms / (plainRounds[i] as Timed).ms);
  const cpuRatios = rounds.map((h, i) => h.cpuMs / Math.max((plainRounds[i] as Timed).cpuMs, 0.001));
  const rates = rounds.map((h) => readingsFor(entities) / (h.ms / 1000));
  return {
    readingsPerSecond: Math.round(median(rates)),
    // the rounds' own times: with V8's allocation-site pretenuring on, the plain loop's varied by a factor of up to
    // four between processes (its records pretenured in some), moving the ratio while homeostat's time stayed put;
    // bench/run.ts turns it off, as `homeostat run` does
    msMedian: median(rounds.map((h) => h.ms)),
    plainMsMin: Math.min(...plainRounds.map((p) => p.ms)),
    plainMsMedian: median(plainRounds.map((p) => p.ms)),
    plainMsMax: Math.max(...plainRounds.map((p) => p.ms)),
    ratioMin: Math.min(...ratios),
    ratioMedian: median(ratios),
    ratioMax: Math.max(...ratios),
    cpuRatioMin: Math.min(...cpuRatios),
    cpuRatioMedian: median(cpuRatios),
    cpuRatioMax: Math.max(...cpuRatios),
  };
}

/**
 * Bytes allocated per decision by a loop, readings included: the growth of V8's young generation over a short
 * round (10 passes over the fleet, a decision in each pass for one entity in a hundred) in which no collection
 * ran, median of up to 15 such rounds. Unlike time, it does not depend on the machine's load.
 */
async function bytesPerDecision(round: (salt: number, readings: number) => Timed | Promise<Timed>, entities: number): Promise<number | undefined> {
  const youngUsed = (): number => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
  let collections = 0;
  const observer = new PerformanceObserver((list) => void (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  const samples: number[] = [];
  try {
    for (let attempt = 0; attempt < 60 && samples.length < 15; attempt++) {
      await new Promise((resolve) => setImmediate(resolve)); // collections of the round before are reported
      const before = collections;
      const used = youngUsed();
      const { decisions } = await round(1000 + attempt * 7, entities * 10);
      const grown = youngUsed() - used;
      await new Promise((resolve) => setImmediate(resolve));
      if (collections === before && grown > 0 && decisions > 0) samples.push(grown / decisions);
    }
  } finally {
    observer.disconnect();
  }
  return samples.length > 0 ? median(samples) : undefined;
}

const otherPath = process.env['BENCH_OTHER'];
const other = otherPath ? ((await import(otherPath)) as Library) : undefined;
const sizes: Record<string, unknown>[] = [];
for (const entities of SIZES) {
  const ours = await homeostat(current, entities);
  const theirs = other ? await homeostat(other, entities) : undefined;
  const plainRun = plain(entities);
  const oursRounds: Timed[] = [];
  const otherRounds: Timed[] = [];
  const plainRounds: Timed[] = [];
  const turnsCpuMs: number[] = [];
  let decisions = 0;
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    // with two builds, which goes first alternates: the second pays for the first's garbage
    const h = round % 2 === 0 || !theirs ? await ours.run(round * 7) : undefined;
    const o = theirs ? await theirs.run(round * 7) : undefined;
    const h2 = h ?? (await ours.run(round * 7));
    const p = plainRun(round * 7);
    for (const [name, t] of [['current', h2], ['other', o]] as const) {
      if (t && (t.decisions !== p.decisions || t.invoked !== p.invoked)) throw new Error(`at ${entities} entities the ${name} build and the plain loop disagree: ${t.decisions}/${t.invoked} vs ${p.decisions}/${p.invoked}`);
    }
    if (round < WARM_UP_ROUNDS) continue;
    decisions = h2.decisions;
    turnsCpuMs.push(await idleTurnsCpuMs(current, readingsFor(entities)));
    oursRounds.push(h2);
    if (o) otherRounds.push(o);
    plainRounds.push(p);
  }
  const allocation = entities <= 10_000 ? { bytesPerDecision: await bytesPerDecision(ours.run, entities), plainBytesPerDecision: await bytesPerDecision(plainRun, entities) } : {};
  await ours.stop();
  await theirs?.stop();
  // the builds against each other round by round: steadier than either against the short plain rounds
  const otherOverCurrent = theirs ? { otherOverCurrentMedian: median(otherRounds.map((o, i) => o.ms / (oursRounds[i] as Timed).ms)), otherOverCurrentCpuMedian: median(otherRounds.map((o, i) => o.cpuMs / (oursRounds[i] as Timed).cpuMs)) } : {};
  // the CPU ratio with the turns' CPU taken off homeostat's rounds: how much of the ratio the harness's turns are
  const turns = median(turnsCpuMs);
  const cpuRatioWithoutTurnsMedian = median(oursRounds.map((h, i) => Math.max(0, h.cpuMs - turns) / Math.max((plainRounds[i] as Timed).cpuMs, 0.001)));
  sizes.push({ entities, readings: readingsFor(entities), decisions, ...allocation, ...ratiosOf(entities, oursRounds, plainRounds), turnsCpuMs: turns, cpuRatioWithoutTurnsMedian, ...(theirs ? { other: ratiosOf(entities, otherRounds, plainRounds), ...otherOverCurrent } : {}) });
}
emit({ name: 'whole-loop', rounds: ROUNDS, sizes });
