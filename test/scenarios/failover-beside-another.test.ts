// The failover policy over a group that another system fails over too (Sentinel, Patroni, a person), in
// virtual time: it stands down, and every decision not to act says who did what.
import { describe, expect, it } from 'vitest';
import { splitBrains } from '../../src/sim/writable-primaries.js';
import { scenario } from './helpers.js';

const group = (policy = '') => `
name: db
application:
  id: app
  children:
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary } }
        - { id: db-2, type: sim.database, config: { role: replica, lag: 1 } }
        - { id: db-3, type: sim.database, config: { role: replica, lag: 1 } }
      policies:
        - use: failover
          config: { failureDelay: 10s, recoveryDelay: 20s, maxLag: 5${policy} }
`;

const person = { caller: { kind: 'person', name: 'dba' } } as const;

describe('failover beside another failover', () => {
  it('external: true observes only: a failed primary is a refused decision saying so, nothing is fenced or promoted', async () => {
    const { clock, tree, fail, deployment, decisions } = await scenario(group(', external: true'));
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(60_000);
    expect(await decisions()).toEqual(['40 db/failover refused']);
    const [d] = await deployment.knowledge.queryDecisions({});
    expect(d?.reason).toBe('primary db-1 has been down for 10 s, but another system fails this group over (external: true): observing only, not failing over');
    expect(['db-2', 'db-3'].map((id) => tree.get(id).sensor('role').value)).toEqual(['replica', 'replica']);
  });

  it('a replica promoted by someone else before the failure delay ends: the policy says so and stands down, one primary throughout', async () => {
    const run = await scenario(group());
    const { clock, tree, fail, deployment, decisions } = run;
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(4_000);
    // another failover beside the policy promotes db-3 (as Sentinel does: REPLICAOF NO ONE, the old primary down)
    await deployment.engine.invoker.invoke(tree.get('db-3'), 'promote', {}, person);
    for (let t = 0; t < 60_000; t += 1_000) {
      await clock.advanceBy(1_000);
      expect(splitBrains(deployment), `at ${clock.now() / 1000} s`).toEqual([]);
    }
    expect(await decisions()).toEqual(['34 db/failover no_action', '40 db/failover refused']);
    const [refused, noted] = await deployment.knowledge.queryDecisions({});
    expect(noted?.reason).toMatch(/^db-3 is the writable primary in place of db-1, and this policy did not promote it/);
    expect(refused?.reason).toBe('primary db-1 has been down for 10 s, but db-3 is the writable primary now and this policy did not promote it (Sentinel, Patroni or a person failed over beside it?): standing down for this failure, fencing and promoting nothing');
    expect(tree.get('db-2').sensor('role').value).toBe('replica');
  });

  it('its own promotion is not reported as someone else\'s', async () => {
    const { clock, tree, fail, decisions } = await scenario(group());
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(60_000);
    expect(await decisions()).toEqual(['40 db/failover applied fence(db-1),promote(db-2)']);
    expect(tree.get('db').sensor('primary').value).toBe('db-2');
  });
});
