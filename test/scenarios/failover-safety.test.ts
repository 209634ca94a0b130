import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { splitBrains, writablePrimaries } from '../../src/sim/writable-primaries.js';
import { scenario } from './helpers.js';

const group = (options: { replicas?: string; policy?: string; primary?: string } = {}) => `
name: db
application:
  id: app
  children:
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary, weight: 2${options.primary ?? ''} } }${options.replicas ?? `
        - { id: db-2, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }
        - { id: db-3, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }`}
      policies:
        - use: failover
          config: { failureDelay: 10s, recoveryDelay: 20s, maxLag: 5, recoveryBlock: 10m${options.policy ?? ''} }
`;

type Run = Awaited<ReturnType<typeof scenario>>;

/** Advances second by second, failing the test at the first instant with two writable primaries. */
async function advanceSafely(run: Run, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    await run.clock.advanceBy(1000);
    expect(splitBrains(run.deployment), `at ${run.clock.now() / 1000} s`).toEqual([]);
  }
}

describe('failover: nothing silent, nothing dropped', () => {
  it('a second primary failure inside recoveryDelay is blocked, with when the block ends, and retried then', async () => {
    const run = await scenario(group());
    const { clock, tree, fail, decisions, deployment } = run;
    await clock.advanceBy(30_000);
    fail('db-1');
    await advanceSafely(run, 15_000); // failed over at 40 s
    expect(tree.get('db').sensor('primary').value).toBe('db-2');
    fail('db-2'); // 5 s after its promotion: inside recoveryDelay
    await advanceSafely(run, 60_000);
    const [blocked] = await deployment.knowledge.queryDecisions({ outcome: 'blocked' });
    expect(blocked?.reason).toMatch(/^primary db-2 has been down for 10 s, but db failed over at 40 s: blocked until 640 s/);
    // the block ends at 640 s: the failover is reconsidered on the scheduler, without any new reading
    await advanceSafely(run, 640_000 - clock.now() + 5_000);
    expect(await decisions()).toEqual(['40 db/failover applied fence(db-1),promote(db-2)', '55 db/failover blocked', '640 db/failover applied fence(db-2),promote(db-3)']);
    const [last] = await deployment.knowledge.queryDecisions({});
    expect(last?.reason).toContain('(reconsidered: the recovery block ended)');
    expect(tree.get('db').sensor('primary').value).toBe('db-3');
  });

  it('a refused failover is reconsidered when a replica catches up; meanwhile the group reports no writable primary', async () => {
    const run = await scenario(group({ replicas: `
        - { id: db-2, type: sim.database, config: { role: replica, lag: 30 } }` }));
    const { clock, tree, fail, host, decisions } = run;
    await clock.advanceBy(30_000);
    expect([tree.get('db').sensor('primary.writable').value, tree.get('db').sensor('service.up').value]).toEqual([true, true]);
    fail('db-1');
    await advanceSafely(run, 60_000);
    expect(await decisions()).toEqual(['40 db/failover refused']);
    expect([tree.get('db').sensor('primary.writable').value, tree.get('db').sensor('service.up').value]).toEqual([false, false]);
    host.setReplicationLag('db-2', 0.5);
    await advanceSafely(run, 30_000);
    expect((await decisions()).slice(1)).toEqual(['95 db/failover applied fence(db-1),promote(db-2)']);
    expect([tree.get('db').sensor('primary.writable').value, tree.get('db').sensor('service.up').value]).toEqual([true, true]);
  });
});

describe('a group without a writable primary', () => {
  it('takes its quorum rule in its config; a blueprint quorum: would fight its own health and is refused', async () => {
    const error = await parseBlueprint(group().replace('      type: sim.db-cluster\n', '      type: sim.db-cluster\n      quorum: { from: children, rule: all }\n'), 'db.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueprintError);
    expect((error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([expect.stringMatching(/^\d+:\d+: type 'sim.db-cluster' computes its own service.up: .*set the rule in config.quorum/)]);
    const run = await scenario(group().replace('      type: sim.db-cluster\n', '      type: sim.db-cluster\n      config: { quorum: { rule: all } }\n'));
    await run.clock.advanceBy(10_000);
    run.fail('db-3'); // a replica down: the group keeps its writable primary, but the rule `all` no longer holds
    await run.clock.advanceBy(10_000);
    expect([run.tree.get('db').sensor('primary.writable').value, run.tree.get('db').sensor('service.up').value]).toEqual([true, false]);
  });
});

describe('fencing: promotion only after the old primary is fenced', () => {
  const unreachable = (failure: string) => `, fencing: { unreachableSuccess: 0, failure: ${failure} }`;

  it('a fence that fails stops the promotion; the group keeps no writable primary rather than two', async () => {
    const run = await scenario(group({ primary: unreachable('error') }));
    const { clock, tree, fail, recover, deployment } = run;
    await clock.advanceBy(30_000);
    fail('db-1');
    await advanceSafely(run, 30_000);
    const [d] = await deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'failed', error: { code: 'E_FENCE_FAILED' } });
    expect(d?.detail).toMatch(/step 'fence' failed: .*could not fence 'db-1': it is unreachable; fence failed, promote skipped$/);
    expect(tree.get('db-2').sensor('role').value).toBe('replica');
    // the old primary comes back: it was never replaced, so it is the one primary again
    recover('db-1');
    await advanceSafely(run, 10_000);
    expect(writablePrimaries(deployment).get('db')).toEqual(['db-1']);
  });

  it('a fence that times out is a failure too, retried while the primary stays down', async () => {
    const run = await scenario(group({ primary: unreachable('timeout'), policy: ', fenceTimeout: 5s, retryInterval: 1m' }));
    const { clock, fail, deployment } = run;
    await clock.advanceBy(30_000);
    fail('db-1');
    await advanceSafely(run, 120_000);
    const failed = await deployment.knowledge.queryDecisions({ outcome: 'failed' });
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]?.error?.code).toBe('E_EFFECTOR_TIMEOUT');
    expect(await deployment.knowledge.queryDecisions({ outcome: 'applied' })).toEqual([]);
  });

  it('fence: best-effort promotes anyway; the old primary returns as a replica, never a second primary', async () => {
    const run = await scenario(group({ primary: unreachable('error'), policy: ', fence: best-effort' }));
    const { clock, tree, fail, recover, decisions } = run;
    await clock.advanceBy(30_000);
    fail('db-1');
    await advanceSafely(run, 30_000);
    expect(await decisions()).toEqual([expect.stringMatching(/^4\d(\.\d+)? db\/failover applied fence\(db-1\),promote\(db-2\)$/)]);
    expect(tree.get('db-1').sensor('role').value).toBe('primary'); // not fenced: it could not be reached
    recover('db-1');
    await advanceSafely(run, 30_000);
    expect(tree.get('db-1').sensor('role').value).toBe('replica');
    expect(writablePrimaries(run.deployment).get('db')).toEqual(['db-2']);
  });

  it('a database refuses a promotion while another is the writable primary of its group, whoever asks', async () => {
    const run = await scenario(group());
    await run.clock.advanceBy(10_000);
    const person = { caller: { kind: 'person', name: 'dba' } } as const;
    await expect(run.deployment.engine.invoker.invoke(run.tree.get('db-2'), 'promote', {}, person)).rejects.toMatchObject({ code: 'E_SPLIT_BRAIN' });
    expect(writablePrimaries(run.deployment).get('db')).toEqual(['db-1']);
  });

  it('a switchover whose primary cannot be demoted promotes nothing', async () => {
    const run = await scenario(group());
    const { clock, tree, fail, deployment } = run;
    await clock.advanceBy(10_000);
    fail('db-1');
    const person = { caller: { kind: 'person', name: 'dba' } } as const;
    await expect(deployment.engine.invoker.invoke(tree.get('db'), 'switchover', { to: 'db-2' }, person)).rejects.toThrow(/cannot demote 'db-1': it is unreachable/);
    expect(tree.get('db-2').sensor('role').value).toBe('replica');
  });

  /** Fails `then` (and `also`) once `db-1` reports itself a replica: between the demotion and the promotion of a switchover. */
  function failOnceDemoted(run: Run, then: string, also?: string): void {
    const subscription = run.tree.get('db-1').sensor<string>('role').readings$.subscribe((reading) => {
      if (reading.value !== 'replica') return;
      subscription.unsubscribe();
      run.fail(then);
      if (also) run.fail(also);
    });
  }

  it('a switchover whose replica fails after the primary was demoted promotes the old primary back, and says so', async () => {
    const run = await scenario(group());
    const { clock, tree, deployment } = run;
    await clock.advanceBy(10_000);
    failOnceDemoted(run, 'db-2');
    const person = { caller: { kind: 'person', name: 'dba' } } as const;
    await expect(deployment.engine.invoker.invoke(tree.get('db'), 'switchover', { to: 'db-2' }, person)).rejects.toThrow(/'db-1' was demoted, then promoting 'db-2' failed \(.*unreachable.*\); 'db-1' was promoted back and is the primary again/);
    expect(writablePrimaries(deployment).get('db')).toEqual(['db-1']);
    expect(tree.get('db').sensor('primary.writable').value).toBe(true);
    await advanceSafely(run, 60_000);
    expect(writablePrimaries(deployment).get('db')).toEqual(['db-1']);
  });

  it('a switchover that cannot promote either database says the group has no writable primary, and the failover policy then acts', async () => {
    const run = await scenario(group());
    const { clock, tree, deployment } = run;
    await clock.advanceBy(10_000);
    failOnceDemoted(run, 'db-2', 'db-1');
    const person = { caller: { kind: 'person', name: 'dba' } } as const;
    await expect(deployment.engine.invoker.invoke(tree.get('db'), 'switchover', { to: 'db-2' }, person)).rejects.toThrow(/promoting 'db-1' back failed too \(.*\): the group has no writable primary/);
    expect(writablePrimaries(deployment).get('db') ?? []).toEqual([]);
    expect(tree.get('db').sensor('primary.writable').value).toBe(false);
    await advanceSafely(run, 60_000);
    expect(writablePrimaries(deployment).get('db')).toEqual(['db-3']);
  });
});

describe('failover across sites', () => {
  it('a standby group whose primary lives in another site promotes nothing: silent while that primary serves, refused once it fails', async () => {
    const run = await scenario(`
name: standby
application:
  id: app
  children:
    - id: site-a
      children:
        - { id: db-a, type: sim.database, config: { role: primary, group: shop-db } }
    - id: standby
      type: sim.db-cluster
      config: { requireWritablePrimary: false }
      children:
        - { id: db-b1, type: sim.database, config: { role: replica, group: shop-db } }
        - { id: db-b2, type: sim.database, config: { role: replica, group: shop-db } }
      policies:
        - use: failover
          config: { failureDelay: 10s }
`);
    await advanceSafely(run, 60_000);
    expect(await run.decisions()).toEqual([]);
    run.fail('site-a');
    await advanceSafely(run, 60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'refused', actions: [] });
    expect(d?.reason).toMatch(/^standby has had no primary for 10 s, but promoting would make a second primary: step 'promote' promotes db-b\d, but db-a is the primary of group 'shop-db' and no step before it fences db-a$/);
  });
});

describe('reconsidering never fences a primary that is back', () => {
  it('a refused failover reconsidered after the primary came back records no_action and fences nothing', async () => {
    const run = await scenario(group({ replicas: `
        - { id: db-2, type: sim.database, config: { role: replica, lag: 30 } }` }));
    await run.clock.advanceBy(30_000);
    run.fail('db-1');
    await advanceSafely(run, 20_000); // refused at 40 s
    run.recover('db-1');
    await advanceSafely(run, 10_000); // db-1 serves again, inside recoveryDelay
    run.host.setReplicationLag('db-2', 0.5); // now a replica is eligible: the failover is reconsidered
    await advanceSafely(run, 30_000);
    expect(await run.decisions()).toEqual(['40 db/failover refused', expect.stringMatching(/^\d+ db\/failover no_action$/)]);
    const [last] = await run.deployment.knowledge.queryDecisions({});
    expect(last?.reason).toMatch(/\(reconsidered: a replica became eligible\), but it is up again: not failing over$/);
    expect(writablePrimaries(run.deployment).get('db')).toEqual(['db-1']);
  });

  it('a primary that comes back for less than recoveryDelay and fails again is failed over, not forgotten', async () => {
    const run = await scenario(group({ replicas: `
        - { id: db-2, type: sim.database, config: { role: replica, lag: 30 } }` }));
    await run.clock.advanceBy(30_000);
    run.fail('db-1');
    await advanceSafely(run, 20_000); // refused at 40 s
    run.recover('db-1');
    await advanceSafely(run, 5_000);
    run.host.setReplicationLag('db-2', 0.5); // reconsidered: no_action, db-1 is up
    await advanceSafely(run, 5_000);
    expect(await run.decisions()).toEqual(['40 db/failover refused', expect.stringMatching(/^\d+ db\/failover no_action$/)]);
    run.fail('db-1'); // down again before the 20 s recoveryDelay counted it recovered
    const failedAt = run.clock.now() / 1000;
    await advanceSafely(run, 30_000);
    const decisions = await run.decisions();
    expect(decisions.slice(2)).toEqual([expect.stringMatching(/^\d+ db\/failover applied fence\(db-1\),promote\(db-2\)$/)]);
    // within failureDelay (10 s) of the second failure, plus the database's next health check
    expect(Number(decisions[2]?.split(' ')[0])).toBeLessThanOrEqual(failedAt + 20);
    const [last] = await run.deployment.knowledge.queryDecisions({});
    expect(last?.reason).toMatch(/\(reconsidered: the primary failed again\)/);
    expect(writablePrimaries(run.deployment).get('db')).toEqual(['db-2']);
  });
});
