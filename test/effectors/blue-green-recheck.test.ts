import { interval } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { scenario } from '../scenarios/helpers.js';

// Two simulated servers with an error-rate feed (one reading per member up per second), released blue-green.
const blueprint = `
name: blue-green-recheck
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec:
        type: sim.server
        config: { bootTime: 5s }
        sensors:
          - { name: http.errors.rate, unit: ratio }
`;

const params = { version: '2', checks: [{ sensor: 'http.errors.rate', max: 0.05, minSamples: 5 }], analysis: '30s', keepOldFor: '2m', healthTimeout: 20_000 };

async function cluster() {
  const s = await scenario(blueprint);
  const web = s.tree.get('web');
  const feed = interval(1_000, s.clock).subscribe(() => {
    for (const m of web.members) if (m.sensor<boolean>('service.up').value === true) m.sensor('http.errors.rate').publish(0.01);
  });
  await s.clock.advanceBy(10_000);
  const run = s.deployment.engine.invoker.invoke(web, 'blueGreen', params, { caller: { kind: 'person', name: 'ops' } });
  run.catch(() => undefined);
  const kinds = async () => (await s.deployment.knowledge.queryDecisions({ limit: 100 })).filter((d) => d.policy === 'web/blueGreen').reverse().map((d) => `${d.symptom.kind} ${d.outcome}`);
  const active = () => (web.hasSensor('release.active') ? web.sensor('release.active').value : undefined);
  return { ...s, web, feed, run, kinds, active };
}

describe('blue-green checks the new set again just before the switch and before the old set is retired', () => {
  it('a new member that went down during the analysis: no switch, the new set is retired, the old set serves', async () => {
    const s = await cluster(); // new set web-3, web-4 up at 15 s; analysis until 45 s
    await s.clock.advanceBy(20_000);
    s.fail('web-3');
    await s.clock.advanceBy(60_000);
    await expect(s.run).rejects.toThrow('blue-green aborted before the switch (the new set is not healthy before the switch: web-3 is down and did not come back within 20 s); serving: web-1, web-2');
    expect(s.active()).toBeUndefined();
    expect(s.web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect(await s.kinds()).toEqual(['blueGreen.analysis applied', 'blueGreen.switch failed']);
    s.feed.unsubscribe();
  });

  it('a new member down for less than the health gate is waited for, then traffic is switched', async () => {
    const s = await cluster();
    await s.clock.advanceBy(20_000);
    s.fail('web-3');
    await s.clock.advanceBy(20_000); // 50 s: the switch waits for web-3 since 45 s
    expect(s.active()).toBeUndefined();
    s.recover('web-3');
    void s.deployment.engine.invoker.invoke(s.tree.get('web-3'), 'restart', {}, { caller: { kind: 'person', name: 'ops' } });
    await s.clock.advanceBy(6_000); // web-3 up again at 55 s
    expect(s.active()).toEqual({ version: '2', members: ['web-3', 'web-4'] });
    await s.clock.advanceBy(130_000);
    await expect(s.run).resolves.toMatchObject({ active: ['web-3', 'web-4'], retired: ['web-1', 'web-2'] });
    s.feed.unsubscribe();
  });

  it('a new member that went down after the switch: before retiring the old set, traffic is switched back to it', async () => {
    const s = await cluster(); // switched at 45 s, old set kept until 165 s
    await s.clock.advanceBy(50_000);
    expect(s.active()).toEqual({ version: '2', members: ['web-3', 'web-4'] });
    s.fail('web-3');
    await s.clock.advanceBy(150_000);
    await expect(s.run).rejects.toThrow('blue-green switched back (the new set is not healthy before retiring the old set: web-3 is down and did not come back within 20 s); serving: web-1, web-2');
    expect(s.active()).toEqual({ version: '1', members: ['web-1', 'web-2'] });
    expect(s.web.members.map((m) => `${m.id}=${String(m.sensor('service.up').value)}`)).toEqual(['web-1=true', 'web-2=true']);
    expect(await s.kinds()).toEqual(['blueGreen.analysis applied', 'blueGreen.switched applied', 'blueGreen.switchedBack failed']);
    s.feed.unsubscribe();
  });
});
