import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { writablePrimaries } from '../../src/sim/writable-primaries.js';
import { scenario } from './helpers.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { generateTrace } from '../../src/sim/trace-shapes.js';

const database = (replicas = `
        - { id: db-2, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }
        - { id: db-3, type: sim.database, config: { role: replica, weight: 3, lag: 20 } }`) => `
name: db
application:
  id: app
  children:
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary, weight: 2 } }${replicas}
      policies:
        - use: failover
          config: { failureDelay: 10s, recoveryDelay: 20s, maxLag: 5, recoveryBlock: 10m }
`;

describe('failover', () => {
  it('fences the failed primary, then promotes the best eligible replica', async () => {
    const { clock, tree, fail, decisions, deployment } = await scenario(database());
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(60_000);
    expect(await decisions()).toEqual(['40 db/failover applied fence(db-1),promote(db-2)']);
    expect(tree.get('db-1').sensor('role').value).toBe('fenced');
    expect(tree.get('db-2').sensor('role').value).toBe('primary');
    expect(tree.get('db').sensor('primary').value).toBe('db-2');
    const [d] = await deployment.knowledge.queryDecisions({});
    expect(d?.reason).toMatch(/promote db-2 \(weight 1, lag [\d.]+ s\); not eligible: db-3 \(lag [\d.]+ s > 5 s\)$/);
    expect(d?.detail).toBe('fence done, promote done');
  });

  it('a flapping primary does not cause repeated failovers: the second is blocked, with the reason', async () => {
    const { clock, tree, fail, recover, decisions, deployment } = await scenario(database(`
        - { id: db-2, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }
        - { id: db-3, type: sim.database, config: { role: replica, weight: 1, lag: 1 } }`));
    await clock.advanceBy(30_000);
    for (let i = 0; i < 6; i++) {
      // whichever database is primary goes down for 15 s, then comes back for 45 s
      const primary = tree.get('db').sensor<string>('primary').value as string;
      fail(primary);
      await clock.advanceBy(15_000);
      recover(primary);
      await clock.advanceBy(45_000);
    }
    const all = await decisions();
    expect(all.filter((d) => d.includes(' applied '))).toHaveLength(1);
    expect(all.filter((d) => d.includes(' blocked')).length).toBeGreaterThan(0);
    const blocked = (await deployment.knowledge.queryDecisions({ outcome: 'blocked' }))[0];
    expect(blocked?.reason).toMatch(/failed over at 40 s: blocked until 640 s \(recovery block 600 s\); reconsidered then$/);
  });

  it('does not fail over when no replica is eligible, and says why', async () => {
    const { clock, fail, deployment } = await scenario(database(`
        - { id: db-2, type: sim.database, config: { role: replica, lag: 30 } }`));
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(60_000);
    const [d] = await deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'refused', actions: [] });
    expect(d?.reason).toMatch(/no replica is up with a replication lag under 5 s \(db-2 \(lag [\d.]+ s > 5 s\)\): not failing over/);
  });

  it('switchover (planned) and failover (unplanned) are distinct operations of the group', async () => {
    const { clock, tree, deployment } = await scenario(database());
    await clock.advanceBy(10_000);
    const person = { caller: { kind: 'person', name: 'dba' } } as const;
    await deployment.engine.invoker.invoke(tree.get('db'), 'switchover', { to: 'db-2' }, person);
    expect([tree.get('db-1').sensor('role').value, tree.get('db-2').sensor('role').value]).toEqual(['replica', 'primary']);
    await expect(deployment.engine.invoker.invoke(tree.get('db'), 'switchover', { to: 'db-3' }, person)).rejects.toThrow(/not a healthy replica within 5 s of lag/);
    await deployment.engine.invoker.invoke(tree.get('db'), 'failover', { to: 'db-1' }, person);
    expect([tree.get('db-2').sensor('role').value, tree.get('db-1').sensor('role').value]).toEqual(['fenced', 'primary']);
  });
});

const twoSites = (runbook: string, failback = '') => `
name: dr
application:
  id: shop
  quorum: { from: children, rule: atLeastOne }
  children:
    - { id: traffic, type: sim.traffic, config: { site: site-a } }
    - id: site-a
      quorum: { from: children, rule: all }
      children:
        - { id: db-a, type: sim.database, config: { role: primary, group: shop-db } }
    - id: site-b
      children:
        - { id: db-b, type: sim.database, config: { role: replica, group: shop-db } }
  policies:
    - use: disaster-recovery
      config:
        site: site-a
        failureDelay: 30s
        recoveryDelay: 30s
        runbook:${runbook}${failback}
`;

const goodRunbook = `
          - { id: fence, entity: db-a, effector: fence }
          - { id: promote, entity: db-b, effector: promote, check: { entity: db-b, sensor: role, value: primary, within: 10s }, compensate: { entity: db-b, effector: demote } }
          - { id: route, entity: traffic, effector: route, params: { site: site-b }, compensate: { entity: traffic, effector: route, params: { site: site-a } } }`;

describe('disaster recovery', () => {
  it('runs the runbook once, in order, when a site loses quorum; failback is manual', async () => {
    const { clock, tree, fail, recover, decisions, deployment } = await scenario(twoSites(goodRunbook, `
        failback:
          runbook: [{ id: route-back, entity: traffic, effector: route, params: { site: site-a } }]`));
    await clock.advanceBy(10_000);
    fail('site-a');
    await clock.advanceBy(10 * 60_000);
    expect(await decisions()).toEqual(['40 shop/disaster-recovery applied fence(db-a),promote(db-b),route(traffic)']);
    expect(tree.get('traffic').sensor('route').value).toBe('site-b');
    const invocations = (await deployment.knowledge.queryInvocations({})).reverse().map((r) => `${r.effector}(${r.entity})`);
    expect(invocations).toEqual(['fence(db-a)', 'promote(db-b)', 'route(traffic)']);
    // the site comes back: its old primary stays fenced (a second primary is impossible) until a person
    // lets it rejoin as a replica; then the site is whole again, and failback is not automatic
    recover('site-a');
    await clock.advanceBy(60_000);
    expect([tree.get('db-a').sensor('role').value, tree.get('site-a').sensor('service.up').value]).toEqual(['fenced', false]);
    expect(writablePrimaries(deployment).get('shop-db')).toEqual(['db-b']);
    await deployment.engine.invoker.invoke(tree.get('db-a'), 'demote', {}, { caller: { kind: 'person', name: 'dba' } });
    await clock.advanceBy(60_000);
    expect(writablePrimaries(deployment).get('shop-db')).toEqual(['db-b']);
    const [last] = await deployment.knowledge.queryDecisions({});
    expect(last?.reason).toBe('site-a is back; failback is manual: run the failback runbook (route-back) when ready');
    expect(tree.get('traffic').sensor('route').value).toBe('site-b');
  });

  it('says once why it does not act for a site never up (lost before it booted), and runs as before for one that was up', async () => {
    const blueprint = await loadBlueprint(new URL('../../examples/two-site-dr.yaml', import.meta.url).pathname);
    const trace = generateTrace('low-noisy', 10);
    const never = await runSimulation(blueprint, { trace, durationSeconds: 300, warmupSeconds: 0, faults: [{ entity: 'site-a', at: 0 }] });
    const dr = never.report.timeline.filter((row) => row.policy === 'shop/disaster-recovery');
    expect(dr).toHaveLength(1);
    expect(dr[0]).toMatchObject({ at: 30, outcome: 'no_action' });
    expect(dr[0]?.reason).toMatch(/^site-a has not been up since its loop started, 30 s and more: the DR runbook runs only for a site that was up and lost quorum .*run the runbook \(fence-old -> promote-db -> hold-web -> scale-web -> route-traffic\) by hand$/);
    // lost after it was up: the runbook runs, and nothing is said of a site never up
    const lost = await runSimulation(blueprint, { trace, durationSeconds: 300, warmupSeconds: 0, faults: [{ entity: 'site-a', at: 60 }] });
    const ran = lost.report.timeline.filter((row) => row.policy === 'shop/disaster-recovery');
    expect(ran.map((row) => row.outcome)).toContain('applied');
    expect(ran.some((row) => /has not been up/.test(row.reason))).toBe(false);
  });

  it('compensates completed steps in reverse when a later step fails, and does not run again', async () => {
    const failing = `${goodRunbook}
          - { id: warm-cache, entity: traffic, effector: route, params: { site: nowhere } }`;
    const { clock, tree, fail, deployment } = await scenario(twoSites(failing));
    await clock.advanceBy(10_000);
    fail('site-a');
    await clock.advanceBy(10 * 60_000);
    const [d] = await deployment.knowledge.queryDecisions({ outcome: 'failed' });
    expect(d?.detail).toMatch(/step 'warm-cache' failed: .*no site 'nowhere' to route to; fence done, promote compensated, route compensated, warm-cache failed$/);
    const invocations = (await deployment.knowledge.queryInvocations({})).reverse().map((r) => `${r.effector}(${r.entity}${r.effector === 'route' ? ` ${(r.params as { site: string }).site}` : ''}) ${r.outcome}`);
    expect(invocations).toEqual([
      'fence(db-a) succeeded',
      'promote(db-b) succeeded',
      'route(traffic site-b) succeeded',
      'route(traffic nowhere) failed',
      'route(traffic site-a) succeeded', // compensation of route
      'demote(db-b) succeeded', // compensation of promote
    ]);
    expect(tree.get('traffic').sensor('route').value).toBe('site-a');
    expect(await deployment.knowledge.queryDecisions({ outcome: 'applied' })).toEqual([]);
  });

  it('refuses a runbook with a cycle or an unknown entity, with positions', async () => {
    const bad = twoSites(`
          - { id: a, entity: db-b, effector: promote, after: [b] }
          - { id: b, entity: ghost, effector: route, after: [a] }`);
    const error = await parseBlueprint(bad, 'dr.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueprintError);
    const messages = (error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    expect(messages.some((m) => /the runbook has a cycle: a -> b -> a/.test(m))).toBe(true);
  });
});
