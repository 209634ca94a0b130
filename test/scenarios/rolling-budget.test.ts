import { describe, expect, it } from 'vitest';
import { scenario } from './helpers.js';

const cluster = (extra = '', badVersion = '') => `
name: roll
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 4 }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s${badVersion} }
${extra}`;

describe('rolling operations', () => {
  it('restarts members in batches of maxUnavailable, each batch healthy before the next', async () => {
    const { clock, tree, deployment } = await scenario(cluster());
    await clock.advanceBy(15_000);
    const ups: string[] = [];
    for (const m of tree.get('web').members) m.sensor<boolean>('service.up').readings$.subscribe((r) => ups.push(`${clock.now() / 1000} ${m.id} ${r.value}`));
    const result = deployment.engine.invoker.invoke(tree.get('web'), 'rollingRestart', { maxUnavailable: 2 }, { caller: { kind: 'person', name: 'ops' } });
    await clock.advanceBy(30_000);
    await expect(result).resolves.toEqual({ batches: [['web-1', 'web-2'], ['web-3', 'web-4']] });
    expect(ups).toEqual([
      '15 web-1 false', '15 web-2 false', '25 web-1 true', '25 web-2 true',
      '25 web-3 false', '25 web-4 false', '35 web-3 true', '35 web-4 true',
    ]);
  });

  it('stops a rolling update at the first unhealthy batch and rolls back every updated member', async () => {
    const { clock, tree, deployment } = await scenario(cluster('', ', badVersion: "2"'));
    await clock.advanceBy(15_000);
    const result = deployment.engine.invoker.invoke(tree.get('web'), 'rollingUpdate', { version: '2', maxUnavailable: 1, healthTimeout: 20_000 }, { caller: { kind: 'person', name: 'ops' } });
    result.catch(() => undefined);
    await clock.advanceBy(120_000);
    await expect(result).rejects.toThrow(/batch 1 failed its health gate .*; rolled back web-1/);
    const versions = tree.get('web').members.map((m) => `${m.id}=${String(m.sensor('version').value)}:${String(m.sensor('service.up').value)}`);
    expect(versions).toEqual(['web-1=1:true', 'web-2=1:true', 'web-3=1:true', 'web-4=1:true']);
  });
});

describe('action budgets', () => {
  it('refuses plans past the subtree budget as rate_limited, and allows them again when the window moves', async () => {
    const { clock, tree, deployment } = await scenario(`
name: budget
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      budget: { actions: 2, window: 10m }
      sensors: [{ name: demand, type: number }]
      memberSpec: { type: sim.server, config: { bootTime: 1s } }
      policies:
        - use: autoscaler
          config: { metric: demand, target: 1, basis: total, max: 10, evaluationInterval: 1h, scaleUp: { policies: [] }, scaleDown: { stabilization: 0, policies: [] } }
`);
    const demand = tree.get('web').sensor('demand');
    const ask = async (n: number) => {
      // a demand reading that asks for n members (total basis, target 1)
      demand.publish(n);
      await clock.settle();
    };
    await clock.advanceBy(5_000);
    await ask(3);
    await ask(5);
    await ask(7);
    const outcomes = (await deployment.knowledge.queryDecisions({})).reverse().map((d) => d.outcome);
    expect(outcomes).toEqual(['applied', 'applied', 'rate_limited']);
    const limited = (await deployment.knowledge.queryDecisions({ outcome: 'rate_limited' }))[0];
    expect(limited?.detail).toBe('action budget of web: 2 of 2 actions used in the last 600 s; this plan needs 1 more');
    await clock.advanceBy(10 * 60_000);
    await ask(2);
    expect((await deployment.knowledge.queryDecisions({}))[0]?.outcome).toBe('applied');
  });
});
