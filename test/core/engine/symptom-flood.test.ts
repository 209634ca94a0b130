// A policy whose analyze emits in a loop (a from() of a huge array, a generator that does not end) is faulted
// past MAX_SYMPTOMS_PER_BURST symptoms without yielding, and its source stops: 1,000,000 symptoms in one turn
// held every other loop and the HTTP service up for 116 s, each planned and recorded.
import { Observable, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../../src/core/engine/engine.js';
import { MAX_SYMPTOMS_PER_BURST } from '../../../src/core/engine/symptom-burst.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import type { PolicyFault } from '../../../src/knowledge/decision.js';
import { definePolicy, type Symptom } from '../../../src/policies/define-policy.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

const symptom: Symptom = { kind: 'loud', inputs: [] };

function setup() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const engine = new Engine({ tree, knowledge: new Knowledge(new MemoryStore(), clock), scheduler: clock });
  const root = tree.add({ id: 'root', type: 'application', sensors: [numberSensor('load')] });
  const faults: PolicyFault[] = [];
  engine.faults$.subscribe((f) => faults.push(f));
  return { clock, tree, engine, root, faults };
}

describe('a policy that floods symptoms', () => {
  it('is faulted past the bound in one turn, its synchronous source stopped, and the other loops go on', async () => {
    const { clock, engine, root, faults } = setup();
    let emitted = 0;
    let planned = 0;
    const flood = definePolicy({
      name: 'flood',
      config: z.object({}),
      monitor: () => new Observable<never>(),
      analyze: () => new Observable<Symptom>((subscriber) => {
        for (let i = 0; i < 4 * MAX_SYMPTOMS_PER_BURST && !subscriber.closed; i++) {
          emitted += 1;
          subscriber.next(symptom);
        }
      }),
      plan: () => void (planned += 1),
    });
    let steadyPlans = 0;
    const steady = definePolicy({
      name: 'steady',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((o) => ({ kind: 'reading', inputs: [o] }))),
      plan: () => void (steadyPlans += 1),
    });
    engine.attach(root, flood, {}, { id: 'root/flood' });
    engine.attach(root, steady, {}, { id: 'root/steady' });
    engine.start();
    expect(planned).toBe(MAX_SYMPTOMS_PER_BURST);
    expect(emitted).toBe(MAX_SYMPTOMS_PER_BURST + 1);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ policy: 'root/flood', phase: 'analyze' });
    expect(faults[0]?.message).toMatch(new RegExp(`^analyze emitted more than ${MAX_SYMPTOMS_PER_BURST} symptoms without yielding`));
    root.sensor<number>('load').publish(1);
    await clock.settle();
    expect(steadyPlans).toBe(1);
    await engine.stop({ graceMs: 0 });
  });

  it('takes any number of symptoms spread over turns, however many in all', async () => {
    const { clock, engine, root, faults } = setup();
    let planned = 0;
    const busy = definePolicy({
      name: 'busy',
      config: z.object({}),
      monitor: ({ entity }) => entity.sensor<number>('load').readings$,
      analyze: (source) => source.pipe(map((o) => ({ kind: 'reading', inputs: [o] }))),
      plan: () => void (planned += 1),
    });
    engine.attach(root, busy, {}, { id: 'root/busy' });
    engine.start();
    const sensor = root.sensor<number>('load');
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < MAX_SYMPTOMS_PER_BURST; i++) sensor.publish(turn * MAX_SYMPTOMS_PER_BURST + i); // the most one turn may hold
      await clock.settle();
    }
    expect(planned).toBe(3 * MAX_SYMPTOMS_PER_BURST);
    expect(faults).toEqual([]);
    await engine.stop({ graceMs: 0 });
  });
});
