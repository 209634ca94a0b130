// The whole loop: readings to decisions stored and effectors invoked (monitor, analyze, plan, execute,
// knowledge), at 1k, 10k and 100k entities, against a plain loop doing the same work with the best plain
// code (typed arrays for current values and levels, preallocated rings of records, a direct effector
// call). About 1 % of readings cross the threshold, and each crossing is a decision and an invocation.
// The plain loop builds what homeostat stores for each crossing, no more: a decision (id, time, entity,
// policy, the symptom with the value and the bound, actions, reason, inputs, outcome) and an invocation
// record (id, start, entity, effector, outcome, duration), each kept in a ring of 1,000 as the memory store
// keeps them. (Homeostat's records also carry phase durations, the policy name and the caller; the plain
// loop leaves those out.) Rounds alternate between the two loops; the ratio is per round, reported as
// min/median/max.
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, numberSensor, type Sensor } from '../src/index.js';
import { emit, median } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
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

/** CPU time (user + system) since `start`, in ms: less disturbed than wall-clock time by other work. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function readingsFor(entities: number): number {
  return Math.max(1_000_000, entities * 10);
}

async function homeostat(entities: number): Promise<{ run: (salt: number) => Promise<Timed>; stop: () => Promise<void> }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  let invoked = 0;
  const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => void (invoked += 1) });
  const knowledge = new Knowledge(new MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < entities; i++) {
    const e = tree.add({ id: `e${i}`, type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(e, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
    sensors.push(e.sensor<number>('cpu'));
  }
  let decisions = 0;
  const counting = engine.decisions$.subscribe(() => void (decisions += 1));
  engine.start();
  const readings = readingsFor(entities);
  return {
    run: async (salt) => {
      const d0 = decisions;
      const i0 = invoked;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (let k = 0; k < readings; k++) {
        const e = k % entities;
        (sensors[e] as Sensor<number>).publish(valueOf(e, salt + Math.floor(k / entities)));
        // the loop's asynchronous steps (execution, knowledge writes) get their turn, as in a live service
        if (k % 1000 === 999) await clock.settle();
      }
      await clock.settle();
      await knowledge.flush();
      return { ms: performance.now() - start, cpuMs: cpuMsSince(cpu0), decisions: decisions - d0, invoked: invoked - i0 };
    },
    stop: async () => {
      counting.unsubscribe();
      await engine.stop();
    },
  };
}

function plain(entities: number): (salt: number) => Timed {
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
  return (salt) => {
    const i0 = invoked;
    let decisions = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (let k = 0; k < readings; k++) {
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

const sizes: Record<string, unknown>[] = [];
for (const entities of SIZES) {
  const ours = await homeostat(entities);
  const theirs = plain(entities);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const rates: number[] = [];
  let decisions = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const h = await ours.run(round * 7);
    const p = theirs(round * 7);
    if (h.decisions !== p.decisions || h.invoked !== p.invoked) throw new Error(`at ${entities} entities the loops disagree: ${h.decisions}/${h.invoked} vs ${p.decisions}/${p.invoked}`);
    if (round === 0) continue; // warm-up
    decisions = h.decisions;
    ratios.push(h.ms / p.ms);
    cpuRatios.push(h.cpuMs / Math.max(p.cpuMs, 0.001));
    rates.push(readingsFor(entities) / (h.ms / 1000));
  }
  await ours.stop();
  const sorted = [...ratios].sort((a, b) => a - b);
  sizes.push({ entities, readings: readingsFor(entities), decisions, readingsPerSecond: Math.round(median(rates)), ratioMin: sorted[0], ratioMedian: median(ratios), ratioMax: sorted.at(-1), cpuRatioMin: Math.min(...cpuRatios), cpuRatioMedian: median(cpuRatios), cpuRatioMax: Math.max(...cpuRatios) });
}
emit({ name: 'whole-loop', rounds: ROUNDS, sizes });
