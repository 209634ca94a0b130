import { describe, expect, it } from 'vitest';
import { NEVER } from 'rxjs';
import { z } from 'zod';
import { definePolicy, type PolicyContext } from '../../../src/policies/define-policy.js';
import { engineFixture } from './fixture.js';

describe('the context a running policy sees', () => {
  it('gives the attachment, one scheduler and one state view however often asked, and destructures', async () => {
    const { engine, web, tree, clock } = await engineFixture();
    const seen: Array<PolicyContext<{ limit: number }>> = [];
    const policy = definePolicy({
      name: 'looks',
      config: z.object({ limit: z.number().default(3) }),
      monitor: (context) => {
        seen.push(context);
        return NEVER;
      },
      analyze: (source) => source,
      plan: () => undefined,
    });
    engine.attach(web, policy, {}, { id: 'web/looks' });
    engine.start();
    const [context] = seen;
    if (!context) throw new Error('monitor was not called');
    const { policyId, entity, config, scheduler, state } = context;
    expect({ policyId, entity, config }).toEqual({ policyId: 'web/looks', entity: web, config: { limit: 3 } });
    expect(context.tree).toBe(tree);
    expect(context.scheduler).toBe(scheduler);
    expect(context.state).toBe(state);
    expect(scheduler.now()).toBe(clock.now());
    state.set('seen', 1);
    expect(context.state.get('seen')).toBe(1);
    await engine.stop();
  });

  it('reports a throw of work the policy scheduled as its fault, and restarts it', async () => {
    const { engine, web, clock } = await engineFixture();
    const policy = definePolicy({
      name: 'schedules',
      config: z.object({}),
      monitor: ({ scheduler }) => {
        scheduler.schedule(() => {
          throw new Error('timer exploded');
        }, 1_000);
        return NEVER;
      },
      analyze: (source) => source,
      plan: () => undefined,
    });
    engine.attach(web, policy, {}, { id: 'web/schedules' });
    engine.start();
    await clock.advanceBy(1_000);
    expect(engine.policy('web/schedules')).toMatchObject({ state: 'restarting', faults: 1 });
    await engine.stop();
  });
});
