// The forecast-driven release reads the demand forecast over the horizon from now, and never below the
// demand reading now: a demand reading older than the evaluation, or above the forecast's smoothed level.
import { describe, expect, it } from 'vitest';
import { replayDemand } from '../support/demand-replay.js';

/**
 * 6 members under the autoscaler: a reactive `load` metric asking for 1 member, and the demand `rate`
 * forecast on 10 per member (its floor never acts: confidence 100). `rates` are published one a minute from
 * 0 s, the load at 0 s and again at `evaluateAt` (an evaluation with the demand reading that old).
 */
function releaseAt(rates: readonly number[], evaluateAt: number, predictive: Record<string, unknown> = {}): ReturnType<typeof replayDemand> {
  return replayDemand({
    size: 6, load: 1, rates, evaluateAt,
    config: { evaluationInterval: '60s', scaleDown: { stabilization: '600s' }, predictive: { sensor: 'rate', target: 10, horizon: '180s', alpha: 1, beta: 1, margin: 0, confidence: 100, release: { margin: 0 }, ...predictive } },
  });
}

describe('autoscaler: forecast-driven release over the horizon from now', () => {
  it('sizes the forecast at now + horizon, not at the demand reading + horizon', async () => {
    // +5 a minute, fitted exactly (alpha = beta = 1, no error): 180 s after the reading at 180 s it is 50
    // (5 members), but 180 s after now (230 s) it is 54.2: 6 members are needed within the horizon
    const atReading = await releaseAt([20, 25, 30, 35], 180_000);
    expect(atReading.size).toBe(5);
    const later = await releaseAt([20, 25, 30, 35], 230_000);
    expect(later.reasons.join('\n')).not.toMatch(/released/);
    expect(later.size).toBe(6);
  });

  it('never releases below what the demand reading now needs, however far the smoothed level lags it', async () => {
    // falling, then a jump to 55: the smoothed level is 40.7 and the forecast falls, but 55 needs 6 now
    const jump = await releaseAt([60, 50, 40, 30, 55], 240_000, { alpha: 0.5, beta: 0.3 });
    expect(jump.reasons.join('\n')).not.toMatch(/released/);
    expect(jump.size).toBe(6);
    // without the jump the same fit lets one go (the test can tell a release from none)
    const fall = await releaseAt([60, 50, 40, 30, 20], 240_000, { alpha: 0.5, beta: 0.3 });
    expect(fall.size).toBeLessThan(6);
  });
});
