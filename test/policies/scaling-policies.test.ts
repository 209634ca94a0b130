import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { brownout } from '../../src/policies/brownout.js';
import type { AnyPolicyDefinition } from '../../src/policies/define-policy.js';
import { scheduledScaler } from '../../src/policies/scheduled-scaler.js';
import { stepScaler, stepTarget } from '../../src/policies/step-scaler.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { InsufficientCapacityError } from '../../src/sim/swim/web-cluster-model.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A group with metric sensors, `group.size`, a `resize` effector (at most `capacity`) and a `setDimmer` effector. */
async function group(policy: AnyPolicyDefinition, config: Record<string, unknown>, options: { size?: number; capacity?: number; startAt?: number } = {}) {
  const clock = new VirtualClock(options.startAt ?? 0);
  const tree = new EntityTree(clock);
  const resizes: number[] = [];
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [...['rps', 'cpu', 'response.time', 'utilization', 'servers.booting'].map((n) => numberSensor(n, { staleAfterMs: 120_000 })), numberSensor('group.size'), numberSensor('dimmer')],
    effectors: [
      defineEffector({
        name: 'resize', params: z.object({ size: z.number().int() }),
        run: ({ size }, { entity }) => {
          if (size > (options.capacity ?? Infinity)) throw new InsufficientCapacityError(size, options.capacity ?? 0);
          resizes.push(size);
          entity.sensor('group.size').publish(size);
        },
      }),
      defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: ({ value }, { entity }) => void entity.sensor('dimmer').publish(value) }),
    ],
  });
  web.sensor('group.size').publish(options.size ?? 2);
  web.sensor('dimmer').publish(1);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, policy, config);
  engine.start();
  const size = () => web.sensor<number>('group.size').value;
  return { clock, web, knowledge, engine, resizes, size };
}

describe('autoscaler in the loop', () => {
  it('does not scale down when its metric goes missing at peak (a Prometheus outage)', async () => {
    const { clock, web, knowledge, resizes, size } = await group(autoscaler, { metric: 'rps', target: 10, basis: 'total', max: 20, scaleDown: { stabilization: 0 }, scaleUp: { policies: [] } }, { size: 2 });
    web.sensor('rps').publish(80); // peak: 8 members
    await clock.advanceBy(15_000);
    expect(size()).toBe(8);
    // the metrics backend goes away: no more readings for 30 minutes
    await clock.advanceBy(30 * 60_000);
    expect(size()).toBe(8);
    expect(resizes).toEqual([8]);
    const reasons = (await knowledge.queryDecisions({})).reverse().map((d) => d.reason);
    expect(reasons.slice(1)).toEqual([
      'rps is missing or stale: holding at 8 (never scale down on data the loop does not have)',
      "rps is missing or stale for 3 evaluations: fallback 'hold' -> 8",
    ]);
    // readings come back: normal scaling resumes
    web.sensor('rps').publish(20);
    await clock.settle();
    expect(size()).toBe(2);
  });

  it('treats a NaN or string reading as missing, never as zero', async () => {
    const { clock, web, size } = await group(autoscaler, { metric: 'rps', target: 10, basis: 'total', max: 20, scaleDown: { stabilization: 0 } }, { size: 6 });
    web.sensor('rps').publish(60);
    await clock.advanceBy(20_000);
    for (const bad of [Number.NaN, 'n/a', null]) web.sensor('rps').publish(bad);
    await clock.advanceBy(10 * 60_000);
    expect(size()).toBe(6);
    expect(web.sensor('rps').rejectedCount).toBe(3);
  });

  it('keeps separate cooldowns up and down, recorded as skipped_cooldown', async () => {
    const config = { metric: 'rps', target: 10, basis: 'total', max: 20, scaleDown: { stabilization: 0, cooldown: '5m' }, scaleUp: { cooldown: 0, policies: [] } };
    const { clock, web, knowledge, size } = await group(autoscaler, config, { size: 6 });
    web.sensor('rps').publish(30); // down to 3
    await clock.advanceBy(10_000);
    web.sensor('rps').publish(20); // down again within 5 min: skipped
    await clock.advanceBy(10_000);
    web.sensor('rps').publish(90); // up: its own cooldown is 0
    await clock.settle();
    expect(size()).toBe(9);
    expect((await knowledge.queryDecisions({})).reverse().map((d) => d.outcome)).toEqual(['applied', 'skipped_cooldown', 'applied']);
  });

  it('remembers an insufficient-capacity failure and stops asking for more until the size changes', async () => {
    const { clock, web, knowledge, size } = await group(autoscaler, { metric: 'rps', target: 10, basis: 'total', max: 20, scaleUp: { policies: [] } }, { size: 4, capacity: 5 });
    web.sensor('rps').publish(100); // asks for 10: fails, capacity is 5
    await clock.advanceBy(20_000);
    web.sensor('rps').publish(100);
    await clock.advanceBy(20_000);
    web.sensor('rps').publish(100);
    await clock.settle();
    const decisions = (await knowledge.queryDecisions({})).reverse();
    expect(decisions[0]).toMatchObject({ outcome: 'failed', error: { code: 'E_INSUFFICIENT_CAPACITY' } });
    expect(decisions).toHaveLength(1); // no more asks at the limit
    expect(size()).toBe(4);
  });
});

describe('brownout', () => {
  const config = { utilizationSensor: 'utilization', bootingSensor: 'servers.booting', maxSize: 3, high: { responseTime: 0.5 }, low: { responseTime: 0.2 } };

  it('lowers the dimmer only when overloaded and the group cannot grow, and raises it with spare capacity', async () => {
    const { clock, web, knowledge } = await group(brownout, config, { size: 2 });
    const period = async (rt: number, utilization: number, booting = 0) => {
      web.sensor('utilization').publish(utilization);
      web.sensor('servers.booting').publish(booting);
      web.sensor('response.time').publish(rt);
      await clock.advanceBy(60_000);
    };
    await period(0.9, 0.95); // overloaded, but the group can still grow (2 < 3, nothing booting): leave it to the autoscaler
    expect(web.sensor('dimmer').value).toBe(1);
    await period(0.9, 0.95, 1); // a member is booting: lower
    expect(web.sensor('dimmer').value).toBe(0.75);
    web.sensor('group.size').publish(3);
    await period(0.6, 0.8); // at the maximum and slow: lower again
    expect(web.sensor('dimmer').value).toBe(0.5);
    await period(0.3, 0.5); // between the bounds: hold
    expect(web.sensor('dimmer').value).toBe(0.5);
    await period(0.1, 0.5); // spare: raise
    expect(web.sensor('dimmer').value).toBe(0.75);
    const reasons = (await knowledge.queryDecisions({})).reverse().map((d) => d.reason);
    expect(reasons[0]).toBe('response time 0.9 s > 0.5 s and the group cannot grow now (1 member(s) booting): lower the dimmer 1 -> 0.75');
    expect(reasons[2]).toBe('response time 0.1 s < 0.2 s and utilization 0.5 < 0.7: there is spare capacity: raise the dimmer 0.5 -> 0.75');
  });

  it('does not lower the dimmer on utilization alone while the response time is comfortably low', async () => {
    const { clock, web, knowledge } = await group(brownout, config, { size: 3 });
    const period = async (rt: number, utilization: number) => {
      web.sensor('utilization').publish(utilization);
      web.sensor('servers.booting').publish(0);
      web.sensor('response.time').publish(rt);
      await clock.advanceBy(60_000);
    };
    await period(0.06, 0.95); // busy but fast: optional content costs nothing yet
    expect(web.sensor('dimmer').value).toBe(1);
    await period(0.3, 0.95); // busy and slowing down: lower
    expect(web.sensor('dimmer').value).toBe(0.75);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
    expect(reasons).toEqual(['utilization 0.95 > 0.9 with response time 0.3 s >= 0.2 s and the group cannot grow now (at its maximum of 3): lower the dimmer 1 -> 0.75']);
  });
});

describe('step scaler', () => {
  it('computes step targets: change, percent with a minimum magnitude, exact', () => {
    expect(stepTarget(4, { adjustment: 'change', value: 2, minMagnitude: 1 })).toBe(6);
    expect(stepTarget(4, { adjustment: 'percent', value: 10, minMagnitude: 2 })).toBe(6);
    expect(stepTarget(40, { adjustment: 'percent', value: -25, minMagnitude: 1 })).toBe(30);
    expect(stepTarget(4, { adjustment: 'exact', value: 9, minMagnitude: 1 })).toBe(9);
  });

  it('picks the step by distance from the threshold', async () => {
    const steps = [{ to: -20, adjustment: 'change', value: -1 }, { from: 0, to: 20, adjustment: 'change', value: 1 }, { from: 20, adjustment: 'percent', value: 100, minMagnitude: 2 }];
    const { clock, web, size } = await group(stepScaler, { metric: 'cpu', threshold: 60, steps, max: 20 }, { size: 4 });
    web.sensor('cpu').publish(70); // +10: +1
    await clock.settle();
    expect(size()).toBe(5);
    web.sensor('cpu').publish(95); // +35: +100 %
    await clock.settle();
    expect(size()).toBe(10);
    web.sensor('cpu').publish(50); // -10: no step
    await clock.settle();
    expect(size()).toBe(10);
    web.sensor('cpu').publish(30); // -30: -1
    await clock.settle();
    expect(size()).toBe(9);
  });

  it('refuses overlapping steps', () => {
    expect(() => stepScaler.config.parse({ metric: 'cpu', threshold: 1, max: 3, steps: [{ from: 0, to: 10, adjustment: 'change', value: 1 }, { from: 5, adjustment: 'change', value: 2 }] })).toThrow(/overlaps/);
  });
});

describe('scheduled capacity', () => {
  const monday8 = Date.UTC(2026, 10, 23, 8, 0, 0); // a Monday, 08:00 UTC

  it('opens and closes a window on its cron schedule, in virtual time', async () => {
    const windows = [{ cron: '0 8 * * 1-5', duration: '10h', size: 6, mode: 'floor' }];
    const { clock, size } = await group(scheduledScaler, { windows, baseline: 2 }, { size: 2, startAt: monday8 - 3_600_000 });
    await clock.advanceBy(59 * 60_000);
    expect(size()).toBe(2);
    await clock.advanceBy(2 * 60_000);
    expect(size()).toBe(6);
    await clock.advanceBy(10 * 3_600_000);
    expect(size()).toBe(2);
  });

  it('is a floor under the autoscaler during the window', async () => {
    const schedule = [{ cron: '0 8 * * 1-5', duration: '10h', size: 5, mode: 'floor' }];
    const { clock, web, size } = await group(autoscaler, { metric: 'rps', target: 10, basis: 'total', max: 20, scaleDown: { stabilization: 0 }, scaleUp: { policies: [] }, schedule }, { size: 2, startAt: monday8 + 60_000 });
    web.sensor('rps').publish(10); // asks for 1, the window says at least 5
    await clock.settle();
    expect(size()).toBe(5);
    web.sensor('rps').publish(80); // asks for 8: above the floor
    await clock.settle();
    expect(size()).toBe(8);
  });

  it('refuses a bad cron expression', () => {
    expect(() => scheduledScaler.config.parse({ windows: [{ cron: 'every morning', duration: '1h', size: 2 }] })).toThrow(/not a valid cron expression/);
  });
});
