import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { Engine } from '../../../src/core/engine/engine.js';
import { definePolicy, type AnyPolicyDefinition } from '../../../src/policies/define-policy.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/** A policy that counts its runs: each call of monitor, and each subscription still open. */
function countedPolicy(name: string, onMonitor: () => void = () => undefined) {
  const runs = { monitored: 0, open: 0 };
  const definition = definePolicy({
    name,
    config: z.object({}),
    monitor: () => {
      runs.monitored += 1;
      onMonitor();
      return new Observable<never>(() => {
        runs.open += 1;
        return () => void (runs.open -= 1);
      });
    },
    analyze: (source) => source,
    plan: () => undefined,
  });
  return { definition: definition as AnyPolicyDefinition, runs };
}

describe('a policy attached while the engine starts', () => {
  it('runs once: started by the start that is under way, not a second time by attach', () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
    const root = tree.add({ id: 'root', type: 'application' });
    const late = countedPolicy('late');
    // the first policy's monitor attaches another one (as a driver spawning members during start does)
    const first = countedPolicy('first', () => {
      if (!engine.policies().some((p) => p.name === 'late')) engine.attach(root, late.definition, {});
    });
    engine.attach(root, first.definition, {});
    engine.start();
    expect(first.runs).toEqual({ monitored: 1, open: 1 });
    expect(late.runs).toEqual({ monitored: 1, open: 1 });
    // attached after the start: started at once, by attach
    const after = countedPolicy('after');
    engine.attach(root, after.definition, {});
    expect(after.runs).toEqual({ monitored: 1, open: 1 });
  });

  it('ends the run it had when started again, so no stream is left subscribed', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
    const root = tree.add({ id: 'root', type: 'application' });
    const counted = countedPolicy('counted');
    engine.attach(root, counted.definition, {});
    engine.start();
    await engine.stop({ graceMs: 0 });
    expect(counted.runs.open).toBe(0);
    engine.start();
    engine.start(); // a second start of a running engine changes nothing
    expect(counted.runs).toEqual({ monitored: 2, open: 1 });
  });

  it('after a stop and a start, still detaches the policies of removed entities and records invocations', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    const root = tree.add({ id: 'root', type: 'application' });
    const e = tree.add({ id: 'e', type: 'server', effectors: [defineEffector({ name: 'poke', params: z.object({}), run: () => 'ok' })] }, root);
    engine.attach(e, countedPolicy('counted').definition, {});
    engine.start();
    await engine.stop({ graceMs: 0 });
    engine.start();
    await engine.invoker.invoke(e, 'poke', {}, { caller: { kind: 'person', name: 'ops' } });
    await knowledge.flush();
    expect((await knowledge.queryInvocations({})).map((r) => r.effector)).toEqual(['poke']);
    tree.remove(e);
    expect(engine.policies()).toEqual([]);
  });
});
