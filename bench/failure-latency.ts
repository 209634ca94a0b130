// Latency from a failure being detected to the first effector being invoked: a restarter with no failure
// delay on one entity. Measured in process in real time (p50/p99), and in virtual time (scheduler ms).
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, restarter, type SchedulerLike } from '../src/index.js';
import { emit, quantile } from './stats.js';

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

const real = (await measure(asyncScheduler, 3_000, () => Promise.resolve())).slice(500);
const clock = new VirtualClock();
const virtual = await measure(clock, 200, () => clock.settle());
emit({
  name: 'failure-latency',
  samples: real.length,
  realP50Ms: quantile(real, 0.5),
  realP99Ms: quantile(real, 0.99),
  virtualMaxMs: Math.max(...virtual),
});
