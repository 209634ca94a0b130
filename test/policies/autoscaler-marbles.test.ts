// Marble tests of the autoscaler's analysis: every window, the tolerance, the rate limits and the
// missing-data rules, in virtual time (1 frame = 1 ms; evaluations every 15 s unless said otherwise).
import { describe, expect, it } from 'vitest';
import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { EntityTree } from '../../src/core/entity-tree.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { autoscaler, type ScaleSymptom } from '../../src/policies/autoscaler.js';
import type { PolicyContext } from '../../src/policies/define-policy.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';

type Script = ReadonlyArray<readonly [atMs: number, sensor: string, value: number]>;

/**
 * Runs the autoscaler's monitor + analyze over a script of sensor readings and returns the marble of its
 * proposals: each proposal as `<kind>:<desired>`.
 */
function proposals(config: Record<string, unknown>, script: Script, expected: string, values: Record<string, string>, untilMs: number): void {
  const scheduler = new TestScheduler((actual, wanted) => expect(actual).toEqual(wanted));
  scheduler.run(({ expectObservable }) => {
    const tree = new EntityTree(scheduler);
    const web = tree.add({ id: 'web', type: 'cluster', sensors: [...['cpu', 'queue'].map((n) => numberSensor(n, { staleAfterMs: 60_000 })), numberSensor('group.size')] });
    const parsed = autoscaler.config.parse({ max: 10, ...config });
    const context: PolicyContext<typeof parsed> = { policyId: 'web/autoscaler', entity: web, tree, config: parsed, scheduler, state: new Knowledge(new MemoryStore(), scheduler).policyState('p') };
    for (const [at, sensor, value] of script) scheduler.schedule(() => web.sensor(sensor).publish(value), at);
    const out: Observable<string> = autoscaler.analyze(autoscaler.monitor(context), context).pipe(map((s: ScaleSymptom) => `${s.kind}:${s.detail.desired}`));
    expectObservable(out, `^ ${untilMs}ms !`).toBe(expected, values);
  });
}

describe('autoscaler analysis (marbles)', () => {
  it('stays inside the tolerance band and acts just outside it', () => {
    proposals({ metric: 'cpu', target: 0.5, tolerance: 0.1 }, [[0, 'group.size', 4], [1000, 'cpu', 0.55], [2000, 'cpu', 0.45], [3000, 'cpu', 0.56]], '3000ms a', { a: 'scale:5' }, 10_000);
  });

  it('scale-up stabilization: a spike shorter than the window asks for nothing', () => {
    const script: Script = [[0, 'group.size', 2], [0, 'cpu', 0.5], [10_000, 'cpu', 1.0], [20_000, 'cpu', 0.5], [30_000, 'cpu', 1.0], [100_000, 'cpu', 1.0]];
    // up window 60 s: at 10 s the window holds 2 (from 0 s); the spike ends at 20 s; from 30 s the readings
    // ask for 4 again, but 2 (from 20 s) stays in the window until 80 s; the reading at 100 s scales.
    proposals({ metric: 'cpu', target: 0.5, scaleUp: { stabilization: '60s' } }, script, '100000ms a', { a: 'scale:4' }, 120_000);
  });

  it('scale-down stabilization: scales down only when the window has no higher recommendation', () => {
    // on target (6) at 0 s, then low readings every 30 s: 6 stays in the 5 min window until 300 s
    const low: Script = Array.from({ length: 10 }, (_, i) => [30_000 * (i + 1), 'cpu', 0.1] as const);
    const script: Script = [[0, 'group.size', 6], [0, 'cpu', 0.5], ...low, [301_000, 'cpu', 0.1]];
    proposals({ metric: 'cpu', target: 0.5, scaleDown: { stabilization: '5m' } }, script, '301000ms a', { a: 'scale:2' }, 320_000);
  });

  it('the metric that asks for the most capacity wins', () => {
    const script: Script = [[0, 'group.size', 2], [1000, 'cpu', 0.5], [1000, 'queue', 700]];
    const config = { metrics: [{ sensor: 'cpu', target: 0.5 }, { sensor: 'queue', target: 100, basis: 'total' }], scaleUp: { policies: [] } };
    proposals(config, script, '1000ms a', { a: 'scale:7' }, 5000);
  });

  it('rate limits scale-up per period: members, percent, and the select rule', () => {
    const script: Script = [[0, 'group.size', 2], [1000, 'cpu', 5]];
    const policies = [{ type: 'members', value: 2, period: '60s' }, { type: 'percent', value: 50, period: '60s' }];
    proposals({ metric: 'cpu', target: 0.5, scaleUp: { policies, select: 'max' } }, script, '1000ms a', { a: 'scale:4' }, 5000);
    proposals({ metric: 'cpu', target: 0.5, scaleUp: { policies, select: 'min' } }, script, '1000ms a', { a: 'scale:3' }, 5000);
    proposals({ metric: 'cpu', target: 0.5, scaleUp: { policies, select: 'disabled' } }, script, '', {}, 5000);
  });

  it('rate limits scale-down too', () => {
    const script: Script = [[0, 'group.size', 10], [1000, 'cpu', 0.05]];
    proposals({ metric: 'cpu', target: 0.5, scaleDown: { stabilization: 0, policies: [{ type: 'percent', value: 20, period: '60s' }] } }, script, '1000ms a', { a: 'scale:8' }, 5000);
  });

  it('missing data holds (and says so once), then applies the fallback after the failure threshold', () => {
    // cpu is never published: evaluations at 15, 30, 45 s fail; the third applies fallback 'fixed' 5
    const config = { metric: 'cpu', target: 0.5, missingData: { failureThreshold: 3, fallback: 'fixed', size: 5 } };
    proposals(config, [[0, 'group.size', 3]], '15000ms h 29999ms f', { h: 'hold:3', f: 'scale:5' }, 100_000);
  });

  it("fallback 'currentOrHigher' never shrinks", () => {
    const config = { metric: 'cpu', target: 0.5, missingData: { failureThreshold: 2, fallback: 'currentOrHigher', size: 2 } };
    proposals(config, [[0, 'group.size', 6]], '15000ms h 14999ms f', { h: 'hold:6', f: 'hold:6' }, 60_000);
  });

  it('a metric that goes stale stops counting: partial data never scales down', () => {
    // queue stops at 0 s (stale after 60 s); cpu keeps reporting low: no scale-down while queue is missing
    const script: Script = [[0, 'group.size', 4], [0, 'queue', 400], [70_000, 'cpu', 0.1], [80_000, 'cpu', 0.1], [90_000, 'cpu', 2]];
    const config = { metrics: [{ sensor: 'cpu', target: 0.5 }, { sensor: 'queue', target: 100, basis: 'total' }], scaleDown: { stabilization: 0 } };
    // at 0 s the queue asks for 4 = current (nothing); at 90 s cpu asks for more: scale-up is allowed
    // (to 8: the default rate limit allows +100 % or +4 per 15 s)
    proposals(config, script, '90000ms a', { a: 'scale:8' }, 100_000);
  });

  it('scales from zero on a total metric above its activation threshold, and back to zero', () => {
    const script: Script = [[0, 'group.size', 0], [1000, 'queue', 3], [2000, 'queue', 250], [3000, 'group.size', 3], [4000, 'queue', 0]];
    const config = { min: 0, metrics: [{ sensor: 'queue', target: 100, basis: 'total', activation: 5 }], scaleDown: { stabilization: 0 } };
    proposals(config, script, '2000ms a 1999ms b', { a: 'scale:3', b: 'scale:0' }, 10_000);
  });

  it('refuses to scale to zero on per-member metrics only', () => {
    expect(() => autoscaler.config.parse({ min: 0, max: 3, metric: 'cpu', target: 0.5 })).toThrow(/scaling to zero needs a total metric/);
  });
});
