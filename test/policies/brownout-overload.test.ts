import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { brownout, raiseTo, restoreTo } from '../../src/policies/brownout.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A group of `size` members (at most 3) with a dimmer, driven one 60 s monitoring period at a time. */
function setup(config: Record<string, unknown>, size = 1) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [...['response.time', 'utilization', 'servers.booting'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), numberSensor('group.size'), numberSensor('dimmer')],
    effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: ({ value }, { entity }) => void entity.sensor('dimmer').publish(value) })],
  });
  web.sensor('group.size').publish(size);
  web.sensor('dimmer').publish(1);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, brownout, { utilizationSensor: 'utilization', bootingSensor: 'servers.booting', maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2, utilization: 0.6 }, ...config });
  engine.start();
  /** One period's readings (response time last, as the simulated cluster publishes them); the dimmer after it. */
  const period = async (rt: number, utilization: number, booting = 0): Promise<number> => {
    web.sensor('utilization').publish(utilization);
    web.sensor('servers.booting').publish(booting);
    web.sensor('response.time').publish(rt);
    await clock.advanceBy(60_000);
    return web.sensor<number>('dimmer').value as number;
  };
  const reasons = async (): Promise<string[]> => (await knowledge.queryDecisions({})).reverse().map((d) => d.reason);
  return { engine, period, reasons, web };
}

describe('brownout: overload, drained queues and the raise step', () => {
  it('lowers by the overload step while the group can still grow once the response time is past the overload threshold', async () => {
    const { engine, period, reasons } = setup({ overload: { responseTime: 0.75, step: 0.5 } });
    // 1 of 3 members, nothing booting: the group can grow, and 0.6 s is hot but not an overload
    expect(await period(0.6, 1)).toBe(1);
    // 5 s: an overload; the member the autoscaler adds helps only once booted
    expect(await period(5, 1)).toBe(0.5);
    expect(await period(3, 1)).toBe(0);
    expect(await period(4, 1)).toBe(0); // at 0 nothing is left to lower
    expect((await reasons())[0]).toBe('response time 5 s > 0.75 s: overloaded, and members added now help only once booted: lower the dimmer 1 -> 0.5');
    await engine.stop();
  });

  it('without an overload setting leaves a group that can grow to the autoscaler, however slow', async () => {
    const { engine, period } = setup({});
    expect(await period(5, 1)).toBe(1);
    await engine.stop();
  });

  it('does not lower on a slow period whose members were idle part of it (its queue has drained)', async () => {
    const { engine, period, reasons } = setup({ overload: { responseTime: 0.75 } }, 3);
    // 3.5 s mean, but the members were busy 40 % of the period: the backlog was served early in it
    expect(await period(3.5, 0.4)).toBe(1);
    // the same response time with the members busy throughout: still queued, lower (at the maximum size)
    expect(await period(3.5, 0.95)).toBe(0.75);
    expect(await reasons()).toEqual(['response time 3.5 s > 0.4 s and the group cannot grow now (at its maximum of 3): lower the dimmer 1 -> 0.75']);
    await engine.stop();
  });

  it('raises by the raise step when there is spare capacity', async () => {
    const { engine, period } = setup({ overload: { responseTime: 0.75, step: 1 }, raiseStep: 1 }, 2);
    expect(await period(6, 1)).toBe(0);
    expect(await period(0.3, 0.7)).toBe(0); // neither hot nor spare: hold
    expect(await period(0.05, 0.3)).toBe(1); // spare: all the way back at once
    await engine.stop();
  });

  it('refuses an overload threshold below the high one and steps outside (0, 1], naming the field', () => {
    const base = { maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 } };
    expect(() => brownout.config.parse({ ...base, overload: { responseTime: 0.3 } })).toThrow(/overload\.responseTime must be at least high\.responseTime/);
    const issues = brownout.config.safeParse({ ...base, raiseStep: 0, overload: { responseTime: 1, step: 2 } }).error?.issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(expect.arrayContaining(['raiseStep', 'overload.step']));
    expect(brownout.config.parse({ ...base, overload: { responseTime: 0.75 } }).overload).toEqual({ responseTime: 0.75, release: 'raise' });
    expect(brownout.config.safeParse({ ...base, overload: { responseTime: 1, release: 'undo' } }).error?.issues.map((i) => i.path.join('.'))).toEqual(['overload.release']);
  });
});

describe('brownout: raising by the utilization headroom', () => {
  const config = { step: 0.25, raiseBy: 'headroom' as const, low: { responseTime: 0.2, utilization: 0.6 } };

  it('raises as many whole steps as keep utilization, grown with the dimmer, at or below low', () => {
    expect(raiseTo(0.5, 0.15, config)).toBe(1); // room up to 0.5 x 0.6 / 0.15 = 2: all the way
    expect(raiseTo(0.25, 0.29, config)).toBe(0.5); // room up to 0.52: one step
    expect(raiseTo(0.5, 0.4, config)).toBe(0.75); // room up to 0.75: exactly one step
    expect(raiseTo(0.25, 0.1, config)).toBe(1); // room up to 1.5
    expect(raiseTo(0.5, 0.59, config)).toBe(0.75); // no room, but a raise is at least one step
    expect(raiseTo(0, 0.3, config)).toBe(0.25); // no optional content to scale from: one step
    expect(raiseTo(0.5, 0, config)).toBe(1); // idle
    expect(raiseTo(0.5, 0.15, { ...config, raiseBy: 'step' })).toBe(0.75);
  });

  it('in the loop, gives a nearly idle group its optional content back at once', async () => {
    const { engine, period } = setup({ overload: { responseTime: 0.75, step: 1 }, raiseBy: 'headroom' }, 2);
    expect(await period(6, 1)).toBe(0);
    expect(await period(0.05, 0.3)).toBe(0.25); // from 0 one step
    expect(await period(0.05, 0.1)).toBe(1); // 0.25 x 0.6 / 0.1 = 1.5: all the way
    await engine.stop();
  });

  it("refuses raiseBy 'headroom' without a utilization sensor", () => {
    expect(() => brownout.config.parse({ maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 }, raiseBy: 'headroom' })).toThrow(/raiseBy 'headroom' needs utilizationSensor/);
  });
});

describe('brownout: releasing an overload by restoring the dimmer', () => {
  const config = { step: 0.25, high: { responseTime: 0.4, utilization: 0.85 } };

  it('restores the dimmer before the overload as far as the utilization, grown with the dimmer, stays at or below high', () => {
    expect(restoreTo(0.5, 1, 0.367, config)).toBe(1); // 0.367 x 2 = 0.73 <= 0.85: all the way
    expect(restoreTo(0.5, 1, 0.454, config)).toBe(0.75); // room up to 0.94: one step
    expect(restoreTo(0.5, 0.75, 0.3, config)).toBe(0.75); // never above the dimmer before the overload
    expect(restoreTo(0.5, 1, 0.8, config)).toBe(0.75); // no room, but a raise is at least one step
    expect(restoreTo(0, 1, 0.9, config)).toBe(0.25); // nothing optional to scale from: one step
    expect(restoreTo(0.5, 1, undefined, config)).toBe(1); // no utilization to weigh: all the way
  });

  it('in the loop, gives back what the overload steps took once the response time is below low', async () => {
    const { engine, period, reasons } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } });
    // a one-minute burst on 1 of 3 members: lowered while the added member boots
    expect(await period(0.9, 1)).toBe(0.5);
    expect(await period(0.3, 0.3, 1)).toBe(0.5); // 0.3 s: not an overload, but not low either: hold
    // 0.1 s and 0.4 x 2 = 0.8 <= 0.85: all of it back at once (the raise rule would give one step)
    expect(await period(0.1, 0.4, 1)).toBe(1);
    expect((await reasons()).at(-1)).toBe('response time 0.1 s < 0.2 s and utilization 0.4: the overload is over, give back what its steps took: raise the dimmer 0.5 -> 1');
    await engine.stop();
  });

  it('restores in steps while the utilization leaves no room, and stays put while the overload lasts', async () => {
    const { engine, period } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } });
    expect(await period(2, 1)).toBe(0.5);
    expect(await period(1.5, 1)).toBe(0); // still overloaded: lower again
    expect(await period(0.1, 0.5)).toBe(0.25); // nothing optional left to scale from: one step
    expect(await period(0.1, 0.3, 1)).toBe(0.75); // room up to 0.71: two steps
    expect(await period(0.1, 0.4, 1)).toBe(1); // room up to 1.59: the rest
    await engine.stop();
  });

  it("with the default release ('raise'), raises by the raise rule", async () => {
    const { engine, period } = setup({ overload: { responseTime: 0.75, step: 0.5 } });
    expect(await period(0.9, 1)).toBe(0.5);
    expect(await period(0.1, 0.4, 1)).toBe(0.75); // one step
    await engine.stop();
  });

  it('at the maximum size leaves the raise to the raise rule: there is no boot to bridge', async () => {
    const { engine, period, web } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } }, 2);
    expect(await period(0.9, 1)).toBe(0.5); // 2 of 3: the overload step
    web.sensor('group.size').publish(3);
    expect(await period(0.1, 0.4)).toBe(0.75); // at 3 of 3: one raise step, not the restore
    await engine.stop();
  });

  it('after the high rule lowered a group that is hot while it cannot grow, leaves the raise to the raise rule', async () => {
    const { engine, period } = setup({ overload: { responseTime: 0.75, step: 0.5, release: 'restore' } });
    expect(await period(0.9, 1)).toBe(0.5); // the overload step
    expect(await period(0.5, 0.95, 1)).toBe(0.25); // hot while the added member boots: the high rule's step
    expect(await period(0.3, 0.3)).toBe(0.25); // not an overload's to give back: 0.3 s is above low, hold
    expect(await period(0.1, 0.3)).toBe(0.5); // the raise rule's step
    await engine.stop();
  });
});
