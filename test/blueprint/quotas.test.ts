import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { pushReading } from '../../src/sensors/push-reading.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { problemsOf } from './problems-of.js';

/** Two tenants' clusters, each member declaring its resources; quotas on a cluster, a tenant and the root. */
const BLUEPRINT = `name: quotas
tenants:
  acme:
    quota: { members: 5, resources: { memory: 4Gi } }
application:
  id: app
  quota: { operations: 1 }
  children:
    - id: web
      type: cluster
      tenant: acme
      quota: { members: 4, resources: { cpu: 2 } }
      config: { initialSize: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 1s }, resources: { cpu: 500m, memory: 512Mi } }
      sensors: [{ name: demand, type: number, staleAfter: 1h, pushable: true }]
      policies:
        - use: autoscaler
          config: { metric: demand, target: 1, basis: total, min: 2, max: 10, evaluationInterval: 1h }
    - id: batch
      type: cluster
      tenant: acme
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 1s }, resources: { cpu: 1, memory: 2Gi } }
`;

describe('validate checks tenants and quotas with positions', () => {
  it('accepts the blueprint whose minimums fit its quotas', async () => {
    expect(await problemsOf(BLUEPRINT)).toEqual([]);
  });

  it('rejects a blueprint whose minimums already exceed a quota, naming the groups and numbers', async () => {
    const text = BLUEPRINT.replace('min: 2, max: 10', 'min: 5, max: 10');
    expect(await problemsOf(text)).toEqual([
      "4:23: the quota of tenant 'acme' allows 5 members, but the minimums already need 6: 'web' 5 (autoscaler min 5), 'batch' 1 (initialSize 1)",
      "4:47: the quota of tenant 'acme' allows memory 4294967296, but the minimums already need 4831838208: 'web' 5 (autoscaler min 5), 'batch' 1 (initialSize 1)",
      "12:25: the quota of 'web' allows 4 members, but the minimums already need 5: 'web' 5 (autoscaler min 5)",
      "12:46: the quota of 'web' allows cpu 2, but the minimums already need 2.5: 'web' 5 (autoscaler min 5)",
    ]);
  });

  it('rejects a tenant inside another tenant, a tenant no subtree names, bad amounts and empty quotas', async () => {
    const text = BLUEPRINT
      .replace('      config: { initialSize: 1 }\n', '      config: { initialSize: 1 }\n      children: [{ id: nested, tenant: globex }]\n')
      .replace('tenants:\n', 'tenants:\n  initech: {}\n')
      .replace('quota: { operations: 1 }', 'quota: {}')
      .replace('resources: { cpu: 1, memory: 2Gi }', 'resources: { cpu: lots, memory: 2Gi }');
    const problems = await problemsOf(text);
    expect(problems).toContainEqual(expect.stringMatching(/^3:12: no entity names tenant 'initech'/));
    expect(problems).toContainEqual(expect.stringMatching(/^8:10: a quota names at least one of members, resources or operations/));
    expect(problems).toContainEqual(expect.stringMatching(/^24:40: 'nested' is inside a subtree of tenant 'acme'/));
    expect(problems).toContainEqual(expect.stringMatching(/^25:83: cpu: 'lots' is not an amount/));
  });
});

describe('a plan that would exceed a quota is a quota_exceeded decision with the numbers', () => {
  async function deploy(text = BLUEPRINT) {
    const clock = new VirtualClock();
    const deployment = await Deployment.create(await parseBlueprint(text, path.resolve('quotas.yaml')), { scheduler: clock });
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    deployment.start();
    await clock.advanceBy(2000);
    const web = deployment.tree.find('web');
    if (!web) throw new Error('no web');
    const push = async (value: number) => {
      pushReading(deployment.tree, 'web', 'demand', value);
      await clock.advanceBy(5000);
    };
    return { clock, deployment, decisions, web, push };
  }

  it('refuses a resize past the members or resources quota, and applies one within it', async () => {
    const { deployment, decisions, web, push } = await deploy();
    await push(4); // 4 members: cpu 2 of 2, members 4 of 4 in web and 5 of 5 in the tenant, memory 4Gi of 4Gi
    expect(decisions.at(-1)).toMatchObject({ outcome: 'applied' });
    expect(web.members).toHaveLength(4);
    await push(5);
    const refused = decisions.at(-1);
    expect(refused?.outcome).toBe('quota_exceeded');
    expect(refused?.detail).toBe('quota of tenant acme: 5 members + 1 = 6, over the quota of 5');
    expect(web.members).toHaveLength(4);
    await deployment.stop();
  });

  it('counts a declared resource across the tenant\'s subtrees', async () => {
    const { deployment, decisions, push } = await deploy(BLUEPRINT.replace('memory: 4Gi }', 'memory: 3Gi }'));
    // memory: batch 2Gi + web 2 x 512Mi = 3Gi, the tenant's whole quota; one more web member is 512Mi over
    await push(3);
    expect(decisions.at(-1)?.outcome).toBe('quota_exceeded');
    expect(decisions.at(-1)?.detail).toBe('quota of tenant acme: memory 3221225472 used + 536870912 for 1 new member(s) = 3758096384, over the quota of 3221225472');
    await deployment.stop();
  });

  it('holds concurrent operations in a subtree to its quota', async () => {
    const { clock, deployment, decisions, push } = await deploy();
    const batchMember = deployment.tree.find('batch')?.members[0];
    if (!batchMember) throw new Error('no batch member');
    // a restart by hand in batch runs (1 s boot), so the root's quota of one operation is spent
    const restart = deployment.engine.invokeHeld(batchMember, 'restart', {}, { caller: { kind: 'person', name: 'ann' } });
    pushReading(deployment.tree, 'web', 'demand', 3);
    await clock.advanceBy(500);
    expect(decisions.at(-1)?.outcome).toBe('quota_exceeded');
    expect(decisions.at(-1)?.detail).toBe('quota of app: 1 of 1 operations already running; this plan would be one more');
    await clock.advanceBy(5000);
    await restart;
    await push(3.5);
    expect(decisions.at(-1)?.outcome).toBe('applied');
    await deployment.stop();
  });
});
