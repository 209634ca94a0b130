import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/core/entity.js';
import { updateInBatches } from '../../src/effectors/progressive/member-ops.js';
import { rolling, RollingFailedError } from '../../src/effectors/rolling.js';
import { statusForCode } from '../../src/server/context.js';
import { scenario } from '../scenarios/helpers.js';

const member = (id: string): Entity => ({ id }) as Entity;

/** A cluster of `size` members whose health needs `n` of them up, released by `target`. */
const blueprint = (size: number, n: number, target: string): string => `
name: release-quorum
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: ${size} }
      quorum: { from: members, rule: atLeast, n: ${n} }
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
  policies:
    - use: release
      config:
        version: "2"
        evaluationInterval: 10s
        targets:
          - { entity: web, maxUnavailable: 2, healthTimeout: 30s${target} }
`;

describe('a release batch keeps the group within maxUnavailable and its quorum', () => {
  it('a canary step counts the members of the whole group that are down, not only those of the step', async () => {
    // c is down and not part of the step: before, a and b were moved together (3 down where at most 2 may be)
    const down = new Set(['c']);
    const updated: string[] = [];
    const group = ['a', 'b', 'c'].map(member);
    const step = updateInBatches(group.slice(0, 2), '2', 2, {
      available: (m) => !down.has(m.id),
      update: async (m) => void updated.push(m.id),
      healthy: (m) => (down.has(m.id) ? Promise.reject(new Error(`${m.id} did not come up`)) : Promise.resolve()),
    }, group);
    await expect(step).resolves.toBeUndefined();
    expect(updated).toEqual(['a', 'b']); // one at a time: with c down there was room for one more
    const stuck = updateInBatches(group.slice(0, 2), '2', 1, { available: (m) => !down.has(m.id), update: async (m) => void updated.push(m.id), healthy: (m) => (down.has(m.id) ? Promise.reject(new Error(`${m.id} did not come up`)) : Promise.resolve()) }, group);
    await expect(stuck).rejects.toThrow(/^no member can be moved: c is unavailable and at most 1 may be \(c did not come up\)$/);
    expect(updated).toEqual(['a', 'b']);
  });

  it('a rolling batch takes only as many members as the quorum spares, and says so when it spares none', async () => {
    const up = new Set(['a', 'b', 'c', 'd']);
    const applied: string[][] = [];
    const atLeast = (n: number) => (taken: readonly Entity[]) => ([...up].filter((id) => !taken.some((t) => t.id === id)).length >= n ? undefined : `web its quorum (need at least ${n})`);
    const batches = await rolling(['a', 'b', 'c', 'd'].map(member), 3, {
      available: (m) => up.has(m.id),
      apply: async (m) => void applied.push([m.id]),
      healthy: async () => undefined,
      quorumCost: atLeast(3),
    });
    expect(batches).toEqual([['a'], ['b'], ['c'], ['d']]); // maxUnavailable 3, but 3 of 4 must stay up
    const none = rolling(['a', 'b'].map(member), 1, { available: (m) => up.has(m.id), apply: async () => undefined, healthy: async () => undefined, quorumCost: atLeast(4) });
    const error = (await none.catch((e: unknown) => e)) as RollingFailedError;
    expect(error).toBeInstanceOf(RollingFailedError);
    expect(error.message).toBe('batch 1 cannot start: taking a down would cost web its quorum (need at least 4) (no member is down to wait for); nothing to roll back');
    // nothing was moved: the group's state left no room (the API's 409), not the managed system failing (502)
    expect(error.code).toBe('E_ROLLING_BLOCKED');
    expect(statusForCode(error.code)).toBe(409);
  });

  it('the release refuses a group whose quorum needs every member, and says how to allow it', async () => {
    const s = await scenario(blueprint(3, 3, ''));
    await s.clock.advanceBy(30_000);
    const decisions = (await s.deployment.knowledge.queryDecisions({ limit: 100 })).filter((d) => d.policy === 'app/release');
    expect(decisions.map((d) => `${d.outcome}: ${d.reason}`)).toEqual(['refused: release 2 of web refused: taking any member of web down would cost web its quorum even with every member up (2 of 3 up (need at least 3)); set allowQuorumLoss: true on the target to release it anyway']);
    expect(s.tree.get('web').members.map((m) => m.sensor('version').value)).toEqual(['1', '1', '1']);
  });

  it('with allowQuorumLoss the same group is released', async () => {
    const s = await scenario(blueprint(3, 3, ', allowQuorumLoss: true'));
    await s.clock.advanceBy(60_000);
    expect(s.tree.get('web').members.map((m) => m.sensor('version').value)).toEqual(['2', '2', '2']);
  });

  it('a release waits while the members down leave no spare, says so, and goes on once they are back', async () => {
    const s = await scenario(blueprint(3, 2, ''));
    // web-3 is on 2 already (moved by hand) and down: the others may not go down beside it
    const byHand = s.deployment.engine.invoker.invoke(s.tree.get('web-3'), 'update', { version: '2' }, { caller: { kind: 'person', name: 'ops' } });
    await s.clock.advanceBy(6_000); // its boot
    await byHand;
    s.fail('web-3');
    await s.clock.advanceBy(25_000);
    const decisions = (await s.deployment.knowledge.queryDecisions({ limit: 100 })).filter((d) => d.policy === 'app/release');
    expect(decisions.map((d) => `${d.outcome}: ${d.reason}`)).toContain('blocked: release 2 of web waits: taking web-1 down now would cost web its quorum (1 of 3 up (need at least 2)); it waits for the members down to come back');
    expect(s.tree.get('web').members.map((m) => m.sensor('version').value)).toEqual(['1', '1', '2']);
    s.recover('web-3');
    void s.deployment.engine.invoker.invoke(s.tree.get('web-3'), 'restart', {}, { caller: { kind: 'person', name: 'ops' } });
    let fewestUp = 3;
    for (let t = 0; t < 90; t++) {
      await s.clock.advanceBy(1_000);
      fewestUp = Math.min(fewestUp, s.tree.get('web').members.filter((m) => m.sensor('service.up').value === true).length);
    }
    expect(s.tree.get('web').members.map((m) => m.sensor('version').value)).toEqual(['2', '2', '2']);
    expect(fewestUp).toBe(2); // maxUnavailable 2, but the quorum spares one member at a time
  });
});
