// CPU and bytes per decision of the knowledge side alone: a decision and its invocation record, shaped as the
// engine writes them, recorded through Knowledge (bounded, redacted, emitted on decisions$ to one subscriber,
// queued) into a MemoryStore, flushed every 500 decisions. Not part of `npm run bench`: it compares builds,
// as decision-cost does. With BENCH_OTHER set to another compiled build's `src/index.js`, both builds run in
// this process, rounds alternating and which build goes first alternating too; the report gives each
// build's nanoseconds per decision (min/median of the rounds) and bytes per decision (heap growth over a
// batch in which no collection ran, median), and the ratio of the CPU medians (other/current). The
// records are few distinct objects reused, so what is measured is the path, not the building of its input.
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import * as current from '../src/index.js';
import { emit, median } from './stats.js';

type Library = typeof current;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 10);
const DECISIONS = Number(process.env['BENCH_DECISIONS'] ?? 100_000);
const BATCH = 500;

/** A decision as the engine's decisionRecord builds it (keys in its order), for entity `i`. */
function decision(i: number, at: number): current.Decision {
  return {
    id: `d-${at}-${i}`,
    at,
    entity: `e${i}`,
    policy: `e${i}/cpu`,
    policyName: 'bench-threshold',
    symptom: { kind: 'above', detail: { value: 0.95, above: 0.9 } },
    actions: [{ entity: `e${i}`, effector: 'restart' }],
    reason: 'over threshold',
    inputs: [{ entity: `e${i}`, sensor: 'cpu', value: 0.95, at }],
    outcome: 'applied',
    durations: { analyzeMs: 0.01, planMs: 0.02, executeMs: 0.03 },
  };
}

function invocation(i: number, at: number): current.InvocationRecord {
  return { id: `i-${at}-${i}`, at, entity: `e${i}`, effector: 'restart', caller: { kind: 'policy', name: `e${i}/cpu` }, params: {}, outcome: 'succeeded', attempts: 1, durationMs: 0, result: undefined };
}

interface Writer {
  /** Records `count` decisions with their invocations; the CPU ms it took. */
  run(count: number): Promise<number>;
  /** Bytes allocated per decision over one batch in which no collection ran, or undefined. */
  bytes(): Promise<number | undefined>;
}

function writer(lib: Library): Writer {
  const clock = new lib.VirtualClock();
  const knowledge = new lib.Knowledge(new lib.MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), clock);
  let seen = 0;
  knowledge.decisions$.subscribe(() => void (seen += 1));
  const decisions = Array.from({ length: 64 }, (_, i) => decision(i, i));
  const invocations = Array.from({ length: 64 }, (_, i) => invocation(i, i));
  const batch = async (count: number): Promise<void> => {
    for (let k = 0; k < count; k++) {
      knowledge.recordDecision(decisions[k & 63] as current.Decision);
      knowledge.recordInvocation(invocations[k & 63] as current.InvocationRecord);
    }
    await knowledge.flush();
  };
  return {
    async run(count) {
      const cpu0 = process.cpuUsage();
      for (let done = 0; done < count; done += BATCH) await batch(Math.min(BATCH, count - done));
      const used = process.cpuUsage(cpu0);
      if (seen === 0) throw new Error('no decision was emitted');
      return (used.user + used.system) / 1000;
    },
    async bytes() {
      // every space: a site whose objects live long (the stored records) may be allocated in the old space at once
      const used = (): number => v8.getHeapSpaceStatistics().reduce((sum, space) => sum + space.space_used_size, 0);
      let collections = 0;
      const observer = new PerformanceObserver((list) => void (collections += list.getEntries().length));
      observer.observe({ entryTypes: ['gc'] });
      const samples: number[] = [];
      try {
        for (let attempt = 0; attempt < 60 && samples.length < 15; attempt++) {
          await new Promise((resolve) => setImmediate(resolve));
          const seen = collections;
          const before = used();
          await batch(100);
          const grown = used() - before;
          await new Promise((resolve) => setImmediate(resolve));
          if (collections === seen && grown > 0) samples.push(grown / 100);
        }
      } finally {
        observer.disconnect();
      }
      return samples.length > 0 ? median(samples) : undefined;
    },
  };
}

const other = process.env['BENCH_OTHER'];
const builds: Array<[string, Writer]> = [['current', writer(current)]];
if (other) builds.push(['other', writer((await import(other)) as Library)]);
const costs = new Map<string, number[]>(builds.map(([name]) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, w] of round % 2 === 0 ? builds : [...builds].reverse()) {
    const cpuMs = await w.run(DECISIONS);
    if (round > 0) costs.get(name)?.push((cpuMs * 1e6) / DECISIONS); // round 0 warms up
  }
}
const summary = async (name: string, w: Writer) => {
  const values = costs.get(name) ?? [];
  return { nsPerDecisionMin: Math.round(Math.min(...values)), nsPerDecisionMedian: Math.round(median(values)), bytesPerDecision: await w.bytes() };
};
const result: Record<string, unknown> = { name: 'knowledge-write', decisions: DECISIONS, rounds: ROUNDS };
for (const [name, w] of builds) result[name] = await summary(name, w);
const otherCost = costs.get('other');
if (otherCost) result['otherOverCurrent'] = median(otherCost) / median(costs.get('current') ?? []);
emit(result);
