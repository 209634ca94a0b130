import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { splitBrains, writablePrimaries } from '../../src/sim/writable-primaries.js';
import { scenario } from './helpers.js';

const sites = (runbook: string, options: { dr?: string; dbA?: string; webB?: string } = {}) => `
name: dr
application:
  id: shop
  quorum: { from: children, rule: atLeastOne }
  children:
    - { id: traffic, type: sim.traffic, config: { site: site-a } }
    - id: site-a
      quorum: { from: children, rule: all }
      children:
        - { id: db-a, type: sim.database, config: { role: primary, group: shop-db${options.dbA ?? ''} } }
    - id: site-b
      children:
        - { id: db-b, type: sim.database, config: { role: replica, group: shop-db } }
        - id: web-b
          type: sim.web-cluster
          config: { initialSize: 1, load: { base: 0, amplitude: 0 } }
          memberSpec: { type: sim.server, config: { bootTime: 15s } }${options.webB ?? ''}
  policies:
    - use: disaster-recovery
      config:
        site: site-a
        failureDelay: 30s
        recoveryDelay: 30s${options.dr ?? ''}
        runbook:${runbook}
`;

const fencePromote = `
          - { id: fence, entity: db-a, effector: fence }
          - { id: promote, entity: db-b, effector: promote, after: [fence], check: { entity: db-b, sensor: role, value: primary, within: 10s }, compensate: { entity: db-b, effector: demote } }`;

type Run = Awaited<ReturnType<typeof scenario>>;

async function advanceSafely(run: Run, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    await run.clock.advanceBy(1000);
    expect(splitBrains(run.deployment), `at ${run.clock.now() / 1000} s`).toEqual([]);
  }
}

async function problems(yaml: string): Promise<string[]> {
  const error = await parseBlueprint(yaml, 'dr.yaml').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BlueprintError);
  return (error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
}

describe('DR runbook: promotion only after fencing', () => {
  it('validate rejects a runbook that promotes without fencing first, with the position of the step', async () => {
    const found = await problems(sites(`
          - { id: promote, entity: db-b, effector: promote }
          - { id: fence, entity: db-a, effector: fence }`));
    expect(found).toContainEqual(expect.stringMatching(/^\d+:\d+: .*step 'promote' promotes 'db-b' without fencing the group's primary first/));
    // a fence on a parallel branch is not "before" the promotion either
    const parallel = await problems(sites(`
          - { id: fence, entity: db-a, effector: fence }
          - { id: promote, entity: db-b, effector: promote, after: [] }`));
    expect(parallel.some((m) => m.includes("step 'promote' promotes 'db-b' without fencing"))).toBe(true);
  });

  it("refuses at run time when the fenced database is not the group's primary", async () => {
    const run = await scenario(sites(`
          - { id: fence, entity: db-x, effector: fence }
          - { id: promote, entity: db-b, effector: promote, after: [fence] }`).replace('        - id: web-b', '        - { id: db-x, type: sim.database, config: { role: replica, group: shop-db } }\n        - id: web-b'));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await advanceSafely(run, 60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'refused', actions: [] });
    expect(d?.reason).toMatch(/would make a second primary: step 'promote' promotes db-b, but db-a is the primary of group 'shop-db' and no step before it fences db-a$/);
  });

  it('a site that returns mid-run stops the runbook, which compensates what it did', async () => {
    const run = await scenario(sites(`
          - { id: scale, entity: web-b, effector: resize, params: { size: 3 }, check: { entity: web-b, sensor: servers.running, op: gte, value: 3, within: 2m }, compensate: { entity: web-b, effector: resize, params: { size: 1 } } }${fencePromote}`));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await advanceSafely(run, 32_000); // the runbook starts at 40 s and waits for web-b's servers to boot
    run.recover('site-a');
    await advanceSafely(run, 120_000);
    const [d] = await run.deployment.knowledge.queryDecisions({ outcome: 'failed' });
    expect(d?.error?.code).toBe('E_RUNBOOK_STOPPED');
    expect(d?.detail).toMatch(/^stopped before step 'fence': the trigger no longer holds \(site-a\.service\.up eq false \(is true\)\); scale compensated, fence skipped, promote skipped$/);
    expect(run.tree.get('web-b').sensor('group.size').value).toBe(1);
    expect(writablePrimaries(run.deployment).get('shop-db')).toEqual(['db-a']);
  });

  it('with onTriggerCleared: continue it carries on, and the returned site\'s primary is fenced before the promotion', async () => {
    const run = await scenario(sites(`
          - { id: scale, entity: web-b, effector: resize, params: { size: 3 }, check: { entity: web-b, sensor: servers.running, op: gte, value: 3, within: 2m } }${fencePromote}`, { dr: '\n        onTriggerCleared: continue' }));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await advanceSafely(run, 32_000);
    run.recover('site-a');
    await advanceSafely(run, 120_000);
    expect((await run.deployment.knowledge.queryDecisions({}))[0]?.outcome).toBe('applied');
    expect(run.tree.get('db-a').sensor('role').value).toBe('fenced');
    expect(writablePrimaries(run.deployment).get('shop-db')).toEqual(['db-b']);
  });

  it('fence: best-effort promotes when the fence fails; the old primary returns as a replica', async () => {
    const run = await scenario(sites(fencePromote, { dr: '\n        fence: best-effort', dbA: ', fencing: { unreachableSuccess: 0, failure: error }' }));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await advanceSafely(run, 60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d?.outcome).toBe('applied');
    expect(d?.detail).toMatch(/^fence failed-tolerated, promote done$/);
    run.recover('site-a');
    await advanceSafely(run, 60_000);
    expect(run.tree.get('db-a').sensor('role').value).toBe('replica');
    expect(writablePrimaries(run.deployment).get('shop-db')).toEqual(['db-b']);
  });

  it('without best-effort, a failed fence stops the runbook before the promotion', async () => {
    const run = await scenario(sites(fencePromote, { dbA: ', fencing: { unreachableSuccess: 0, failure: error }' }));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await advanceSafely(run, 60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'failed', error: { code: 'E_FENCE_FAILED' } });
    expect(run.tree.get('db-b').sensor('role').value).toBe('replica');
  });
});

describe('DR runbook: compensation, floors, guards', () => {
  it('the failed step itself is compensated when it declares a compensation', async () => {
    const run = await scenario(sites(`${fencePromote}
          - { id: scale, entity: web-b, effector: resize, params: { size: 3 }, check: { entity: web-b, sensor: servers.running, op: gte, value: 5, within: 30s }, compensate: { entity: web-b, effector: resize, params: { size: 1 } } }`));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await run.clock.advanceBy(120_000);
    const [d] = await run.deployment.knowledge.queryDecisions({ outcome: 'failed' });
    expect(d?.detail).toMatch(/; fence done, promote compensated, scale failed-compensated$/);
    expect(run.tree.get('web-b').sensor('group.size').value).toBe(1);
  });

  const autoscaled = `
          policies:
            - use: autoscaler
              cooldown: 30s
              config: { metric: load.offered, basis: total, target: 15, min: 1, max: 6, scaleDown: { stabilization: 1m } }`;
  const scaleUp = `${fencePromote}
          - { id: scale, entity: web-b, effector: resize, params: { size: 3 } }`;

  it('a floor the runbook holds outlives the run: the standby autoscaler does not undo the scale-up', async () => {
    const held = await scenario(sites(`${scaleUp}
          - { id: hold, entity: web-b, effector: setFloor, params: { min: 3, by: dr } }`, { webB: autoscaled }));
    await held.clock.advanceBy(10_000);
    held.fail('site-a');
    await held.clock.advanceBy(15 * 60_000);
    expect(held.tree.get('web-b').sensor('group.size').value).toBe(3);
    // the same run without the floor: the autoscaler scales the idle standby back down
    const control = await scenario(sites(scaleUp, { webB: autoscaled }));
    await control.clock.advanceBy(10_000);
    control.fail('site-a');
    await control.clock.advanceBy(15 * 60_000);
    expect(control.tree.get('web-b').sensor('group.size').value).toBe(1);
  });

  it('a when: guard blocks the runbook while it does not hold, and validate checks the sensor exists', async () => {
    const guarded = (sensor: string) => sites(fencePromote, { dr: `\n        when: [{ entity: web-b, sensor: ${sensor}, op: gte, value: 2 }]` });
    const run = await scenario(guarded('servers.running'));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await run.clock.advanceBy(60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'blocked', actions: [] });
    expect(d?.reason).toBe('site-a has lost quorum for 30 s, but the guard web-b.servers.running gte 2 (is 1) does not hold: not running the DR runbook');
    // once the guard holds, the runbook is reconsidered (every retryInterval while the site stays lost)
    await run.deployment.engine.invoker.invoke(run.tree.get('web-b'), 'resize', { size: 2 }, { caller: { kind: 'person', name: 'sre' } });
    await run.clock.advanceBy(2 * 60_000);
    expect((await run.deployment.knowledge.queryDecisions({}))[0]).toMatchObject({ outcome: 'applied', symptom: { detail: { reconsidered: true } } });
    expect(await problems(guarded('servers.warm'))).toContainEqual(expect.stringMatching(/^\d+:\d+: a guard of policy 'disaster-recovery' reads sensor 'servers.warm', which 'web-b' does not have/));
  });

  it('escalate marks a member on fire but leaves the group\'s health to its quorum rule', async () => {
    const run = await scenario(sites(fencePromote).replace("        - { id: db-a, type: sim.database, config: { role: primary, group: shop-db } }", `        - { id: db-a, type: sim.database, config: { role: primary, group: shop-db } }
        - id: web-a
          type: sim.web-cluster
          config: { initialSize: 2, load: { base: 10, amplitude: 0 } }
          memberSpec: { type: sim.server, config: { bootTime: 5s } }`));
    await run.clock.advanceBy(30_000);
    await run.deployment.engine.invoker.invoke(run.tree.get('web-a'), 'escalate', { reason: 'replacements keep failing', by: 'test' }, { caller: { kind: 'person', name: 'sre' } });
    await run.clock.advanceBy(5 * 60_000);
    expect(run.tree.get('web-a').sensor('escalation').value).toMatchObject({ reason: 'replacements keep failing' });
    expect([run.tree.get('web-a').sensor('service.up').value, run.tree.get('site-a').sensor('service.up').value]).toEqual([true, true]);
    expect(await run.deployment.knowledge.queryDecisions({})).toEqual([]);
  });
});

describe('DR runbook: step guards', () => {
  it('a step whose when: guard does not hold is skipped with its dependents; independent steps still run', async () => {
    const run = await scenario(sites(`${fencePromote}
          - { id: scale, entity: web-b, effector: resize, params: { size: 3 }, after: [promote], when: [{ entity: web-b, sensor: servers.running, op: gte, value: 2 }] }
          - { id: hold, entity: web-b, effector: setFloor, params: { min: 3 }, after: [scale] }
          - { id: route, entity: traffic, effector: route, params: { site: site-b }, after: [promote] }`));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await run.clock.advanceBy(60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'applied', detail: 'fence done, promote done, scale skipped, hold skipped, route done' });
    expect([run.tree.get('web-b').sensor('group.size').value, run.tree.get('traffic').sensor('route').value]).toEqual([1, 'site-b']);
  });
});

describe('DR runbook: replication groups', () => {
  it('refuses a promotion whose fences are all outside the promoted database\'s group (the group is not declared)', async () => {
    const run = await scenario(sites(fencePromote).replaceAll(', group: shop-db', ''));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    await run.clock.advanceBy(60_000);
    const [d] = await run.deployment.knowledge.queryDecisions({});
    expect(d).toMatchObject({ outcome: 'refused' });
    expect(d?.reason).toMatch(/step 'promote' promotes db-b \(group 'site-b'\), but none of the databases fenced before it \(db-a\) is in that group: give the databases of one replication group the same 'group' config$/);
  });
});
