import { describe, expect, it } from 'vitest';
import type { SharedArbitration, SharedOperation } from '../../../src/core/engine/shared-arbitration.js';
import { engineFixture, followLoad } from './fixture.js';

// With shards, the engine asks the shared arbitration before it acts: a plan of a part of the tree this
// instance does not hold (planned warm) takes no hold and spends no budget; one it holds acquires and releases.
function sharedArbitration(acts: boolean): SharedArbitration & { acquired: SharedOperation[]; released: string[] } {
  const acquired: SharedOperation[] = [];
  const released: string[] = [];
  return {
    acquired,
    released,
    actsFor: () => acts,
    acquire: async (operation) => {
      acquired.push(operation);
      return { id: `op-${acquired.length}` };
    },
    release: async (id) => {
      released.push(id);
    },
  };
}

describe('Engine with shared arbitration', () => {
  it('records the plans of parts another instance holds as suspended, without a hold or a budget stamp', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    const shared = sharedArbitration(false);
    engine.setSharedArbitration(shared);
    engine.attach(web, followLoad, {});
    engine.start();
    clock.schedule(() => web.sensor('load').publish(3), 1000);
    await clock.advanceBy(1000);
    const [decision] = await knowledge.queryDecisions({});
    expect(decision?.outcome).toBe('suspended');
    expect(decision?.detail).toContain('not acting');
    expect(shared.acquired).toEqual([]);
    expect(sizes).toEqual([]);
  });

  it('acquires a hold for the plans of parts it holds, and releases it when the plan ends', async () => {
    const { clock, web, engine, knowledge, sizes } = await engineFixture();
    const shared = sharedArbitration(true);
    engine.setSharedArbitration(shared);
    engine.attach(web, followLoad, {});
    engine.start();
    clock.schedule(() => web.sensor('load').publish(4), 1000);
    await clock.advanceBy(1000);
    await clock.settle();
    expect(sizes).toEqual([4]);
    expect(shared.acquired).toEqual([{ policy: 'web/follow-load', scope: 'web', covered: ['web'], budgets: [] }]);
    expect(shared.released).toEqual(['op-1']);
    expect((await knowledge.queryDecisions({}))[0]?.outcome).toBe('applied');
  });
});
