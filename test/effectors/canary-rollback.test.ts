import { describe, expect, it } from 'vitest';
import { scenario } from '../scenarios/helpers.js';

// Three servers; version 2 never comes up. A canary step of two members, moved one at a time.
const blueprint = `
name: canary-rollback
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 3 }
      memberSpec: { type: sim.server, config: { bootTime: 5s, badVersion: "2" } }
`;

describe('a canary that aborts rolls back only the members it moved', () => {
  it('a member of the step that was never updated (its batch did not start) is neither restarted nor called rolled back', async () => {
    const s = await scenario(blueprint);
    await s.clock.advanceBy(10_000);
    const web = s.tree.get('web');
    const run = s.deployment.engine.invoker.invoke(web, 'canary', { version: '2', steps: [{ weight: 60, pause: '30s' }], maxUnavailable: 1, healthTimeout: 20_000 }, { caller: { kind: 'person', name: 'ops' } });
    run.catch(() => undefined);
    let mostDown = 0;
    for (let t = 0; t < 60; t++) {
      await s.clock.advanceBy(1_000);
      mostDown = Math.max(mostDown, web.members.filter((m) => m.sensor('service.up').value !== true).length);
    }
    await expect(run).rejects.toThrow(/health gate: check web-1\.service\.up eq true did not hold within 20000 ms \(last: false\); rolled back web-1$/);
    const updates = (await s.deployment.knowledge.queryInvocations({ limit: 100 })).filter((r) => r.effector === 'update').reverse();
    // before: web-2 was "rolled back" (updated to 1 and rebooted) while web-1 was down, though it never left 1
    expect(updates.map((r) => `${r.entity} ${String((r.params as { version: string }).version)}`)).toEqual(['web-1 2', 'web-1 1']);
    expect(mostDown).toBe(1);
  });
});
