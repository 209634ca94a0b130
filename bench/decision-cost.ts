// CPU per decision in the whole loop's shape: 10,000 entities, 1,000,000 readings and 10,000 decisions per
// round (one reading in a hundred crosses the threshold), minus a round of the same readings with no
// crossing, divided by the decisions. BENCH_CROSS_EVERY=2 and BENCH_READINGS=100000 make decisions dominate
// (every other pass over the fleet crosses: 50,000 decisions per round). Not part of `npm run bench`: it
// compares builds. With BENCH_OTHER set to another compiled build's `src/index.js` (e.g. a copy of
// `.bench-build` made before a change), both builds run in this process, rounds alternating and which build
// goes first alternating too, so machine load weighs on both alike; the report gives each build's
// microseconds per decision (min/median/max) and the ratio of the medians. The build imported here (current)
// has measured slower than the other in an A/A run (the same build twice: other/current 0.85-0.91), so a
// comparison is best run both ways (each build as current) and the two ratios combined: B/A is the square
// root of (B/A measured with A current) over (A/B measured with B current).
import { z } from 'zod';
import * as current from '../src/index.js';
import { emit, median, WARM_UP_ROUNDS } from './stats.js';

type Library = typeof current;
const ENTITIES = Number(process.env['BENCH_ENTITIES'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const READINGS = Number(process.env['BENCH_READINGS'] ?? 1_000_000);
/** One pass over the fleet in this many has an entity cross the threshold (2: every other reading, decisions dominate). */
const CROSS_EVERY = Number(process.env['BENCH_CROSS_EVERY'] ?? 100);

/** A fleet on one build: each round publishes the readings and returns its CPU ms and decisions. */
function fleet(lib: Library): (salt: number, cross: boolean) => Promise<{ cpuMs: number; decisions: number }> {
  const clock = new lib.VirtualClock();
  const tree = new lib.EntityTree(clock);
  const restart = lib.defineEffector({ name: 'restart', params: z.object({}), run: () => undefined });
  const knowledge = new lib.Knowledge(new lib.MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), clock);
  const engine = new lib.Engine({ tree, knowledge, scheduler: clock });
  const policy = lib.definePolicy({
    name: 'bench-threshold',
    config: z.object({ above: z.number() }),
    monitor: ({ entity }) => entity.sensor<number>('cpu').observations$,
    analyze: (source, { config }) => source.pipe(lib.threshold({ above: config.above })),
    plan: (symptom, { entity }) => (symptom.kind === 'above' ? { actions: [{ entity: entity.id, effector: 'restart' }], reason: 'over threshold' } : undefined),
  });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: current.Sensor<number>[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const e = tree.add({ id: `e${i}`, type: 'server', sensors: [lib.numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(e, policy, { above: 0.9 }, { id: `e${i}/cpu` });
    sensors.push(e.sensor<number>('cpu'));
  }
  let decisions = 0;
  engine.decisions$.subscribe(() => void (decisions += 1));
  engine.start();
  return async (salt, cross) => {
    const d0 = decisions;
    const cpu0 = process.cpuUsage();
    for (let k = 0; k < READINGS; k++) {
      const e = k % ENTITIES;
      const pass = salt + Math.floor(k / ENTITIES);
      (sensors[e] as current.Sensor<number>).publish(cross && (e + pass) % CROSS_EVERY === 0 ? 0.95 : 0.5);
      if (k % 1000 === 999) await clock.advanceBy(1);
    }
    await clock.advanceBy(1);
    await knowledge.flush();
    const used = process.cpuUsage(cpu0);
    return { cpuMs: (used.user + used.system) / 1000, decisions: decisions - d0 };
  };
}

const other = process.env['BENCH_OTHER'];
const builds: Array<[string, ReturnType<typeof fleet>]> = [['current', fleet(current)]];
if (other) builds.push(['other', fleet((await import(other)) as Library)]);
const costs = new Map<string, number[]>(builds.map(([name]) => [name, []]));
for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
  // which build goes first alternates too: the second pays for the first's garbage
  for (const [name, run] of round % 2 === 0 ? builds : [...builds].reverse()) {
    const quiet = await run(round * 7, false);
    const loud = await run(round * 7, true);
    if (loud.decisions === 0) throw new Error(`build ${name} made no decision in round ${round}`);
    if (round >= WARM_UP_ROUNDS) costs.get(name)?.push(((loud.cpuMs - quiet.cpuMs) * 1000) / loud.decisions);
  }
}
const summary = (values: number[]) => ({ usPerDecisionMin: Math.min(...values), usPerDecisionMedian: median(values), usPerDecisionMax: Math.max(...values) });
const currentCost = costs.get('current') ?? [];
const otherCost = costs.get('other');
emit({ name: 'decision-cost', entities: ENTITIES, rounds: ROUNDS, crossEvery: CROSS_EVERY, current: summary(currentCost), ...(otherCost ? { other: summary(otherCost), otherOverCurrent: median(otherCost) / median(currentCost) } : {}) });
