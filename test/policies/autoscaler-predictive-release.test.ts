import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { forecastPeak, releasedSize } from '../../src/planners/forecast-release.js';
import { holtUpdate, type HoltState } from '../../src/planners/holt-forecast.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A group of `size` members under the autoscaler; `rates` are published one a minute (virtual time), and the size after each minute is returned with the decisions' reasons. */
async function replay(size: number, rates: readonly number[], predictive: Record<string, unknown>, scaleDown: Record<string, unknown> = {}): Promise<{ sizes: number[]; reasons: string[] }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size: next }, { entity }) => { entity.sensor('group.size').publish(next); } })],
  });
  web.sensor('group.size').publish(size);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  // the HPA's 5-minute scale-down window: on first sight the current size counts as a recommendation, so it holds `size` for 5 minutes
  engine.attach(web, autoscaler, { metric: 'rate', target: 10, basis: 'total', max: 10, evaluationInterval: '60s', scaleDown: { stabilization: '300s', ...scaleDown }, predictive: { sensor: 'rate', target: 10, horizon: '180s', margin: 0, confidence: 1, ...predictive } });
  engine.start();
  const sizes: number[] = [];
  for (const rate of rates) {
    web.sensor('rate').publish(rate);
    await clock.advanceBy(60_000);
    sizes.push(web.sensor<number>('group.size').value ?? Number.NaN);
  }
  const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason);
  return { sizes, reasons };
}

const FALLING = [44, 38, 32, 26, 20];
const RISING = [20, 26, 32, 38, 44];

describe('autoscaler: forecast-driven release of the scale-down window', () => {
  it('releases members the window holds once the forecast plus its error stays within fewer, and says the forecast, its error, the horizon and the size', async () => {
    const held = await replay(6, FALLING, {});
    const released = await replay(6, FALLING, { release: { margin: 1 } });
    // without the release the window holds 6 for its 5 minutes
    expect(held.sizes).toEqual([6, 6, 6, 6, 6]);
    expect(released.sizes.at(-1)).toBeLessThan(6);
    expect(released.reasons.join('\n')).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s peaks at [\d.]+ with 1 error\(s\), which (\d+) serve: released the scale-down window's hold at 6 down to \1/);
  });

  it('never releases below what the reactive rules ask on the latest reading', async () => {
    // the floor sizes its forecast at 40 per member, the reactive rules at 10: the forecast alone would allow 1
    const { sizes } = await replay(6, FALLING, { target: 40, release: { margin: 0 } });
    sizes.forEach((size, i) => expect(size).toBeGreaterThanOrEqual(Math.ceil((FALLING[i] ?? 0) / 10)));
    expect(sizes.at(-1)).toBe(Math.ceil((FALLING.at(-1) ?? 0) / 10));
  });

  it('holds while a re-rise is forecast within the horizon', async () => {
    // demand below what 6 serve, but rising 6 a minute: 3 minutes ahead it needs them again (and the first
    // three readings are too few to release on)
    const released = await replay(6, RISING, { release: { margin: 1 } });
    expect(released.sizes).toEqual([6, 6, 6, 6, 6]);
    expect(released.reasons).toEqual([]);
    // the same readings falling are released: the trend, not the level, holds the members
    const falling = await replay(6, [...RISING].reverse(), { release: { margin: 1 } });
    expect(Math.min(...falling.sizes)).toBeLessThan(6);
  });

  it('only shortens the hold: a release never leaves more members than the window alone would', async () => {
    const rates = [...FALLING, 14, 10, 10, 10, 10, 10, 10];
    const held = await replay(6, rates, {});
    const released = await replay(6, rates, { release: { margin: 1 } });
    released.sizes.forEach((size, i) => expect(size).toBeLessThanOrEqual(held.sizes[i] ?? 0));
    expect(released.sizes).not.toEqual(held.sizes);
  });

  it('a wider margin releases later, never sooner', async () => {
    const narrow = await replay(6, FALLING, { release: { margin: 0 } });
    const wide = await replay(6, FALLING, { release: { margin: 3 } });
    wide.sizes.forEach((size, i) => expect(size).toBeGreaterThanOrEqual(narrow.sizes[i] ?? 0));
    expect(wide.sizes).not.toEqual(narrow.sizes);
  });
});

describe('autoscaler: forecast-driven release without a target of its own', () => {
  it('sizes the forecast peak with the reactive rules on the grown metrics, never below their ask on the readings now', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('cpu', { staleAfterMs: 180_000 }), numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(8);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metric: 'cpu', target: 0.5, max: 10, evaluationInterval: '60s', scaleDown: { stabilization: '300s' }, predictive: { sensor: 'rate', horizon: '180s', margin: 0, release: { margin: 1 } } });
    engine.start();
    const sizes: number[] = [];
    const rates = [40, 34, 28, 22, 16];
    for (const rate of rates) {
      // a member at cpu 1 serves 10/s: the reactive rules ask for ceil(rate / 5)
      const size = web.sensor<number>('group.size').value ?? 1;
      web.sensor('rate').publish(rate);
      web.sensor('cpu').publish(rate / (10 * size));
      await clock.advanceBy(60_000);
      sizes.push(web.sensor<number>('group.size').value ?? Number.NaN);
    }
    sizes.forEach((size, i) => expect(size).toBeGreaterThanOrEqual(Math.ceil((rates[i] ?? 0) / 5)));
    expect(sizes.at(-1)).toBeLessThan(8);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s peaks at [\d.]+ with 1 error\(s\), which \d+ serve: released the scale-down window's hold at 8 down to \d+/);
  });
});

describe('forecast peak over the horizon', () => {
  const fit = (values: readonly number[]): HoltState | undefined => values.reduce<HoltState | undefined>((s, v, i) => holtUpdate(s, v, i * 60_000, { alpha: 0.5, beta: 0.5 }), undefined);

  it('is the level on a fall and the forecast at the horizon on a rise, plus the margin in errors', () => {
    const falling = fit([40, 35, 30, 25]);
    const rising = fit([25, 30, 35, 40]);
    const down = forecastPeak(falling, 120_000, 1);
    const up = forecastPeak(rising, 120_000, 0);
    expect(down?.peak).toBeCloseTo((falling?.level ?? 0) + (falling?.error ?? 0), 9);
    expect(up?.peak).toBeCloseTo(up?.forecast ?? Number.NaN, 9);
    expect(up?.peak).toBeGreaterThan(rising?.level ?? Number.POSITIVE_INFINITY);
    // never below the demand reading now, which is known, not forecast
    expect(forecastPeak(falling, 120_000, 1, 1, 60)?.peak).toBe(60);
    // two or three readings are too few to let members go on
    expect(forecastPeak(fit([40, 35, 30]), 120_000, 1)).toBeUndefined();
  });

  it('releases to the larger of the reactive ask and the forecast need, and only downwards', () => {
    expect(releasedSize(5, 2, 3)).toBe(3);
    expect(releasedSize(5, 4, 3)).toBe(4);
    expect(releasedSize(5, 2, 5)).toBeUndefined();
    expect(releasedSize(5, 2, 7)).toBeUndefined();
  });
});

describe('autoscaler: predictive release validation', () => {
  const base = { metric: 'cpu', target: 0.5, max: 10 };
  const issues = (config: Record<string, unknown>, release: unknown): string[] | undefined =>
    autoscaler.config.safeParse({ ...base, ...config, predictive: { sensor: 'rate', horizon: '180s', release } }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('refuses a release without a scale-down window, saying there is nothing to shorten', () => {
    expect(issues({ scaleDown: { stabilization: 0 } }, {})).toEqual(['predictive.release: predictive.release shortens the scale-down stabilization window: give scaleDown.stabilization (without one every scale-down is immediate anyway)']);
    expect(issues({}, {})).toBeUndefined(); // the default window is 5 minutes
  });

  it('refuses a release with a scale-down cooldown, which a partial release would start and so delay the window\'s own scale-down', () => {
    // seen on a falling demand (44 down to 10 a minute, window and cooldown 300 s): the window alone is at 1
    // after 12 minutes; the release let 6 -> 4 and 4 -> 2 go early, and its cooldown kept 2 there
    expect(issues({ scaleDown: { cooldown: '300s' } }, {})).toEqual(["predictive.release: predictive.release lets part of a scale-down go early, and scaleDown.cooldown would then delay the rest past the window's own scale-down: drop the cooldown (the window already spaces scale-downs)"]);
  });

  it('refuses a release when scale-down is disabled, saying it would never let a member go', () => {
    expect(issues({ scaleDown: { select: 'disabled' } }, {})).toEqual(["predictive.release: predictive.release lets members go earlier, but scaleDown.select is 'disabled': no scale-down ever happens"]);
  });

  it('refuses a negative or non-numeric margin and unknown keys, naming the field', () => {
    expect(issues({}, { margin: -1 })?.[0]).toMatch(/^predictive\.release\.margin: /);
    expect(issues({}, { margin: 'wide' })?.[0]).toMatch(/^predictive\.release\.margin: /);
    expect(issues({}, { margin: Number.NaN })?.[0]).toMatch(/^predictive\.release\.margin: /);
    expect(issues({}, { margin: Number.POSITIVE_INFINITY })?.[0]).toMatch(/^predictive\.release\.margin: /);
    expect(issues({}, { horizon: '60s' })?.[0]).toMatch(/^predictive\.release: .*horizon/);
    expect(autoscaler.config.parse({ ...base, predictive: { sensor: 'rate', horizon: '180s', release: {} } }).predictive?.release).toEqual({ margin: 1 });
  });
});
