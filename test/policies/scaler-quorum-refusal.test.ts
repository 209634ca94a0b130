import { describe, expect, it } from 'vitest';
import { scenario } from '../scenarios/helpers.js';

/** A cluster of 3 sim servers, at least 2 up, with a `load` sensor and one scaler whose min is 2 (validate's floor). */
const blueprint = (policy: string): string => `
name: scaler-quorum
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 3 }
      quorum: { from: members, rule: atLeast, n: 2 }
      sensors: [{ name: load }]
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
      policies:
        - ${policy}
`;

type Scenario = Awaited<ReturnType<typeof scenario>>;

/**
 * Attaches the scaler again with `config` through the library (which, unlike validate and the API's config
 * change, does not check the floor against the quorum): how a program embedding homeostat can set it so.
 */
function attachWith(s: Scenario, id: string, config: unknown): void {
  const { entity, definition } = s.deployment.engine.attachment(id);
  s.deployment.engine.detach(id);
  s.deployment.engine.attach(entity, definition, config, { id });
}

/** The scaler's decisions, oldest first: outcome, how many plans it stands for, reason and error. */
async function scalerDecisions(s: Scenario, policy: string) {
  const all = await s.deployment.knowledge.queryDecisions({ limit: 1_000 });
  return all.filter((d) => d.policy === policy).reverse().map((d) => ({ outcome: d.outcome, count: d.count ?? 1, reason: d.reason, error: d.error?.code }));
}

describe('a scaler whose scale-in the quorum refuses decides so, saying why, once (no retry loop)', () => {
  it('step-scaler: its min lowered to 1 by a program (the API refuses it), below the quorum; the scale-in to 1 is refused, coalesced while the load stays low', async () => {
    const config = { metric: 'load', threshold: 10, steps: [{ to: 0, adjustment: 'change', value: -1 }], min: 2, max: 5 };
    const s = await scenario(blueprint(`{ use: step-scaler, config: ${JSON.stringify(config)} }`));
    await s.clock.advanceBy(6_000);
    const web = s.tree.get('web');
    web.sensor('load').publish(5);
    await s.clock.advanceBy(1_000);
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    // a config change refuses the floor, as validate does
    expect(() => s.deployment.engine.reconfigure('web/step-scaler', { ...config, min: 1 })).toThrow(/config\.min: policy 'step-scaler' may shrink 'web' to 1 member, below its quorum 'at least 2 of members up'/);
    attachWith(s, 'web/step-scaler', { ...config, min: 1 });
    for (let i = 0; i < 3; i++) {
      web.sensor('load').publish(5);
      await s.clock.advanceBy(1_000);
    }
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect(await scalerDecisions(s, 'web/step-scaler')).toEqual([
      { outcome: 'applied', count: 1, reason: 'load is -5 from its threshold 10: step 0 resizes 3 -> 2', error: undefined },
      { outcome: 'refused', count: 3, reason: 'load is -5 from its threshold 10: step 0 resizes 2 -> 1; not resized: retiring web-2 would leave web below its quorum rule (1 of 1 up (need at least 2))', error: undefined },
    ]);
  });

  it('autoscaler: its min lowered to 1 by a program; the scale-in to 1 is refused, coalesced over its evaluations', async () => {
    const config = { metrics: [{ sensor: 'load', target: 10, basis: 'total' }], min: 2, max: 5, evaluationInterval: '5s', scaleDown: { stabilization: 0 } };
    const s = await scenario(blueprint(`{ use: autoscaler, config: ${JSON.stringify(config)} }`));
    await s.clock.advanceBy(6_000);
    const web = s.tree.get('web');
    web.sensor('load').publish(5);
    await s.clock.advanceBy(1_000);
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    expect(() => s.deployment.engine.reconfigure('web/autoscaler', { ...config, min: 1 })).toThrow(/config\.min: policy 'autoscaler' may shrink 'web' to 1 member/);
    attachWith(s, 'web/autoscaler', { ...config, min: 1 });
    for (let i = 0; i < 3; i++) {
      web.sensor('load').publish(5);
      await s.clock.advanceBy(5_000);
    }
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2']);
    const decisions = await scalerDecisions(s, 'web/autoscaler');
    expect(decisions.filter((d) => d.outcome === 'failed')).toEqual([]);
    const refused = decisions.filter((d) => d.outcome === 'refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.count).toBeGreaterThanOrEqual(3);
    expect(refused[0]?.reason).toMatch(/resize 2 -> 1; not resized: retiring web-2 would leave web below its quorum rule \(1 of 1 up \(need at least 2\)\)$/);
  });

  it('scheduled-scaler: a baseline below the quorum, outside every window; the scale-in is refused, saying why, never failed', async () => {
    // a window that opens at 03:00 on 1 January only: closed through the test, so the baseline applies
    const config = { windows: [{ cron: '0 3 1 1 *', duration: '1h', size: 3 }], baseline: 3, checkInterval: '10s' };
    const s = await scenario(blueprint(`{ use: scheduled-scaler, config: ${JSON.stringify(config)} }`));
    await s.clock.advanceBy(6_000);
    const web = s.tree.get('web');
    // once the members are up, a program sets the baseline below the quorum
    attachWith(s, 'web/scheduled-scaler', { ...config, baseline: 1 });
    await s.clock.advanceBy(30_000);
    expect(web.members.map((m) => m.id)).toEqual(['web-1', 'web-2', 'web-3']);
    const decisions = await scalerDecisions(s, 'web/scheduled-scaler');
    expect(decisions.filter((d) => d.outcome !== 'refused')).toEqual([]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.reason).toBe('no window is open: back to the baseline: resize 3 -> 1; not resized: retiring web-3, web-2 would leave web below its quorum rule (1 of 1 up (need at least 2))');
  });
});
