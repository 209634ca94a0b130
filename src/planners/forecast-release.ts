import { holtForecast, type HoltState } from './holt-forecast.js';

/**
 * The highest demand a Holt forecast expects over the next `horizonMs`, with headroom: the larger of the
 * level (the demand now, smoothed) and the forecast at the horizon, plus `margin` smoothed one-step errors,
 * and never below the latest reading (the demand now is known, not forecast).
 * Holt's forecast is monotone in the steps ahead (linear, or damped towards a limit), so its peak over the
 * horizon is at one of the two ends.
 */
export interface ForecastPeak {
  /** The forecast at the horizon, without headroom. */
  readonly forecast: number;
  /** The smoothed one-step error. */
  readonly error: number;
  /** max(max(level, forecast) + margin x error, latest reading): what the members must serve for the whole horizon. */
  readonly peak: number;
}

/**
 * Readings the forecast must have folded in before it frees members: with two or three the trend and the
 * error are one or two differences, and letting members go on them is a guess.
 */
export const RELEASE_AFTER_READINGS = 4;

/**
 * See {@link ForecastPeak}. `horizonMs` counts from the last reading folded in: a caller evaluating later
 * adds the reading's age, so the horizon ends `horizon` after now. `margin` is in smoothed errors (>= 0);
 * `damping` as in `holtForecast`; `latest` is the demand reading now (the peak is never below it). Undefined
 * before {@link RELEASE_AFTER_READINGS} readings.
 */
export function forecastPeak(state: HoltState | undefined, horizonMs: number, margin: number, damping = 1, latest = 0): ForecastPeak | undefined {
  const forecast = holtForecast(state, horizonMs, damping);
  if (forecast === undefined || !state || state.n < RELEASE_AFTER_READINGS) return undefined;
  const peak = Math.max(Math.max(state.level, forecast) + margin * state.error, latest);
  return Number.isFinite(peak) ? { forecast, error: state.error, peak } : undefined;
}

/**
 * What a forecast-driven release may do with a scale-down the stabilization window holds: the size the
 * window holds (`held`) comes down to the larger of the reactive rules' recommendation on the latest readings
 * (`reactive`) and the size the forecast's peak needs (`needed`), never below either, and never up.
 * Returns the released size, or undefined when the release frees nothing (the window's hold stands).
 */
export function releasedSize(held: number, reactive: number, needed: number): number | undefined {
  const allowed = Math.max(reactive, needed);
  return allowed < held ? allowed : undefined;
}
