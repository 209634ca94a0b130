import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint, parseBlueprint } from '../../src/blueprint/load.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('Deployment', () => {
  it('runs the example blueprint in virtual time: scales, restarts crashed members, explains itself', async () => {
    const clock = new VirtualClock();
    const blueprint = await loadBlueprint(path.join(root, 'examples/web-shop.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    const web = deployment.tree.get('web');
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect(deployment.engine.policies().map((p) => p.id).sort()).toEqual(['web-1/restarter', 'web-2/restarter', 'web/autoscaler', 'web/latency-guard']);
    await clock.advanceBy(10 * 60_000);
    const decisions = await deployment.knowledge.queryDecisions({ limit: 10_000 });
    const applied = decisions.filter((d) => d.outcome === 'applied');
    expect(applied.some((d) => d.policy === 'web/autoscaler')).toBe(true);
    expect(applied.some((d) => d.policyName === 'restarter' && d.actions[0]?.effector === 'restart')).toBe(true);
    expect(web.members.length).toBeGreaterThan(2);
    // members spawned at run time got their own restarter
    for (const member of web.members) expect(deployment.engine.policies().some((p) => p.id === `${member.id}/restarter`)).toBe(true);
    for (const d of applied) expect(d.reason.length).toBeGreaterThan(20);
    await deployment.stop();
  });

  it('is deterministic for a given seed', async () => {
    const run = async () => {
      const clock = new VirtualClock();
      const deployment = await Deployment.create(await loadBlueprint(path.join(root, 'examples/web-shop.yaml')), { scheduler: clock });
      deployment.start();
      await clock.advanceBy(5 * 60_000);
      const decisions = await deployment.knowledge.queryDecisions({ limit: 10_000 });
      await deployment.stop();
      return decisions.map((d) => `${d.at} ${d.policy} ${d.outcome} ${JSON.stringify(d.actions)}`);
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(3);
    expect(await run()).toEqual(first);
  });

  it('keeps running other loops when a user policy module throws', async () => {
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint(`name: t
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: entity }
      policies:
        - module: ./throwing-policy.ts
        - use: autoscaler
          config: { metric: group.size, target: 0.5, min: 1, max: 3, scaleDown: { stabilization: 0 } }
`, path.join(root, 'test/blueprint/fixtures/inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    await clock.advanceBy(1000);
    const faults = await deployment.knowledge.queryFaults({});
    expect(faults[0]).toMatchObject({ policy: 'web/always-throws', phase: 'plan', message: 'plan exploded' });
    expect(deployment.tree.get('web').members.length).toBe(3); // the autoscaler acted (group.size 1 vs target 0.5 -> 2 -> ... max 3)
    await deployment.stop();
  });

  it('retires members on resize: stopping, then gone with their policies', async () => {
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint(`name: t
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 3 }
      memberSpec:
        type: sim.server
        policies: [{ use: restarter }]
`, path.join(root, 'inline.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    const web = deployment.tree.get('web');
    const states: string[] = [];
    deployment.tree.get('web-3').sensor<string>('service.state').readings$.subscribe((r) => states.push(r.value));
    await deployment.engine.invoker.invoke(web, 'resize', { size: 2 }, { caller: { kind: 'person', name: 'test' } });
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect(states).toEqual(['stopping', 'stopped']);
    expect(deployment.tree.find('web-3')).toBeUndefined();
    expect(deployment.engine.policies().map((p) => p.id).sort()).toEqual(['web-1/restarter', 'web-2/restarter']);
    await deployment.stop();
  });
});
