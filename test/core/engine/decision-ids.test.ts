import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../../src/core/engine/engine.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { numberSensor } from '../../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { followLoad } from './fixture.js';

/** One engine over its own `web-<n>` entity, writing to the shared store, as one instance of several would. */
function instance(store: MemoryStore, clock: VirtualClock, n: number, tag?: string) {
  const tree = new EntityTree(clock);
  const web = tree.add({ id: `web-${n}`, type: 'cluster', sensors: [numberSensor('load')], effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number() }), run: () => undefined })] });
  const knowledge = new Knowledge(store, clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock, ...(tag === undefined ? {} : { decisionIdTag: tag }) });
  engine.attach(web, followLoad, {});
  engine.start();
  return { web, knowledge, engine };
}

describe('decision ids of instances sharing one store', () => {
  it('instances that decide at the same instant write different ids, so neither record replaces the other', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore();
    const a = instance(store, clock, 1, 'host:1:aa');
    const b = instance(store, clock, 2, 'host:2:bb');
    a.web.sensor('load').publish(3);
    b.web.sensor('load').publish(4);
    await clock.advanceBy(1_000);
    await Promise.all([a.knowledge.flush(), b.knowledge.flush()]);
    const stored = await store.queryDecisions({});
    expect(stored.map((d) => d.entity).sort()).toEqual(['web-1', 'web-2']);
    expect(stored.map((d) => d.id).sort()).toEqual([expect.stringMatching(/^d-0-host:1:aa-1$/), expect.stringMatching(/^d-0-host:2:bb-1$/)]);
  });

  it('without a tag the same instant and sequence give the same id: the collision the tag prevents', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore();
    const a = instance(store, clock, 1);
    const b = instance(store, clock, 2);
    a.web.sensor('load').publish(3);
    b.web.sensor('load').publish(4);
    await clock.advanceBy(1_000);
    await Promise.all([a.knowledge.flush(), b.knowledge.flush()]);
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['d-0-1']);
  });
});
