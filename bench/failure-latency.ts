// Latency from a failure being detected to the first effector being invoked: a restarter with no failure
// delay on one entity. Measured in process in real time (p50/p99) with a background load of 1,000 entities
// deciding (a pass over them on every turn of the event loop, one in a hundred crossing a threshold, each
// crossing a decision and an invocation), and in virtual time (scheduler ms). No sample is dropped as
// warm-up: the very first failure after start (cold) is reported beside the warm ones.
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, restarter, type SchedulerLike } from '../src/index.js';
import { startBackgroundLoad } from './background-load.js';
import { emit, quantile } from './stats.js';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 3_000);
const BACKGROUND = 1_000;

/** Restarts one restarter may make (its `maxRestarts` is bounded at 1,000): a fresh engine takes over after this many. */
const PER_ENGINE = 900;

async function measure(scheduler: SchedulerLike, samples: number, settle: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  while (latencies.length < samples) latencies.push(...(await measureOnce(scheduler, Math.min(PER_ENGINE, samples - latencies.length), settle)));
  return latencies;
}

async function measureOnce(scheduler: SchedulerLike, samples: number, settle: () => Promise<void>): Promise<number[]> {
  const tree = new EntityTree(scheduler);
  let invoked: (() => void) | undefined;
  const server = tree.add({
    id: 'server', type: 'server',
    effectors: [defineEffector({ name: 'restart', params: z.object({}), run: () => invoked?.() })],
  });
  const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore({ maxDecisions: 100 }), scheduler), scheduler });
  // more restarts than samples, in a window the default backoff (30 s doubling to 2 min) fits in, so it never escalates
  engine.attach(server, restarter, { failureDelay: 0, maxRestarts: PER_ENGINE, window: '20d' });
  engine.start();
  server.setState('running');
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    server.setUp(true);
    await settle();
    const done = new Promise<number>((resolve) => (invoked = () => resolve(performance.now())));
    const virtualStart = scheduler.now();
    const start = performance.now();
    server.setUp(false); // the failure is detected on this reading
    const end = await done;
    latencies.push(scheduler === asyncScheduler ? end - start : scheduler.now() - virtualStart);
    await settle();
  }
  await engine.stop();
  return latencies;
}

const background = startBackgroundLoad(BACKGROUND);
// one background pass between samples, as in the reading -> effector bench
const [cold, ...warm] = await measure(asyncScheduler, SAMPLES + 1, () => new Promise((resolve) => setImmediate(resolve)));
await background.stop();
const clock = new VirtualClock();
const virtual = await measure(clock, 200, () => clock.advanceBy(1));
emit({
  name: 'failure-latency',
  samples: warm.length,
  backgroundEntities: BACKGROUND,
  backgroundInvocations: background.invocations(),
  coldFirstMs: cold,
  realP50Ms: quantile(warm, 0.5),
  realP99Ms: quantile(warm, 0.99),
  virtualMaxMs: Math.max(...virtual),
});
