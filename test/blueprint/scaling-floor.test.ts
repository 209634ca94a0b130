import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.js';

// A group whose rule is "at least n members up" and whose autoscaler may shrink it below n was accepted: at
// low load the autoscaler took it to its min (default 1), the group counted as down, and policies above it (a
// site's disaster recovery) would act on a group that was only small.

function cluster(policyConfig: string, quorum = '{ from: members, rule: atLeast, n: 2 }'): string {
  return `name: t
application:
  id: app
  children:
    - id: web
      type: sim.web-cluster
      config: { initialSize: 3 }
      quorum: ${quorum}
      memberSpec: { type: sim.server }
      enrichers: [{ kind: aggregate, from: members, sensor: cpu, op: mean, publish: cpu.mean }]
      policies:
        - use: autoscaler
          config: ${policyConfig}
`;
}

describe('a scaling floor below the quorum of the group', () => {
  it("refuses the autoscaler's default min of 1 under 'at least 2 members up', at the policy's config", async () => {
    expect(await problemsOf(cluster('{ metric: cpu.mean, target: 0.6, max: 6 }'))).toEqual([
      expect.stringMatching(/^\d+:\d+: policy 'autoscaler' may shrink 'web' to 1 member \(its default min\), below its quorum 'at least 2 of members up': scaling would take the group down; set min: 2 or more$/),
    ]);
  });

  it('refuses an explicit min below n, and accepts min n or more, or a rule that scales with the group', async () => {
    expect(await problemsOf(cluster('{ metric: cpu.mean, target: 0.6, max: 6, min: 1 }', '{ from: members, rule: atLeast, n: 3 }'))).toEqual([expect.stringContaining("may shrink 'web' to 1 member, below its quorum 'at least 3 of members up'")]);
    expect(await problemsOf(cluster('{ metric: cpu.mean, target: 0.6, max: 6, min: 2 }'))).toEqual([]);
    expect(await problemsOf(cluster('{ metric: cpu.mean, target: 0.6, max: 6 }', '{ from: members, rule: fraction, value: 0.5 }'))).toEqual([]);
  });
});
