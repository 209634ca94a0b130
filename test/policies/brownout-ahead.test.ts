import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { aheadLimit, aheadUpdate, dimmerAheadSchema, readAheadState } from '../../src/planners/dimmer-ahead.js';
import { brownout } from '../../src/policies/brownout.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** Busy seconds per request at dimmer 1 in these tests: one member carries 0.9 / 0.036 = 25 requests/s. */
const WORK = 0.036;

/** A group with a dimmer and an arrival-rate sensor, driven one 60 s monitoring period at a time. */
function setup(config: Record<string, unknown>, size: number) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [...['response.time', 'utilization', 'servers.booting', 'arrival.rate'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), numberSensor('group.size'), numberSensor('dimmer')],
    effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: ({ value }, { entity }) => void entity.sensor('dimmer').publish(value) })],
  });
  web.sensor('group.size').publish(size);
  web.sensor('dimmer').publish(1);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, brownout, { utilizationSensor: 'utilization', bootingSensor: 'servers.booting', maxSize: 3, high: { responseTime: 0.4, utilization: 0.85 }, low: { responseTime: 0.2, utilization: 0.6 }, overload: { responseTime: 0.75, step: 0.5, release: 'restore' }, ...config });
  engine.start();
  /** One period's readings (demand first, response time last, as the simulated cluster publishes them); the dimmer after it. */
  const period = async (rate: number, serving: number, booting: number, rt = 0.1): Promise<number> => {
    const dimmer = web.sensor<number>('dimmer').value as number;
    web.sensor('arrival.rate').publish(rate);
    web.sensor('utilization').publish(Math.min(1, (rate * WORK * dimmer) / serving));
    web.sensor('servers.booting').publish(booting);
    web.sensor('response.time').publish(rt);
    await clock.advanceBy(60_000);
    return web.sensor<number>('dimmer').value as number;
  };
  const reasons = async (): Promise<string[]> => (await knowledge.queryDecisions({})).reverse().map((d) => d.reason);
  return { engine, period, reasons };
}

describe('brownout ahead: lowering the dimmer before a period the serving members cannot carry', () => {
  it('lowers ahead on a rise while a member boots, before any slow period, and says why', async () => {
    // alpha and beta 1: the forecast is the last reading plus the last change
    const { engine, period, reasons } = setup({ ahead: { sensor: 'arrival.rate', alpha: 1, beta: 1 } }, 2);
    // one member serves, one boots; the demand rises 4 requests/s a minute: 16, 20, 24 fit one member (25)
    expect(await period(16, 1, 1)).toBe(1);
    expect(await period(20, 1, 1)).toBe(1);
    // 24 now, 28 forecast next: at dimmer 1 the member would be past 0.9 busy, fast as it answers now
    expect(await period(24, 1, 1)).toBe(0.75);
    expect(await reasons()).toEqual([
      'arrival.rate forecast 28 +/- 0 next period, 1 serving member(s) carry 25 each at dimmer 1 (learned): room for dimmer 0.893 only, and the group cannot add capacity before then (1 member(s) booting): lower ahead: lower the dimmer 1 -> 0.75',
    ]);
    await engine.stop();
  });

  it('leaves a group that can add a member in time to the autoscaler', async () => {
    const { engine, period } = setup({ ahead: { sensor: 'arrival.rate', bootDelay: '30s' } }, 1);
    for (const rate of [16, 19, 22, 25]) expect(await period(rate, 1, 0)).toBe(1);
    await engine.stop();
  });

  it('acts at the maximum size whatever the boot delay, and holds raises at the cap while the forecast needs it', async () => {
    const ahead = { sensor: 'arrival.rate', capacity: 25, bootDelay: '30s', alpha: 1, beta: 1 };
    const { engine, period, reasons } = setup({ low: { responseTime: 0.2, utilization: 0.75 }, ahead }, 3);
    expect(await period(50, 3, 0)).toBe(1);
    expect(await period(62, 3, 0)).toBe(1);
    // 74 now, 86 forecast: 3 x 25 = 75 carried at dimmer 1 only
    expect(await period(74, 3, 0)).toBe(0.75);
    expect((await reasons())[0]).toBe('arrival.rate forecast 86 +/- 0 next period, 3 serving member(s) carry 25 each at dimmer 1 (configured): room for dimmer 0.872 only, and the group cannot add capacity before then (at its maximum): lower ahead: lower the dimmer 1 -> 0.75');
    // fast and not busy at 0.75 (utilization 0.72 < 0.75), but the forecast (86) leaves room for 0.872: no whole step fits
    expect(await period(80, 3, 0, 0.05)).toBe(0.75);
    expect(await reasons()).toHaveLength(1);
    // the demand falls back: room again, the raise rule gives the optional content back
    expect(await period(40, 3, 0, 0.05)).toBe(1);
    await engine.stop();
  });

  it('refuses ahead without a capacity or a utilization sensor to learn it from, naming the field', () => {
    const base = { maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 } };
    const issues = brownout.config.safeParse({ ...base, ahead: { sensor: 'arrival.rate' } }).error?.issues;
    expect(issues?.map((i) => [i.path.join('.'), i.message])).toEqual([['ahead.capacity', 'ahead without capacity learns it from the utilization: set utilizationSensor, or ahead.capacity']]);
    const bad = brownout.config.safeParse({ ...base, utilizationSensor: 'u', ahead: { sensor: '', utilization: 1.5, margin: -1, bootDelay: 'soon' } }).error?.issues.map((i) => i.path.join('.'));
    expect(bad).toEqual(expect.arrayContaining(['ahead.sensor', 'ahead.utilization', 'ahead.margin', 'ahead.bootDelay']));
  });
});

describe('dimmer-ahead planner', () => {
  const config = dimmerAheadSchema.parse({ sensor: 'arrival.rate', capacity: 20 });
  const at = (minute: number) => ({ at: minute * 60_000, dimmer: 1, serving: 2, booting: 0, atMaximum: false });

  it('has no cap before the forecast has two readings, then caps at the dimmer the forecast leaves room for', () => {
    let state = aheadUpdate({}, { demand: 30, ...at(0) }, config);
    expect(aheadLimit(state, { demand: 30, ...at(0) }, config)).toEqual({ why: 'no forecast yet' });
    state = aheadUpdate(state, { demand: 40, ...at(1) }, config);
    state = aheadUpdate(state, { demand: 50, ...at(2) }, config);
    // level 45, trend 7.5: 52.5 next period against 2 x 20 = 40 at dimmer 1
    const limit = aheadLimit(state, { demand: 50, ...at(2) }, config);
    expect(limit.cap).toBeCloseTo(40 / 52.5, 6);
    expect(limit.why).toContain('(a member added now boots past the next period)');
  });

  it('learns the per-request work from utilization readings, and survives a round trip through policy state', () => {
    const learning = dimmerAheadSchema.parse({ sensor: 'arrival.rate' });
    let state = aheadUpdate({}, { demand: 20, utilization: 0.4, ...at(0), dimmer: 0.5 }, learning);
    expect(state.work).toBeCloseTo(0.08, 9); // 0.4 x 2 members / (20 requests/s x dimmer 0.5)
    state = aheadUpdate(state, { demand: 20, utilization: 0.8, ...at(1) }, learning);
    expect(state.work).toBeCloseTo(0.3 * 0.08 + 0.7 * 0.08, 9);
    expect(readAheadState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(readAheadState({ work: -1, holt: 'x' })).toEqual({});
  });
});
