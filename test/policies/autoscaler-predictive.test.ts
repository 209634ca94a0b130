import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src/core/engine/engine.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { holtAsOf, holtForecast, holtGrowthSignificant, holtUpdate, readHolt, type HoltState } from '../../src/planners/holt-forecast.js';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { numberSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('Holt forecast', () => {
  it('learns a linear trend online and forecasts it ahead, with its error', () => {
    let s: HoltState | undefined;
    for (let i = 0; i < 20; i++) s = holtUpdate(s, 10 + 2 * i, i * 60_000, { alpha: 0.5, beta: 0.3 });
    // last reading 48 at 19 min; 3 minutes ahead a perfect trend gives 54
    expect(holtForecast(s, 180_000)).toBeCloseTo(54, 0);
    expect(s?.error).toBeLessThan(0.5);
    expect(readHolt(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(readHolt({ level: 'x' })).toBeUndefined();
    // values holtUpdate never writes: a negative error would shrink the margins added to a forecast
    for (const malformed of [{ error: -1 }, { stepMs: -60_000 }, { n: 0 }, { n: 2.5 }]) expect(readHolt({ ...JSON.parse(JSON.stringify(s)), ...malformed })).toBeUndefined();
    expect(holtForecast(holtUpdate(undefined, 5, 0, { alpha: 0.5, beta: 0.3 }), 60_000)).toBeUndefined();
  });

  it('keeps a state up to now and drops one fitted past now', () => {
    const s = holtUpdate(holtUpdate(undefined, 10, 0, { alpha: 0.5, beta: 0.5 }), 12, 60_000, { alpha: 0.5, beta: 0.5 });
    expect(holtAsOf(s, 60_000)).toBe(s);
    expect(holtAsOf(s, 120_000)).toBe(s);
    expect(holtAsOf(s, 59_999)).toBeUndefined();
    expect(holtAsOf(undefined, 0)).toBeUndefined();
  });

  it('never forecasts negative demand', () => {
    let s: HoltState | undefined;
    for (let i = 0; i < 10; i++) s = holtUpdate(s, 50 - 5 * i, i * 60_000, { alpha: 0.8, beta: 0.5 });
    expect(holtForecast(s, 3_600_000)).toBe(0);
  });
});

/**
 * A group of 2 under a predictive autoscaler (target 10 per member, a 180 s horizon) with demand growing by
 * 4/s each minute (12, 16, 20, 24); `saved`: the forecast a restarted service reads back. The size after it,
 * every decision's reason, and the forecast left in policy state.
 */
async function replayRisingDemand(saved?: HoltState): Promise<{ size: number | undefined; reasons: string; stored: unknown }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web', type: 'cluster',
    sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
  });
  web.sensor('group.size').publish(2);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  if (saved) knowledge.policyState('web/autoscaler').set('forecast', { ...saved });
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, autoscaler, { metric: 'rate', target: 10, basis: 'total', max: 20, evaluationInterval: '60s', predictive: { sensor: 'rate', target: 10, horizon: '180s', margin: 0 } });
  engine.start();
  for (const rate of [12, 16, 20, 24]) {
    web.sensor('rate').publish(rate);
    await clock.advanceBy(60_000);
  }
  const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
  const stored = knowledge.policyState('web/autoscaler').get('forecast');
  await engine.stop();
  return { size: web.sensor<number>('group.size').value, reasons, stored };
}

describe('autoscaler: predictive floor', () => {
  it('scales ahead of a rising demand, never below the reactive ask, and says the forecast and its error', async () => {
    const { size, reasons } = await replayRisingDemand();
    // reactive alone asks ceil(24 / 10) = 3; the forecast 3 minutes ahead is about 36 -> 4
    expect(size).toBeGreaterThanOrEqual(4);
    expect(reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s asks for \d+/);
  });

  it('without its own target, sizes the forecast growth with the reactive targets (utilization grows with demand)', async () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('cpu', { staleAfterMs: 180_000 }), numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(4);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metric: 'cpu', target: 0.8, max: 20, evaluationInterval: '60s', predictive: { sensor: 'rate', horizon: '120s', margin: 0 } });
    engine.start();
    // demand grows by 12/s a minute on 4 members; cpu follows (0.01 per request/s per member)
    for (const rate of [60, 72, 84]) {
      web.sensor('rate').publish(rate);
      web.sensor('cpu').publish(rate / 100);
      await clock.advanceBy(60_000);
    }
    // reactive alone: 4 x 0.84 / 0.8 = 4.2, inside the tolerance -> 4; Holt's forecast 2 minutes ahead is
    // 93.6 (x1.11), so cpu about 0.94 on 4 members: 4 x 0.94 / 0.8 = 4.7 -> 5
    expect(web.sensor<number>('group.size').value).toBe(5);
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/resize 4 -> 5; rate forecast 93\.6 \+\/- 12 in 120 s \(x1\.11 the 84 now\) -> 5/);
  });

  it('starts over from a forecast fitted past now (the state of another clock), which would never take a reading again', async () => {
    const run = async (saved?: HoltState): Promise<{ size: number | undefined; stored: unknown }> => {
      const { size, stored } = await replayRisingDemand(saved);
      return { size, stored };
    };
    const fresh = await run();
    expect(fresh.size).toBeGreaterThanOrEqual(4);
    // a flat forecast of 0 fitted up to an hour from now: every reading of this clock is older than it
    const future = await run({ level: 0, trend: 0, error: 0, n: 5, at: 3_600_000, stepMs: 60_000 });
    expect(future).toEqual(fresh);
    expect((future.stored as HoltState).at).toBe(180_000);
  });

  it('is off unless configured, and names its sensor as a requirement', () => {
    const parsed = autoscaler.config.parse({ metric: 'cpu', target: 0.5, max: 4, predictive: { sensor: 'rate', target: 10, horizon: '2m' } });
    expect(parsed.predictive?.horizon).toBe(120_000);
    expect(autoscaler.requires?.(parsed).map((r) => r.sensor)).toContain('rate');
    expect(() => autoscaler.config.parse({ metric: 'cpu', target: 0.5, max: 4, predictive: { sensor: 'rate', target: 0, horizon: '2m' } })).toThrow();
  });
});

describe('Holt forecast with a damped trend', () => {
  it('levels off: the trend counts phi + phi^2 + ... + phi^h over h steps, so a jump is not extrapolated forever', () => {
    let linear: HoltState | undefined;
    let damped: HoltState | undefined;
    // a step from 10 to 55 (a flash crowd's arrival), then flat
    for (const [i, v] of [10, 10, 10, 55, 55].entries()) {
      linear = holtUpdate(linear, v, i * 60_000, { alpha: 0.5, beta: 0.3 });
      damped = holtUpdate(damped, v, i * 60_000, { alpha: 0.5, beta: 0.3, damping: 0.5 });
    }
    const l = linear as HoltState;
    const d = damped as HoltState;
    // 4 steps ahead: linear adds 4 trends, damped 0.5 + 0.25 + 0.125 + 0.0625 = 0.9375 of one
    expect(holtForecast(l, 240_000)).toBeCloseTo(l.level + 4 * l.trend, 6);
    expect(holtForecast(d, 240_000, 0.5)).toBeCloseTo(d.level + 0.9375 * d.trend, 6);
    // however far ahead, the damped forecast stays below level + trend x phi / (1 - phi)
    expect(holtForecast(d, 3_600_000, 0.5) as number).toBeLessThanOrEqual(d.level + d.trend + 1e-9);
    expect(holtForecast(l, 3_600_000) as number).toBeGreaterThan(d.level + 10 * d.trend);
  });

  it('with damping 1 is Holt linear', () => {
    let a: HoltState | undefined;
    let b: HoltState | undefined;
    for (let i = 0; i < 8; i++) {
      a = holtUpdate(a, 5 + 3 * i + (i % 2), i * 60_000, { alpha: 0.5, beta: 0.3 });
      b = holtUpdate(b, 5 + 3 * i + (i % 2), i * 60_000, { alpha: 0.5, beta: 0.3, damping: 1 });
    }
    expect(b).toEqual(a);
    expect(holtForecast(b, 180_000, 1)).toBe(holtForecast(a, 180_000));
  });

  it('after a jump a damped forecast does not over-ask where a linear one does, and never goes below the reactive ask', async () => {
    const sizes: number[] = [];
    for (const damping of [1, 0.5]) {
      const clock = new VirtualClock();
      const tree = new EntityTree(clock);
      const web = tree.add({
        id: 'web', type: 'cluster',
        sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('group.size')],
        effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
      });
      web.sensor('group.size').publish(1);
      const knowledge = new Knowledge(new MemoryStore(), clock);
      const engine = new Engine({ tree, knowledge, scheduler: clock });
      engine.attach(web, autoscaler, { metric: 'rate', target: 10, basis: 'total', max: 50, evaluationInterval: '60s', predictive: { sensor: 'rate', target: 10, horizon: '600s', margin: 0, damping } });
      engine.start();
      for (const rate of [10, 10, 30]) {
        web.sensor('rate').publish(rate);
        await clock.advanceBy(60_000);
      }
      sizes.push(web.sensor<number>('group.size').value as number);
      const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
      // linear: the forecast leads and is cited; damped: it stays under the reactive ask, which stands and
      // cites the forecast it did not act on
      if (damping === 1) expect(reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 600 s asks for \d+$/m);
      else expect(reasons).toMatch(/resize 1 -> 3; rate forecast [\d.]+ \+\/- [\d.]+ in 600 s asks for [0-3], no more than the reactive rules ask \(3\): not acted on$/m);
      await engine.stop();
    }
    const [linear, damped] = sizes as [number, number];
    // reactive alone asks 3; linear extrapolates 10 steps of the jump's trend, damped levels off
    expect(damped).toBe(3);
    expect(linear).toBeGreaterThan(3);
  });
});

describe('Holt forecast: significance of the growth', () => {
  it('calls a steady rise significant and a flat noisy demand not, against the forecast error', () => {
    let rise: HoltState | undefined;
    let noise: HoltState | undefined;
    const flat = [15, 12, 18, 12, 18, 12, 18, 12, 18, 13];
    for (const [i, v] of flat.entries()) {
      rise = holtUpdate(rise, 10 + 2 * i, i * 60_000, { alpha: 0.5, beta: 0.3 });
      noise = holtUpdate(noise, v, i * 60_000, { alpha: 0.5, beta: 0.3 });
      // noise never rises by more than one error over three minutes; with no threshold it sometimes "rises"
      expect(holtGrowthSignificant(noise, 180_000, 1)).toBe(false);
    }
    expect(holtGrowthSignificant(rise, 180_000, 2)).toBe(true);
    expect(holtGrowthSignificant(noise, 180_000, 0)).toBe(false); // the last reading fell
    expect(holtGrowthSignificant(undefined, 180_000, 0)).toBe(false);
  });
});

describe('Holt forecast: robust (Huber-clipped) readings', () => {
  const quiet = [10, 11, 9, 10, 11, 9, 10, 11];
  const fold = (values: readonly number[], robust?: number): HoltState | undefined => {
    let s: HoltState | undefined;
    for (const [i, v] of values.entries()) s = holtUpdate(s, v, i * 60_000, { alpha: 0.5, beta: 0.5, ...(robust !== undefined ? { robust } : {}) });
    return s;
  };

  it('a one-reading burst moves the clipped forecast within the noise, the plain one far above it', () => {
    const burst = [...quiet, 25];
    const before = fold(quiet);
    const clipped = fold(burst, 2);
    // plain: the level moves half of the 15 it jumped and the trend extrapolates it (about 29 three minutes ahead)
    expect(holtForecast(fold(burst), 180_000)).toBeGreaterThan(25);
    // clipped: the reading counts as 2 errors above its one-step forecast, so the level lands alpha x 2 errors above it
    expect((clipped?.level ?? 0) - (holtForecast(before, 60_000) ?? 0)).toBeCloseTo(0.5 * 2 * (before?.error ?? 0), 9);
    expect(holtForecast(clipped, 180_000)).toBeLessThan(16);
  });

  it('a lasting jump still gets through: the error it raises widens the band each reading', () => {
    const jumped = fold([...quiet, 25, 25, 25, 25, 25, 25], 2);
    expect(jumped?.level).toBeGreaterThan(22);
    expect(holtForecast(jumped, 60_000)).toBeGreaterThan(22);
  });

  it('clips nothing before the fourth reading or with robust 0', () => {
    expect(fold([10, 11, 30], 2)).toEqual(fold([10, 11, 30]));
    expect(fold([...quiet, 25], 0)).toEqual(fold([...quiet, 25]));
  });
});

describe('autoscaler: predictive confidence and tolerance', () => {
  /** Runs the autoscaler on a group of 2 while the rate follows `rates` (cpu on target unless `cpuOf` says); returns the sizes seen and the reasons. */
  async function run(rates: readonly number[], predictive: Record<string, unknown>, cpuOf = (_rate: number, _size: number) => 0.5): Promise<{ sizes: number[]; reasons: string }> {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const web = tree.add({
      id: 'web', type: 'cluster',
      sensors: [numberSensor('rate', { staleAfterMs: 180_000 }), numberSensor('cpu', { staleAfterMs: 180_000 }), numberSensor('group.size')],
      effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => { entity.sensor('group.size').publish(size); } })],
    });
    web.sensor('group.size').publish(2);
    const knowledge = new Knowledge(new MemoryStore(), clock);
    const engine = new Engine({ tree, knowledge, scheduler: clock });
    engine.attach(web, autoscaler, { metric: 'cpu', target: 0.5, max: 10, evaluationInterval: '60s', predictive: { sensor: 'rate', horizon: '180s', margin: 0, ...predictive } });
    engine.start();
    const sizes: number[] = [];
    for (const rate of rates) {
      web.sensor('rate').publish(rate);
      web.sensor('cpu').publish(cpuOf(rate, web.sensor<number>('group.size').value as number));
      await clock.advanceBy(60_000);
      sizes.push(web.sensor<number>('group.size').value as number);
    }
    const reasons = (await knowledge.queryDecisions({})).map((d) => d.reason).join('\n');
    await engine.stop();
    return { sizes, reasons };
  }
  const noise = [15, 12, 18, 12, 18, 12, 18, 12, 18, 13];

  it('with confidence, noise buys no capacity where the plain forecast buys some', async () => {
    // cpu on target asks 2; a forecast above 16 asks ceil(x / 8) = 3
    const plain = await run(noise, { target: 8 });
    const confident = await run(noise, { target: 8, confidence: 1 });
    expect(Math.max(...plain.sizes)).toBe(3);
    expect(plain.reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s asks for 3/);
    expect(confident.sizes.every((s) => s === 2)).toBe(true);
  });

  it('when the forecast growth is within the noise and the reactive rules resize, the reason says the floor held and why', async () => {
    // the rate is noise (the floor holds); cpu jumps at the last reading, so the reactive rules ask ceil(2 x 0.9 / 0.5) = 4
    const { sizes, reasons } = await run(noise, { target: 8, confidence: 1 }, (rate) => (rate === 13 ? 0.9 : 0.5));
    expect(sizes.at(-1)).toBe(4);
    expect(reasons).toMatch(/cpu is 0\.9 against a target of 0\.5 per member: resize 2 -> 4; rate forecast [\d.]+ \+\/- [\d.]+ in 180 s: growth -?[\d.]+ over the level [\d.]+ is within 1 forecast error\(s\), not acted on$/m);
  });

  it('without its own target, a falling forecast is cited as no growth when the reactive rules resize', async () => {
    const { sizes, reasons } = await run([20, 18, 16, 14], {}, (rate) => (rate === 14 ? 0.9 : 0.5));
    expect(sizes.at(-1)).toBe(4);
    expect(reasons).toMatch(/resize 2 -> 4; rate forecast [\d.]+ \+\/- [\d.]+ in 180 s \(x0\.\d+ the 14 now\): no growth, not acted on$/m);
  });

  it('with robust clipping, a one-minute burst buys no capacity where the plain forecast buys some', async () => {
    const burst = [10, 11, 9, 10, 11, 9, 10, 25, 10, 11];
    // the SWIM floor's settings: the trend fitted fast, acted on when its growth is above one error
    const plain = await run(burst, { target: 8, beta: 0.5, confidence: 1 });
    const robust = await run(burst, { target: 8, beta: 0.5, confidence: 1, robust: 2 });
    expect(Math.max(...plain.sizes)).toBeGreaterThan(2);
    expect(plain.reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s asks for [3-9]/);
    expect(robust.sizes.every((s) => s === 2)).toBe(true);
  });

  it('with confidence, a steady rise still scales ahead and cites the forecast', async () => {
    const { sizes, reasons } = await run([10, 12, 14, 16, 18], { target: 8, confidence: 1 });
    // the rate now (18) asks 3 of 8 each; the forecast 3 minutes ahead (about 24) asks for 3-4, never below 2
    expect(sizes.at(-1)).toBeGreaterThanOrEqual(3);
    expect(reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s asks for [34]/);
  });

  it('sizes the forecast growth without the tolerance band when told to, so capacity comes before the band is left', async () => {
    // cpu follows the rate per member, on target (0.5) at 100/s on 2; the rate rises 1 % a minute, so the
    // forecast 3 minutes ahead is about 3 % up: inside the 10 % band, only tolerance 0 acts on it
    const rates = [100, 101, 102, 103, 104];
    const cpuOf = (rate: number, size: number) => rate / (100 * size);
    const banded = await run(rates, { confidence: 1 }, cpuOf);
    const exact = await run(rates, { confidence: 1, tolerance: 0 }, cpuOf);
    expect(banded.sizes.every((s) => s === 2)).toBe(true);
    expect(exact.sizes.at(-1)).toBe(3);
    expect(exact.reasons).toMatch(/rate forecast [\d.]+ \+\/- [\d.]+ in 180 s \(x1\.0\d the [\d.]+ now\) -> 3/);
  });
});

describe('Holt forecast: huge and non-finite readings', () => {
  it('never holds or forecasts a non-finite value: a reading that would overflow it starts over from that reading', () => {
    let s: HoltState | undefined;
    for (const [i, v] of [1e308, 1.7e308, 1.7e308, 1.7e308, 10, 10, 10].entries()) {
      s = holtUpdate(s, v, i * 60_000, { alpha: 0.5, beta: 0.3 });
      expect([s?.level, s?.trend, s?.error].every(Number.isFinite)).toBe(true);
      const ahead = holtForecast(s, 180_000);
      if (ahead !== undefined) expect(Number.isFinite(ahead)).toBe(true);
    }
    expect(s?.n).toBe(4); // started over at the fourth reading (1.7e308) and folded the three 10s in
    // a non-finite reading is not folded in at all
    const before = s;
    expect(holtUpdate(before, Number.NaN, 8 * 60_000, { alpha: 0.5, beta: 0.3 })).toBe(before);
    expect(holtUpdate(before, Number.POSITIVE_INFINITY, 8 * 60_000, { alpha: 0.5, beta: 0.3 })).toBe(before);
  });
});

describe('autoscaler: predictive option validation', () => {
  const base = { metric: 'cpu', target: 0.5, max: 10 };
  const issues = (predictive: Record<string, unknown>): string[] | undefined =>
    autoscaler.config.safeParse({ ...base, predictive: { sensor: 'rate', horizon: '180s', ...predictive } }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('refuses a tolerance above 1 or below 0, and a negative confidence or robust, naming the field', () => {
    expect(issues({ tolerance: 1.5 })?.[0]).toMatch(/^predictive\.tolerance: /);
    expect(issues({ tolerance: -0.1 })?.[0]).toMatch(/^predictive\.tolerance: /);
    expect(issues({ confidence: -1 })?.[0]).toMatch(/^predictive\.confidence: /);
    expect(issues({ robust: -1 })?.[0]).toMatch(/^predictive\.robust: /);
    expect(issues({ tolerance: 0, confidence: 2, robust: 2 })).toBeUndefined();
  });

  it('refuses a tolerance beside its own target, where it would do nothing', () => {
    expect(issues({ target: 20, tolerance: 0 })).toEqual(['predictive.tolerance: predictive.tolerance sizes the forecast growth with the reactive rules: with its own target the forecast is sized on that target alone, and the tolerance would do nothing']);
  });
});
