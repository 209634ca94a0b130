// Escalation through the tree, in virtual time, asserting the exact sequence of decisions.
import { describe, expect, it } from 'vitest';
import { scenario } from './helpers.js';

const cluster = (replacer = '{ maxFailures: 2, window: 15m, startTimeout: 1m }') => `
name: esc
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s }
        policies:
          - use: restarter
            config: { failureDelay: 5s, recheckInterval: 30s, maxBackoff: 30s, maxRestarts: 2, window: 5m }
      policies:
        - use: replacer
          config: ${replacer}
`;

describe('escalation scenarios', () => {
  it('a member crash is restarted', async () => {
    const { clock, tree, decisions } = await scenario(cluster());
    await clock.advanceBy(20_000);
    tree.get('web-1').setUp(false); // a crash: the process dies, a restart brings it back
    await clock.advanceBy(60_000);
    expect(await decisions()).toEqual(['35 web-1/restarter applied restart(web-1)']);
    expect(tree.get('web-1').sensor('service.up').value).toBe(true);
  });

  it('a recurring crash escalates to replacement: the new member starts before the old one goes', async () => {
    const { clock, tree, fail, decisions } = await scenario(cluster());
    await clock.advanceBy(20_000);
    fail('web-1'); // broken for good: restarts do not help
    await clock.advanceBy(180_000);
    expect(await decisions()).toEqual([
      '35 web-1/restarter applied restart(web-1)',
      '65 web-1/restarter applied restart(web-1)',
      '85 web-1/restarter applied escalate(web-1)',
      '95 web/replacer applied replaceMember(web)',
    ]);
    expect(tree.get('web').members.map((m) => m.id)).toEqual(['web-2', 'web-3']);
    expect(tree.find('web-1')).toBeUndefined();
  });

  it('failed replacements escalate the cluster to its parent', async () => {
    const { clock, tree, fail, decisions } = await scenario(cluster());
    await clock.advanceBy(20_000);
    fail('web'); // the whole cluster is broken: replacements cannot come up either
    await clock.advanceBy(15 * 60_000);
    const chain = (await decisions()).filter((d) => !d.includes('restart('));
    // both members escalate at 85 s; each replacement waits 60 s for a member that never comes up; the
    // re-check after the second failure finds them still on fire and escalates the cluster
    expect(chain).toEqual([
      '85 web-1/restarter applied escalate(web-1)',
      '85 web-2/restarter applied escalate(web-2)',
      '145 web/replacer failed replaceMember(web)',
      '205 web/replacer failed replaceMember(web)',
      '240 web/replacer applied escalate(web)',
    ]);
    expect(tree.get('web').state).toBe('on-fire');
    expect(tree.get('web').sensor('escalation').value).toMatchObject({ by: 'web/replacer', reason: '2 replacements failed within 900 s' });
    // the failed replacements removed nothing that worked, and left no half-started members behind
    expect(tree.get('web').members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
  });

  it('a recheck retries every member still on fire, not only the first one listed', async () => {
    const { clock, fail, deployment } = await scenario(cluster('{ maxFailures: 20, window: 1h, startTimeout: 1m, recheckInterval: 30s }'));
    await clock.advanceBy(20_000);
    fail('web'); // every replacement fails: each member is asked about again once its last replacement had its time
    await clock.advanceBy(15 * 60_000);
    const asked = (await deployment.knowledge.queryDecisions({ policy: 'web/replacer', limit: 100 }))
      .reverse()
      .flatMap((d) => (d.actions[0]?.effector === 'replaceMember' ? [(d.actions[0].params as { member: string }).member] : []));
    // the first member on fire, inside its wait after each failed replacement, kept the other from being asked again
    const times = (member: string) => asked.filter((m) => m === member).length;
    expect(times('web-1')).toBeGreaterThanOrEqual(4);
    expect(times('web-2')).toBeGreaterThanOrEqual(4);
    expect(Math.abs(times('web-1') - times('web-2'))).toBeLessThanOrEqual(1);
  });

  it('an autoscaler does not fight a replacement: its plans are preempted while the replacer holds the cluster', async () => {
    const { clock, tree, fail, deployment, decisions } = await scenario(`${cluster()}        - use: autoscaler
          config: { metric: group.size, target: 1, max: 4, min: 1, evaluationInterval: 5s, scaleDown: { stabilization: 0 } }
`);
    await clock.advanceBy(20_000);
    fail('web-1');
    await clock.advanceBy(90_000); // the replacement starts at 85 s and takes 10 s
    tree.get('web').sensor('group.size').publish(3); // a reading while the replacement holds the cluster
    await clock.advanceBy(60_000);
    const web = await decisions((d) => d.policy.startsWith('web/'));
    expect(web).toContain('95 web/replacer applied replaceMember(web)'); // started at 85 s, done at 95 s
    // while it ran, the autoscaler's resize (asked for when the new member joined) was held back
    const preempted = await deployment.knowledge.queryDecisions({ outcome: 'preempted' });
    expect(preempted.length).toBeGreaterThan(0);
    for (const d of preempted) {
      expect(d.policy).toBe('web/autoscaler');
      expect(d.at).toBeGreaterThanOrEqual(85_000);
      expect(d.at).toBeLessThan(95_000);
      expect(d.detail).toBe('held: web/replacer is running a plan on the subtree of web');
    }
    const appliedDuring = (await deployment.knowledge.queryDecisions({ policy: 'web/autoscaler', outcome: 'applied' })).filter((d) => d.at >= 85_000 && d.at < 95_000);
    expect(appliedDuring).toEqual([]);
  });
});
