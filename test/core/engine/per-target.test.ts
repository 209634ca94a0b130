// "Newest plan wins" per target, not per policy: plans of one policy about different entities wait their
// turn and run; only a newer plan about the same target (or one containing it) supersedes a waiting one.
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { z } from 'zod';
import { defineEffector } from '../../../src/effectors/define-effector.js';
import { sleep } from '../../../src/core/time.js';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { scenario } from '../../scenarios/helpers.js';
import { engineFixture } from './fixture.js';

/** On `web`: `fix(member)` for the member each reading names (the reading's value), taking 10 s. */
async function fixer() {
  const fixture = await engineFixture();
  const { tree, web } = fixture;
  for (const id of ['m1', 'm2', 'm3']) tree.add({ id, type: 'entity' }, web);
  const fixed: string[] = [];
  web.addEffector(defineEffector({
    name: 'fix',
    params: z.object({ member: z.string(), attempt: z.number() }),
    run: async ({ member, attempt }, { scheduler }) => {
      await sleep(scheduler, 10_000);
      fixed.push(`${member}#${attempt}`);
    },
  }));
  const policy = definePolicy({
    name: 'fixer',
    config: z.object({}),
    monitor: ({ entity }) => entity.sensor<number>('load').readings$,
    analyze: (source) => source.pipe(map((o) => ({ kind: 'broken', inputs: [o] }))),
    plan: (symptom, { entity }) => {
      const n = Number(symptom.inputs[0]?.value);
      const target = n === 0 ? entity.id : `m${Math.floor(n)}`;
      return { actions: [{ entity: entity.id, effector: 'fix', params: { member: target, attempt: Math.round((n % 1) * 10) } }], targets: [target], reason: `fix ${target}` };
    },
  });
  fixture.engine.attach(web, policy, {});
  fixture.engine.start();
  const report = (n: number) => web.sensor('load').publish(n);
  return { ...fixture, fixed, report };
}

describe('newest plan wins, per target', () => {
  it('runs plans about different targets one after another, none superseded', async () => {
    const { clock, knowledge, fixed, report } = await fixer();
    report(1);
    report(2);
    report(3);
    await clock.advanceBy(30_000);
    expect(fixed).toEqual(['m1#0', 'm2#0', 'm3#0']);
    expect((await knowledge.queryDecisions({})).map((d) => [d.outcome, d.at])).toEqual([['applied', 30_000], ['applied', 20_000], ['applied', 10_000]]);
  });

  it('lets a newer plan about the same target replace the waiting one, and leaves the others', async () => {
    const { clock, knowledge, fixed, report } = await fixer();
    report(1);
    report(2);
    report(3);
    report(2.1); // newer about m2: replaces the waiting m2#0 and takes its turn after m3
    await clock.advanceBy(40_000);
    expect(fixed).toEqual(['m1#0', 'm3#0', 'm2#1']);
    const superseded = await knowledge.queryDecisions({ outcome: 'superseded' });
    expect(superseded.map((d) => [d.reason, d.detail])).toEqual([['fix m2', 'a newer plan of the same policy about m2 replaced it while it waited']]);
  });

  it('lets a plan about an enclosing entity replace the waiting plans about what it contains', async () => {
    const { clock, knowledge, fixed, report } = await fixer();
    report(1);
    report(2);
    report(3);
    report(0); // about web itself, which contains m2 and m3
    await clock.advanceBy(40_000);
    expect(fixed).toEqual(['m1#0', 'web#0']);
    expect((await knowledge.queryDecisions({ outcome: 'superseded' })).map((d) => d.reason).sort()).toEqual(['fix m2', 'fix m3']);
  });

  it('replaces three members that fail at once, promptly and none superseded', async () => {
    const { clock, tree, fail, decisions, deployment } = await scenario(`
name: three
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 3 }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s }
        policies:
          - use: restarter
            config: { failureDelay: 5s, recheckInterval: 30s, maxBackoff: 30s, maxRestarts: 2, window: 5m }
      policies:
        - use: replacer
          config: { maxFailures: 3, window: 15m, startTimeout: 1m }
`);
    await clock.advanceBy(20_000);
    for (const id of ['web-1', 'web-2', 'web-3']) fail(id);
    await clock.advanceBy(100_000); // each escalates at 85 s; each replacement boots for 10 s
    expect(await decisions((d) => d.policy === 'web/replacer')).toEqual([
      '95 web/replacer applied replaceMember(web)',
      '105 web/replacer applied replaceMember(web)',
      '115 web/replacer applied replaceMember(web)',
    ]);
    expect(await deployment.knowledge.queryDecisions({ outcome: 'superseded' })).toEqual([]);
    expect(tree.get('web').members.map((m) => m.id)).toEqual(['web-4', 'web-5', 'web-6']);
    expect(tree.get('web').members.every((m) => m.sensor('service.up').value === true)).toBe(true);
    await deployment.stop({ graceMs: 0 });
  });
});
