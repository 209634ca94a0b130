import { interval } from 'rxjs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { scenario } from '../scenarios/helpers.js';

// A cluster of simulated servers whose error rate depends on their version (`bad`: 30 %, else 1 %), and a
// load balancer (`lb`) whose `setWeight` effector records each weight it is told and what ran at that moment.
const blueprint = `
name: canary-traffic
application:
  id: app
  children:
    - id: lb
    - id: web
      type: cluster
      config: { initialSize: 4 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s }
        sensors:
          - { name: http.errors.rate, unit: ratio }
`;

async function deploy(opts: { failWeight?: number } = {}) {
  const s = await scenario(blueprint);
  const web = s.tree.get('web');
  const versions = () => web.members.map((m) => String(m.sensor('version').value));
  const calls: string[] = [];
  s.tree.get('lb').addEffector(
    defineEffector({
      name: 'setWeight',
      params: z.strictObject({ version: z.string(), weight: z.number(), canary: z.string(), baseline: z.string() }),
      run: ({ version, weight, canary, baseline }) => {
        calls.push(`${version} ${weight}% canary=${canary} baseline=${baseline} running=${versions().join(',')}`);
        if (weight === opts.failWeight) throw new Error('the load balancer refused the weight');
        return { weight };
      },
    }),
  );
  const feed = interval(1_000, s.clock).subscribe(() => {
    for (const m of web.members) if (m.sensor<boolean>('service.up').value === true) m.sensor('http.errors.rate').publish(m.sensor('version').value === 'bad' ? 0.3 : 0.01);
  });
  await s.clock.advanceBy(10_000);
  const canary = (version: string) => {
    const run = s.deployment.engine.invoker.invoke(web, 'canary', {
      version,
      steps: [{ weight: 25, pause: '30s' }, { weight: 50, pause: '30s' }],
      checks: [{ sensor: 'http.errors.rate', max: 0.05, maxAboveBaseline: 0.02, minSamples: 5 }],
      traffic: { entity: 'lb', effector: 'setWeight' },
    }, { caller: { kind: 'person', name: 'ops' } });
    run.catch(() => undefined);
    return run;
  };
  const reasons = async () => (await s.deployment.knowledge.queryDecisions({ limit: 100 })).filter((d) => d.policy === 'web/canary').reverse().map((d) => `${d.outcome} ${d.reason}`);
  return { ...s, calls, canary, versions, reasons, stop: () => feed.unsubscribe() };
}

describe('a canary that shifts traffic by weight', () => {
  it('tells the traffic effector each step\'s weight once the step\'s members are up, and 100 on promotion', async () => {
    const s = await deploy();
    const run = s.canary('2');
    await s.clock.advanceBy(200_000);
    await run;
    expect(s.calls).toEqual([
      '2 25% canary=web-1 baseline=web-2,web-3,web-4 running=2,1,1,1',
      '2 50% canary=web-1,web-2 baseline=web-3,web-4 running=2,2,1,1',
      '2 100% canary=web-1,web-2,web-3,web-4 baseline= running=2,2,2,2',
    ]);
    const reasons = await s.reasons();
    expect(reasons[0]).toMatch(/^applied step 1\/2: 1 of 4 members \(25%, traffic weight 25\) on 2 for 30 s/);
    expect(reasons.at(-1)).toBe('applied every step of the canary of 2 passed: promoted to all 4 members, traffic weight 100');
    s.stop();
  });

  it('a bad version: traffic goes back to the baseline (weight 0) before the canary is rolled back', async () => {
    const s = await deploy();
    const run = s.canary('bad');
    await s.clock.advanceBy(200_000);
    await expect(run).rejects.toThrow(/canary aborted at step 1/);
    // the 0 came while the canary member still ran the bad version: no request reached a member being rolled back
    expect(s.calls).toEqual(['bad 25% canary=web-1 baseline=web-2,web-3,web-4 running=bad,1,1,1', 'bad 0% canary= baseline=web-1,web-2,web-3,web-4 running=bad,1,1,1']);
    expect(s.versions()).not.toContain('bad');
    expect((await s.reasons()).at(-1)).toMatch(/^applied canary of bad aborted at step 1 \(analysis failed: .*\): traffic weight 0, rolled back web-1$/);
    s.stop();
  });

  it('a traffic weight the load balancer refuses aborts the canary and rolls it back', async () => {
    const s = await deploy({ failWeight: 50 });
    const run = s.canary('2');
    await s.clock.advanceBy(200_000);
    await expect(run).rejects.toThrow(/canary aborted at step 2: traffic weight 50: .*the load balancer refused the weight/);
    expect(s.calls.map((c) => c.split(' ')[1])).toEqual(['25%', '50%', '0%']);
    expect(s.versions()).not.toContain('2');
    s.stop();
  });
});
