// A background load for the latency benches: 1,000 entities deciding in their own engine, a pass over them on
// every turn of the event loop, one in a hundred readings crossing a threshold (each crossing a decision and an
// invocation).
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, defineEffector, numberSensor, type Entity, type Sensor } from '../src/index.js';
import { thresholdPolicy } from './threshold-policy.js';

/** A running background load: how many invocations it made, and how to stop it. */
export interface BackgroundLoad {
  readonly entities: number;
  invocations(): number;
  stop(): Promise<void>;
}

/** An engine of the caller's to add the load to (the caller starts and stops it), and the parent entity. */
export interface LoadHost {
  readonly tree: EntityTree;
  readonly engine: Engine;
  readonly root: Entity;
}

/**
 * Adds `entities` entities deciding, on every turn of the event loop until stopped: to `into` (attached
 * before the caller starts its engine), or to an engine of their own, started now and stopped by `stop`.
 */
export function startBackgroundLoad(entities = 1_000, into?: LoadHost): BackgroundLoad {
  const own = into === undefined;
  const tree = into?.tree ?? new EntityTree(asyncScheduler);
  let invocations = 0;
  const busy = defineEffector({ name: 'restart', params: z.object({}), run: () => void (invocations += 1) });
  const engine = into?.engine ?? new Engine({ tree, knowledge: new Knowledge(new MemoryStore({ maxDecisions: 1000, maxInvocations: 1000 }), asyncScheduler), scheduler: asyncScheduler });
  const root = into?.root ?? tree.add({ id: 'root', type: 'application' });
  const load: Sensor<number>[] = [];
  for (let i = 0; i < entities; i++) {
    const e = tree.add({ id: `bg${i}`, type: 'server', sensors: [numberSensor('cpu')], effectors: [busy] }, root);
    engine.attach(e, thresholdPolicy, { sensor: 'cpu', above: 0.9 });
    load.push(e.sensor<number>('cpu'));
  }
  if (own) engine.start();
  let pass = 0;
  let running = true;
  const churn = (): void => {
    if (!running) return;
    for (let i = 0; i < entities; i++) load[i]?.publish((i + pass) % 100 === 0 ? 0.95 : 0.5);
    pass += 1;
    setImmediate(churn);
  };
  setImmediate(churn);
  return {
    entities,
    invocations: () => invocations,
    stop: async () => {
      running = false;
      if (own) await engine.stop();
    },
  };
}
