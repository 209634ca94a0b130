import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import { rolling, RollingFailedError } from '../../src/effectors/rolling.js';
import { scenario } from '../scenarios/helpers.js';

/** A cluster of three (two must be up) that the release moves to version 2 one member at a time. */
const release = `
name: bound
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 3 }
      quorum: { from: members, rule: atLeast, n: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
  policies:
    - use: release
      config:
        version: "2"
        evaluationInterval: 30s
        targets:
          - { entity: web, maxUnavailable: 1, healthTimeout: 30s }
`;

const member = (id: string): Entity => ({ id }) as Entity;

describe('a rolling operation never has more members unavailable than maxUnavailable', () => {
  it('a member already down when the release starts counts against the bound: it is moved first, and no other is taken down with it', async () => {
    const s = await scenario(release);
    await s.clock.advanceBy(10_000);
    s.fail('web-3'); // down for good, before the release starts at 30 s
    let mostDown = 0;
    let groupDownSeconds = 0;
    for (let t = 0; t < 200; t++) {
      await s.clock.advanceBy(1_000);
      mostDown = Math.max(mostDown, s.tree.get('web').members.filter((m) => m.sensor('service.up').value !== true).length);
      if (s.tree.get('web').sensor('service.up').value !== true) groupDownSeconds++;
    }
    // before: web-1 and then web-2 were updated while web-3 was down (2 down at once, the group lost its
    // quorum for 20 s), and the release failed only at web-3
    expect(mostDown).toBe(1);
    expect(groupDownSeconds).toBe(0);
    const decision = (await s.deployment.knowledge.queryDecisions({ limit: 100 })).find((d) => d.policy === 'app/release' && d.outcome === 'failed');
    expect(decision?.detail).toMatch(/batch 1 failed its health gate \(check web-3\.service\.up eq true did not hold within 30000 ms/);
    expect(['web-1', 'web-2', 'web-3'].map((id) => s.tree.get(id).sensor('version').value)).toEqual(['1', '1', '1']);
  });

  it('when a member moved earlier goes down, the next batch waits for it and, when it stays down, stops without taking another down', async () => {
    const down = new Set<string>();
    const applied: string[] = [];
    const gates: string[] = [];
    const members = ['a', 'b', 'c'].map(member);
    const run = rolling(members, 1, {
      available: (m) => !down.has(m.id),
      apply: async (m) => {
        applied.push(m.id);
        if (m.id === 'a') down.add('a'); // a crashes once moved, after its health gate
      },
      // a passes its own gate (the first check of it), then stays down
      healthy: (m) => (gates.push(m.id) > 1 && down.has(m.id) ? Promise.reject(new Error(`${m.id} did not come up`)) : Promise.resolve()),
      rollback: async () => undefined,
    });
    const error = (await run.catch((e: unknown) => e)) as RollingFailedError;
    expect(error).toBeInstanceOf(RollingFailedError);
    expect(applied).toEqual(['a']); // b and c were never taken down while a was
    expect(error.message).toMatch(/^batch 2 cannot start: a is unavailable and at most 1 may be \(a did not come up\); rolled back a$/);
    // a later batch that cannot start, after one moved: the operation failed (502 through the API), not blocked
    expect(error.code).toBe('E_ROLLING_FAILED');
  });

  it('moves down members first and fills the rest of the batch with up members, within the bound', async () => {
    const down = new Set(['c']);
    const batches = await rolling(['a', 'b', 'c', 'd'].map(member), 2, {
      available: (m) => !down.has(m.id),
      apply: async (m) => void down.delete(m.id),
      healthy: async () => undefined,
    });
    expect(batches).toEqual([['c', 'a'], ['b', 'd']]);
  });
});

describe('a rollback that fails is reported as failed, not as rolled back', () => {
  it('a rollback keeps the bound too: a member that passed its gate is left as it is while another stays down', async () => {
    const down = new Set<string>();
    const rolledBackOn: string[] = [];
    const run = rolling(['a', 'b'].map(member), 1, {
      available: (m) => !down.has(m.id),
      apply: async (m) => void (m.id === 'b' && down.add('b')), // b never comes up (a fault, not the version)
      healthy: (m) => (down.has(m.id) ? Promise.reject(new Error(`${m.id} is down`)) : Promise.resolve()),
      rollback: async (m) => void rolledBackOn.push(m.id),
    });
    const error = (await run.catch((e: unknown) => e)) as RollingFailedError;
    // before: a was taken down to be rolled back while b was down (2 unavailable, at most 1 allowed)
    expect(rolledBackOn).toEqual(['b']);
    expect(error.message).toBe('batch 2 failed its health gate (b is down); rolled back b; rollback FAILED on a (left as it is: b is unavailable and at most 1 may be)');
  });

  it('names the members whose rollback failed, and why', async () => {
    const run = rolling(['a', 'b'].map(member), 1, {
      apply: async () => undefined,
      healthy: (m) => (m.id === 'b' ? Promise.reject(new Error('b is unhealthy')) : Promise.resolve()),
      rollback: (m) => (m.id === 'a' ? Promise.reject(new Error('a is unreachable')) : Promise.resolve()),
    });
    const error = (await run.catch((e: unknown) => e)) as RollingFailedError;
    expect(error.rolledBack).toEqual(['b']);
    expect(error.rollbackFailed).toEqual(['a']);
    expect(error.message).toBe('batch 2 failed its health gate (b is unhealthy); rolled back b; rollback FAILED on a (a is unreachable)');
  });

  it('a rolling update that cannot know a member\'s earlier version does not call it rolled back', async () => {
    // plain members: no version reading, and no update effector (the update fails at once)
    const s = await scenario(`
name: unknown
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: entity }
`);
    await s.clock.advanceBy(1_000);
    const roll = s.deployment.engine.invoker.invoke(s.tree.get('web'), 'rollingUpdate', { version: '2', healthTimeout: 20_000 }, { caller: { kind: 'person', name: 'ops' } });
    roll.catch(() => undefined);
    await s.clock.advanceBy(60_000);
    await expect(roll).rejects.toThrow(/; nothing to roll back; rollback FAILED on web-1 \(its version before the update is not known\)$/);
  });
});
