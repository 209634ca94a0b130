import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { scenario } from './helpers.js';

const app = (guard: { where: 'config' | 'attachment'; sensor?: string; entity?: string }) => {
  const when = `[{ entity: ${guard.entity ?? 'web'}, sensor: ${guard.sensor ?? 'tier.healthy'}, value: true }]`;
  return `
name: guarded
application:
  id: app
  children:
    - id: web
      sensors: [{ name: tier.healthy, type: boolean }]
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary } }
        - { id: db-2, type: sim.database, config: { role: replica } }
      policies:
        - use: failover${guard.where === 'attachment' ? `\n          when: ${when}` : ''}
          config: { failureDelay: 10s, retryInterval: 30s${guard.where === 'config' ? `, when: ${when}` : ''} }
`;
};

describe('when: guards', () => {
  for (const where of ['config', 'attachment'] as const) {
    it(`fail over the database only while the app tier is up (guard in the ${where}); reconsidered when it holds again`, async () => {
      const { clock, fail, decisions, deployment, tree } = await scenario(app({ where }));
      const healthy = tree.get('web').sensor('tier.healthy');
      healthy.publish(true);
      await clock.advanceBy(30_000);
      healthy.publish(false);
      fail('db-1');
      await clock.advanceBy(30_000);
      expect(await decisions()).toEqual(['40 db/failover blocked']);
      const [d] = await deployment.knowledge.queryDecisions({});
      expect(d?.reason).toMatch(/the guard web\.tier\.healthy eq true \(is false\) does not hold/);
      healthy.publish(true);
      await clock.advanceBy(60_000);
      expect((await decisions()).at(-1)).toMatch(/^\d+ db\/failover applied fence\(db-1\),promote\(db-2\)$/);
      expect(tree.get('db-2').sensor('role').value).toBe('primary');
    });
  }

  it('validate reports a guard naming a missing entity or sensor, with its position', async () => {
    for (const [where, guard, message] of [
      ['attachment', { sensor: 'cpu.p99' }, /^\d+:\d+: a when: guard of policy 'failover' reads sensor 'cpu.p99', which 'web' does not have/],
      ['attachment', { entity: 'cache' }, /^\d+:\d+: a when: guard of policy 'failover' names entity 'cache', which is not in this blueprint/],
      ['config', { sensor: 'cpu.p99' }, /^\d+:\d+: a guard of policy 'failover' reads sensor 'cpu.p99', which 'web' does not have/],
    ] as const) {
      const error = await parseBlueprint(app({ where, ...guard }), 'guarded.yaml').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlueprintError);
      const found = (error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
      expect(found.some((m) => message.test(m)), found.join('\n')).toBe(true);
    }
  });
});
