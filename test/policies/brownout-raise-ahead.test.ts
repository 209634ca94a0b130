import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import type { Json } from '../../src/knowledge/store.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { dimmerRaiseAheadSchema, raiseAheadRoom, raiseAheadUpdate } from '../../src/planners/dimmer-raise-ahead.js';
import { brownout, brownoutConfig } from '../../src/policies/brownout.js';
import { raiseWithin } from '../../src/policies/dimmer-steps.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * Busy seconds per request with optional content in these tests (plus 0.001 s without): at dimmer 1 one member
 * carries 0.8 / 0.041 = 19.5 requests/s within utilization 0.8.
 */
const WORK = 0.04;
/** alpha and beta 1: the forecast is the last reading plus the last change. */
const RAISE_AHEAD = { sensor: 'arrival.rate', servingSensor: 'servers.active', alpha: 1, beta: 1 };

/**
 * A group of at most 3 members with a dimmer and demand readings, driven one 60 s monitoring period at a time;
 * `saved`: the raiseAhead policy state a restarted service reads back.
 */
function setup(config: Record<string, unknown>, saved?: Json) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [...['response.time', 'utilization', 'servers.booting', 'servers.active', 'arrival.rate'].map((n) => numberSensor(n, { staleAfterMs: 150_000 })), numberSensor('group.size'), numberSensor('dimmer')],
    effectors: [defineEffector({ name: 'setDimmer', params: z.object({ value: z.number() }), run: ({ value }, { entity }) => void entity.sensor('dimmer').publish(value) })],
  });
  web.sensor('dimmer').publish(1);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  if (saved !== undefined) knowledge.policyState('web/brownout').set('raiseAhead', saved);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, brownout, { utilizationSensor: 'utilization', bootingSensor: 'servers.booting', maxSize: 3, high: { responseTime: 0.4, utilization: 0.85 }, low: { responseTime: 0.2, utilization: 0.6 }, raiseBy: 'headroom', ...config });
  engine.start();
  /**
   * One period's readings as the simulated cluster publishes them (the shape first, the response time last):
   * `rate` requests/s served by `servedBy` members at the dimmer in force (utilization from WORK), `serving` and
   * `booting` members after it. Returns the dimmer after the period.
   */
  const period = async (p: { rate: number; rt: number; serving: number; booting?: number; servedBy?: number }): Promise<number> => {
    const dimmer = web.sensor<number>('dimmer').value as number;
    const booting = p.booting ?? 0;
    web.sensor('group.size').publish(p.serving + booting);
    web.sensor('servers.active').publish(p.serving);
    web.sensor('servers.booting').publish(booting);
    web.sensor('arrival.rate').publish(p.rate);
    web.sensor('utilization').publish(Math.min(1, (p.rate * (0.001 + WORK * dimmer)) / (p.servedBy ?? p.serving)));
    web.sensor('response.time').publish(p.rt);
    await clock.advanceBy(60_000);
    return web.sensor<number>('dimmer').value as number;
  };
  const reasons = async (): Promise<string[]> => (await knowledge.queryDecisions({})).reverse().map((d) => d.reason);
  return { engine, period, reasons, web, clock };
}

/** A rise on one member that overloads it (the overload step takes the dimmer to 0), then a fast period at 20 requests/s. */
async function dipAndRecover(config: Record<string, unknown>, release: 'raise' | 'restore' = 'raise'): Promise<{ dimmer: number; reasons: string[] }> {
  const { engine, period, reasons } = setup({ overload: { responseTime: 0.75, step: 1, release }, ...config });
  for (const rate of [10, 12, 14, 16]) expect(await period({ rate, rt: 0.1, serving: 1 })).toBe(1);
  expect(await period({ rate: 18, rt: 5, serving: 1 })).toBe(0);
  const dimmer = await period({ rate: 20, rt: 0.01, serving: 1 });
  const all = await reasons();
  await engine.stop();
  return { dimmer, reasons: all };
}

describe('brownout raiseAhead: raises sized on the forecast demand and the members serving now', () => {
  it('after a dip to dimmer 0 raises as far as the forecast leaves room for, where the reactive raise takes one step', async () => {
    // served at dimmer 0 the period shows nothing of the optional content's cost: one step without the forecast
    expect((await dipAndRecover({})).dimmer).toBe(0.25);
    // 20 now, 22 forecast (the rise goes on); one member carries 19.5 at dimmer 1 within 0.8: room for 0.887
    const ahead = await dipAndRecover({ raiseAhead: RAISE_AHEAD });
    expect(ahead.dimmer).toBe(0.75);
    expect(ahead.reasons.at(-1)).toBe(
      'response time 0.01 s < 0.2 s and utilization 0.02 < 0.6: there is spare capacity (arrival.rate forecast 22 +/- 0 next period, 1 serving member(s) carry 19.512 each at dimmer 1 within utilization 0.8 (learned): room for dimmer 0.887): raise the dimmer 0 -> 0.75',
    );
  });

  it('gives back what overload steps took as far as the forecast leaves room for, with release: restore', async () => {
    expect((await dipAndRecover({}, 'restore')).dimmer).toBe(0.25);
    const ahead = await dipAndRecover({ raiseAhead: RAISE_AHEAD }, 'restore');
    expect(ahead.dimmer).toBe(0.75);
    expect(ahead.reasons.at(-1)).toMatch(/: the overload is over, give back what its steps took \(arrival\.rate forecast 22 \+\/- 0 next period, .*room for dimmer 0\.887\): raise the dimmer 0 -> 0\.75$/);
  });

  it('gives the optional content back as soon as a booted member serves, though the minute just ended was busy', async () => {
    const run = async (config: Record<string, unknown>): Promise<number[]> => {
      const { engine, period } = setup(config);
      const dimmers = [];
      for (const rate of [14, 16]) dimmers.push(await period({ rate, rt: 0.1, serving: 1 }));
      // hot (0.5 s) while a member boots: lowered a step to bridge the boot
      dimmers.push(await period({ rate: 21, rt: 0.5, serving: 1, booting: 1 }));
      // the member booted at the boundary: the minute just ended was served by one, busy at 0.68
      dimmers.push(await period({ rate: 22, rt: 0.15, serving: 2, servedBy: 1 }));
      await engine.stop();
      return dimmers;
    };
    // the reactive raise reads the minute just ended: utilization 0.68 is above low (0.6), no raise
    expect(await run({})).toEqual([1, 1, 0.75, 0.75]);
    // the forecast (23 next) over the two members serving now (19.5 each) leaves room for the whole dimmer
    expect(await run({ raiseAhead: RAISE_AHEAD })).toEqual([1, 1, 0.75, 1]);
  });

  it('never lowers the dimmer, however far the forecast outgrows the members', async () => {
    const { engine, period, reasons } = setup({ raiseAhead: RAISE_AHEAD });
    for (const rate of [10, 16, 22, 28]) expect(await period({ rate, rt: 0.1, serving: 1 })).toBe(1);
    expect(await reasons()).toEqual([]);
    await engine.stop();
  });

  it('learns the cost of a request only from periods served by as many members as serve now', () => {
    const config = dimmerRaiseAheadSchema.parse({ sensor: 'arrival.rate', servingSensor: 'servers.active' });
    let state = raiseAheadUpdate({}, { demand: 10, at: 0, dimmer: 1, serving: 1, utilization: 0.4 }, config);
    expect(state.work).toBeUndefined(); // no period before it to compare the members with
    state = raiseAheadUpdate(state, { demand: 10, at: 60_000, dimmer: 1, serving: 1, utilization: 0.4 }, config);
    expect(state.work).toBeCloseTo(0.04, 9);
    // a member joined at the boundary: the utilization was one member's, spread over two it would halve the cost
    state = raiseAheadUpdate(state, { demand: 10, at: 120_000, dimmer: 1, serving: 2, utilization: 0.4 }, config);
    expect(state.work).toBeCloseTo(0.04, 9);
    expect(raiseAheadRoom(state, 2, config).room).toBe(1);
    // configured: 10 requests/s at full utilization, 8 within 0.8, against a flat forecast of 10
    expect(raiseAheadRoom(state, 1, { ...config, capacity: 10 }).room).toBeCloseTo(0.8, 9);
    // the same reading again, or one older than the last folded in, teaches nothing
    expect(raiseAheadUpdate(state, { demand: 1, at: 120_000, dimmer: 1, serving: 2, utilization: 0.4 }, config)).toBe(state);
    expect(raiseAheadUpdate(state, { demand: 1, at: 90_000, dimmer: 1, serving: 2, utilization: 0.4 }, config)).toBe(state);
  });

  it('learns nothing from a demand so small that the cost of a request would overflow', () => {
    const config = dimmerRaiseAheadSchema.parse({ sensor: 'arrival.rate', servingSensor: 'servers.active' });
    let state = raiseAheadUpdate({}, { demand: 10, at: 0, dimmer: 1, serving: 1, utilization: 0.4 }, config);
    state = raiseAheadUpdate(state, { demand: 10, at: 60_000, dimmer: 1, serving: 1, utilization: 0.4 }, config);
    // 0.4 / 1e-310 is Infinity: before, it stayed the learned cost for good (no room ever again)
    state = raiseAheadUpdate(state, { demand: 1e-310, at: 120_000, dimmer: 1, serving: 1, utilization: 0.4 }, config);
    expect(state.work).toBeCloseTo(0.04, 9);
    state = raiseAheadUpdate(state, { demand: 10, at: 180_000, dimmer: 1, serving: 1, utilization: 0.4 }, config);
    expect(state.work).toBeCloseTo(0.04, 9);
  });

  it('sizes on the forecast, not on the last reading: the same reading after a rise leaves less room', () => {
    const config = dimmerRaiseAheadSchema.parse({ sensor: 'arrival.rate', servingSensor: 'servers.active', alpha: 1, beta: 1, capacity: 20 });
    const after = (readings: number[]) => readings.reduce((state, demand, i) => raiseAheadUpdate(state, { demand, at: i * 60_000, dimmer: 1, serving: 1 }, config), {});
    // one member carries 16 within 0.8; 16 now, flat: room for 1; 16 now after 12: 20 forecast, room for 0.8
    expect(raiseAheadRoom(after([16, 16]), 1, config).room).toBe(1);
    expect(raiseAheadRoom(after([12, 16]), 1, config).room).toBeCloseTo(0.8, 9);
    expect(raiseAheadRoom(after([12, 16]), 1, config).why).toBe('arrival.rate forecast 20 +/- 4 next period, 1 serving member(s) carry 16 each at dimmer 1 within utilization 0.8 (configured): room for dimmer 0.8');
    expect(raiseAheadRoom(after([12]), 1, config)).toEqual({ why: 'no forecast yet' });
  });

  it('raises in whole raise steps within the room, never past 1 and never down', () => {
    expect(raiseWithin(0, 0.887, { step: 0.25 })).toBe(0.75);
    expect(raiseWithin(0.5, 0.74, { step: 0.25 })).toBe(0.5);
    expect(raiseWithin(0.5, 0.75, { step: 0.25 })).toBe(0.75);
    expect(raiseWithin(0.1, 5, { step: 0.25, raiseStep: 0.5 })).toBe(1);
    expect(raiseWithin(0.75, 0.3, { step: 0.25 })).toBe(0.75);
  });

  it('refuses a raiseAhead that has neither a capacity nor a utilization sensor to learn it from, saying where', () => {
    const result = brownoutConfig.safeParse({ maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 }, raiseAhead: { sensor: 'arrival.rate', servingSensor: 'servers.active' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['raiseAhead.capacity', 'raiseAhead without capacity learns it from the utilization: set utilizationSensor, or raiseAhead.capacity'],
    ]);
    expect(brownoutConfig.safeParse({ maxSize: 3, high: { responseTime: 0.4 }, low: { responseTime: 0.2 }, raiseAhead: { sensor: 'arrival.rate', servingSensor: 'servers.active', capacity: 20 } }).success).toBe(true);
    expect(dimmerRaiseAheadSchema.safeParse({ sensor: 'arrival.rate', servingSensor: 'servers.active', utilization: 1.5 }).success).toBe(false);
  });

  it('refuses a raiseAhead.utilization above high.utilization, which the lowering rule would take back the next period', async () => {
    // raised to where the forecast puts the utilization at 0.95, the next period is hot (0.85) and lowers again
    const base = { maxSize: 3, utilizationSensor: 'utilization', high: { responseTime: 0.4, utilization: 0.85 }, low: { responseTime: 0.2, utilization: 0.6 } };
    const result = brownoutConfig.safeParse({ ...base, raiseAhead: { ...RAISE_AHEAD, utilization: 0.95 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['raiseAhead.utilization', 'raiseAhead.utilization (0.95) must be at most high.utilization (0.85): a raise past it is lowered again the next period'],
    ]);
    expect(brownoutConfig.safeParse({ ...base, raiseAhead: { ...RAISE_AHEAD, utilization: 0.85 } }).success).toBe(true);
    // the default (0.8) against a high.utilization below it is refused too, naming the option to set
    expect(brownoutConfig.safeParse({ ...base, high: { responseTime: 0.4, utilization: 0.75 }, raiseAhead: RAISE_AHEAD }).error?.issues.map((i) => i.path.join('.'))).toEqual(['raiseAhead.utilization']);
  });

  it('learns nothing from a demand reading older than one already folded in (a late delivery), however many response times follow', async () => {
    const { engine, period, reasons, web, clock } = setup({ raiseAhead: RAISE_AHEAD });
    // learned at dimmer 1: 0.041 busy seconds a request, 19.512 requests/s a member within 0.8
    for (const rate of [10, 12, 14, 16]) expect(await period({ rate, rt: 0.1, serving: 1 })).toBe(1);
    web.sensor('dimmer').publish(0.5); // set by a person
    // this minute's shape, but the demand reading that arrives is one from 90 s ago (before the last one folded in)
    web.sensor('group.size').publish(1);
    web.sensor('servers.active').publish(1);
    web.sensor('servers.booting').publish(0);
    web.sensor('arrival.rate').publishAt(2, clock.now() - 90_000);
    web.sensor('utilization').publish(18 * (0.001 + WORK * 0.5));
    for (let i = 0; i < 3; i++) {
      web.sensor('response.time').publish(0.1);
      await clock.advanceBy(10_000);
    }
    const all = await reasons();
    await engine.stop();
    // paired with this minute's utilization it would make a request cost 0.37 s: a member would carry 5 requests/s
    expect(all.length).toBeGreaterThan(0);
    for (const reason of all) expect(reason).toContain('1 serving member(s) carry 19.512 each');
  });

  it('after a restart, reads back no forecast with a negative error (it would shrink the margin and widen the room)', async () => {
    const holt = { level: 30, trend: 0, error: 10, n: 5, at: -60_000, stepMs: 60_000 };
    // 30 requests/s at dimmer 0.5 on one member carrying 19.4 within 0.8: room for 0.65 less a one-error margin
    const run = async (saved: Record<string, number>): Promise<{ dimmer: number; reasons: string[] }> => {
      const { engine, period, reasons, web } = setup({ raiseAhead: { ...RAISE_AHEAD, alpha: 0.5, beta: 0.5, margin: 1 } }, { holt: saved, work: 0.041, serving: 1 });
      web.sensor('dimmer').publish(0.5);
      const dimmer = await period({ rate: 30, rt: 0.1, serving: 1 });
      const all = await reasons();
      await engine.stop();
      return { dimmer, reasons: all };
    };
    expect(await run(holt)).toEqual({ dimmer: 0.5, reasons: [] });
    // error -30 read back: the forecast 30 less 15 "errors" would leave room for the whole dimmer
    expect(await run({ ...holt, error: -30 })).toEqual({ dimmer: 0.5, reasons: [] });
  });

  it('starts the forecast over when it was fitted past now (the state of another clock), keeping the learned cost', async () => {
    const run = async (saved?: Json): Promise<number> => {
      const { engine, period } = setup({ overload: { responseTime: 0.75, step: 1, release: 'raise' }, raiseAhead: RAISE_AHEAD }, saved);
      for (const rate of [10, 12, 14, 16]) await period({ rate, rt: 0.1, serving: 1 });
      await period({ rate: 18, rt: 5, serving: 1 });
      const dimmer = await period({ rate: 20, rt: 0.01, serving: 1 });
      await engine.stop();
      return dimmer;
    };
    expect(await run()).toBe(0.75);
    // a forecast of 1,000 requests/s fitted up to an hour from now would leave no room (one step, 0.25), and
    // never take a reading again
    expect(await run({ holt: { level: 1_000, trend: 0, error: 0, n: 5, at: 3_600_000, stepMs: 60_000 }, serving: 1 })).toBe(0.75);
  });

  it('learns nothing from a saturated period: the demand it could not serve would make a request look cheaper', () => {
    const config = dimmerRaiseAheadSchema.parse({ sensor: 'arrival.rate', servingSensor: 'servers.active' });
    // 30 requests/s on one member that serves 24 at most (0.041 s each): busy 0.99 to 0.999 of the minute, a queue growing
    let state = raiseAheadUpdate({}, { demand: 30, at: 0, dimmer: 1, serving: 1, utilization: 0.99 }, config);
    for (const [i, utilization] of [0.995, 0.999, 0.97].entries()) state = raiseAheadUpdate(state, { demand: 30, at: (i + 1) * 60_000, dimmer: 1, serving: 1, utilization }, config);
    expect(state.work).toBeUndefined();
    // below it, learned as before
    state = raiseAheadUpdate(state, { demand: 20, at: 240_000, dimmer: 1, serving: 1, utilization: 0.82 }, config);
    expect(state.work).toBeCloseTo(0.041, 9);
  });
});
