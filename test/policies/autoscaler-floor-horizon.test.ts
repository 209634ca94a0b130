// The predictive floor forecasts the demand `horizon` after now, not after the demand reading: an evaluation
// triggered later (by another metric or the evaluation interval) looks as far ahead of now as one triggered
// by the demand reading itself.
import { describe, expect, it } from 'vitest';
import { replayDemand } from '../support/demand-replay.js';

/**
 * 2 members under the autoscaler: a reactive `load` metric asking for 2, and the demand `rate` forecast on 10
 * per member, fitted exactly (alpha = beta = 1). The size after an evaluation at `evaluateAt` and the reasons.
 */
function floorAt(rates: readonly number[], evaluateAt: number): ReturnType<typeof replayDemand> {
  return replayDemand({ size: 2, load: 2, rates, evaluateAt, config: { evaluationInterval: '60s', predictive: { sensor: 'rate', target: 10, horizon: '180s', alpha: 1, beta: 1, margin: 0, confidence: 0 } } });
}

describe('autoscaler: the predictive floor over the horizon from now', () => {
  it('asks for what the demand needs 180 s after now, also when the evaluation comes after the demand reading', async () => {
    // +5 a minute: 180 s after the reading at 180 s the forecast is 50 (5 members); 180 s after 230 s it is 54.2 (6)
    const atReading = await floorAt([20, 25, 30, 35], 180_000);
    expect(atReading.size).toBe(5);
    const later = await floorAt([20, 25, 30, 35], 230_000);
    expect(later.size).toBe(6);
    expect(later.reasons.join('\n')).toMatch(/rate forecast 54\.17 \+\/- 0 in 180 s asks for 6/);
  });
});
