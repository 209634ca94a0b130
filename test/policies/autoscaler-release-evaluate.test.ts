// The forecast-driven release as the autoscaler's evaluation (a pure function) applies it, at one instant:
// the edge cases of sizing the forecast's peak and of saying what the release did.
import { describe, expect, it } from 'vitest';
import { autoscaler } from '../../src/policies/autoscaler.js';
import { evaluate, type EvaluationInput, type MetricInput, type ReleaseForecast } from '../../src/policies/autoscaler/evaluate.js';
import type { MemberReading } from '../../src/planners/member-replica-count.js';

const NOW = 10_000_000;

/** A falling or flat demand forecast peaking at `peak` with the demand now at `reading`. */
const forecast = (peak: number, reading: number): ReleaseForecast => ({ forecast: peak, error: 0, peak, sensor: 'rate', horizonMs: 180_000, margin: 1, reading });

/** One evaluation of `current` members whose scale-down window holds `held` (a recommendation a minute ago). */
function decide(config: Record<string, unknown>, current: number, held: number, metrics: readonly MetricInput[], release: ReleaseForecast): ReturnType<typeof evaluate> {
  const input: EvaluationInput = {
    now: NOW,
    config: autoscaler.config.parse(config),
    size: { entity: 'web', sensor: 'group.size', value: current, at: NOW },
    ready: undefined,
    metrics,
    history: [[NOW - 60_000, held]],
    changed: true,
    events: [],
    failures: 0,
    capacityLimit: undefined,
    windows: [],
    forecast: { reason: 'rate forecast falling', release },
  };
  return evaluate(input);
}

describe('autoscaler evaluation: forecast-driven release', () => {
  it('holds, saying no size could be read, when no metric can be sized on the forecast (a member without a request enters the ratio)', () => {
    // a booting member without a request: at the readings now it is left out (a scale-down), but on the
    // forecast's growth the ratio rises above 1 and it enters at 0, so its missing request sizes nothing
    const readings: MemberReading[] = [
      { member: 'a', phase: 'running', ready: true, value: 0.2, request: 1 },
      { member: 'b', phase: 'running', ready: true, value: 0.2, request: 1 },
      { member: 'c', phase: 'pending', ready: false },
    ];
    const config = { metrics: [{ sensor: 'cpu', target: 0.5, readFrom: 'members', requestSensor: 'cpu.request' }], max: 10, predictive: { sensor: 'rate', horizon: '180s', release: {} } };
    // 4 members, the window holds 3: the resize 4 -> 3 says what the release made of the forecast
    const result = decide(config, 4, 3, [{ sensor: 'cpu', status: 'perMember', readings, observations: [] }], forecast(30, 10));
    const reason = result.proposal?.reason ?? '';
    expect(reason).toMatch(/resize 4 -> 3/);
    expect(reason).not.toMatch(/Infinity|NaN/);
    expect(reason).toMatch(/no size could be read from it \(demand now 10\), the window's hold at 3 stands/);
    // the window held it, not the forecast (which sized nothing)
    expect(reason).toMatch(/recommendation 1 held at 3 by the scale-down stabilization window(;|$)/);
  });

  it('says when the peak is the demand reading now rather than the forecast', () => {
    const config = { metric: 'rate', target: 10, basis: 'total', max: 10, predictive: { sensor: 'rate', target: 10, horizon: '180s', release: {} } };
    const reason = decide(config, 4, 3, [{ sensor: 'rate', status: 'fresh', observation: { entity: 'web', sensor: 'rate', value: 10, at: NOW } }], forecast(30, 30)).proposal?.reason ?? '';
    expect(reason).toMatch(/peaks at 30 with 1 error\(s\) \(the demand now\) and needs 3 within the horizon: the scale-down window's hold at 3 stands/);
  });
});
