import type { Json } from '../knowledge/store.js';

/**
 * Holt's exponential smoothing with an optionally damped trend (Gardner and McKenzie), fitted online one
 * reading at a time in constant memory: a level, a trend per step, and the smoothed absolute one-step-ahead
 * error (how far to trust the forecast). Plain JSON, so it lives in policy state and survives a restart.
 */
export interface HoltState {
  readonly level: number;
  /** Change per step (one reading interval). */
  readonly trend: number;
  /** Smoothed |actual - forecast| of the one-step forecasts. */
  readonly error: number;
  /** Readings seen (the first two initialise level and trend). */
  readonly n: number;
  /** Time of the last reading (ms), to measure the step. */
  readonly at: number;
  /** Smoothed step between readings (ms). */
  readonly stepMs: number;
}

/**
 * Smoothing factors: `alpha` for the level, `beta` for the trend, both in (0, 1]; `damping` (phi, in (0, 1],
 * default 1: Holt's linear trend) shrinks the trend by phi each step ahead, so a forecast levels off at
 * `level + trend x phi / (1 - phi)` instead of extrapolating a jump forever.
 */
export interface HoltParameters {
  readonly alpha: number;
  readonly beta: number;
  readonly damping?: number;
  /**
   * Huber clipping (Gelper, Fried and Croux, 2010): from the fourth reading on, a reading further than `robust`
   * smoothed errors from its one-step forecast is folded in as if it were at that distance, so one outlying
   * reading (a one-minute burst) moves the level, the trend and the error by a bounded amount; a lasting change
   * still gets through, since the error it raises widens the band each step. 0 or absent: no clipping.
   */
  readonly robust?: number;
}

/** Readings folded in before clipping starts: the error needs a few to mean anything. */
const ROBUST_AFTER = 3;

/**
 * Folds one reading into the state (undefined: the first reading). A non-finite reading is not folded in;
 * one that would overflow the state (readings near the largest double) starts it over from that reading.
 */
export function holtUpdate(state: HoltState, value: number, at: number, p: HoltParameters): HoltState;
export function holtUpdate(state: HoltState | undefined, value: number, at: number, p: HoltParameters): HoltState | undefined;
export function holtUpdate(state: HoltState | undefined, value: number, at: number, p: HoltParameters): HoltState | undefined {
  if (!Number.isFinite(value)) return state;
  if (!state) return { level: value, trend: 0, error: 0, n: 1, at, stepMs: 0 };
  const step = at - state.at;
  if (step <= 0) return state; // a reading at the same instant adds nothing
  const phi = p.damping ?? 1;
  const predicted = state.level + phi * state.trend;
  const folded = clipped(value, predicted, state, p.robust ?? 0);
  const level = p.alpha * folded + (1 - p.alpha) * predicted;
  const trend = state.n === 1 ? level - state.level : p.beta * (level - state.level) + (1 - p.beta) * phi * state.trend;
  const error = state.n === 1 ? Math.abs(value - state.level) : p.alpha * Math.abs(folded - predicted) + (1 - p.alpha) * state.error;
  const stepMs = state.stepMs === 0 ? step : 0.8 * state.stepMs + 0.2 * step;
  if (![level, trend, error].every(Number.isFinite)) return { level: value, trend: 0, error: 0, n: 1, at, stepMs: 0 };
  return { level, trend, error, n: state.n + 1, at, stepMs };
}

/** The reading as folded in: within `k` smoothed errors of its forecast once the state has enough readings. */
function clipped(value: number, predicted: number, state: HoltState, k: number): number {
  if (k <= 0 || state.n < ROBUST_AFTER || state.error <= 0) return value;
  const band = k * state.error;
  return Math.min(predicted + band, Math.max(predicted - band, value));
}

/**
 * The forecast `horizonMs` ahead of the last reading (never negative), or undefined before two readings
 * or when it would overflow.
 * With damping phi < 1 the trend counts phi + phi^2 + ... + phi^h times over h steps ahead.
 */
export function holtForecast(state: HoltState | undefined, horizonMs: number, damping = 1): number | undefined {
  if (!state || state.n < 2 || state.stepMs <= 0) return undefined;
  const steps = horizonMs / state.stepMs;
  const weight = damping >= 1 ? steps : (damping * (1 - damping ** steps)) / (1 - damping);
  const value = Math.max(0, state.level + state.trend * weight);
  return Number.isFinite(value) ? value : undefined; // beyond the largest double: no forecast
}

/**
 * Whether the forecast's growth over the level (the trend's part of it, `horizonMs` ahead) is significant:
 * above `confidence` smoothed one-step errors. A trend within the noise says nothing about the demand ahead.
 */
export function holtGrowthSignificant(state: HoltState | undefined, horizonMs: number, confidence: number, damping = 1): boolean {
  const value = holtForecast(state, horizonMs, damping);
  if (value === undefined || !state) return false;
  return value - state.level > confidence * state.error;
}

/**
 * The state when its last reading is not later than `now`; otherwise undefined (start over). A state ahead of
 * the clock came from another clock (policy state written before the clock was set back, or by a simulation)
 * or from a reading stamped in the future, and no reading of this clock would be folded into it again
 * (`holtUpdate` skips readings older than the state): the forecast would stay where it was for good.
 */
export function holtAsOf(state: HoltState | undefined, now: number): HoltState | undefined {
  return state !== undefined && state.at > now ? undefined : state;
}

/**
 * Reads the state back from policy state, tolerating absent or malformed values (none: start over). A negative
 * error, step or count is malformed too: `holtUpdate` never writes one, and a negative error would shrink the
 * error margins added to a forecast.
 */
export function readHolt(value: Json | undefined): HoltState | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, Json>;
  const keys = ['level', 'trend', 'error', 'n', 'at', 'stepMs'] as const;
  if (!keys.every((k) => typeof v[k] === 'number' && Number.isFinite(v[k]))) return undefined;
  if ((v['error'] as number) < 0 || (v['stepMs'] as number) < 0 || !Number.isInteger(v['n']) || (v['n'] as number) < 1) return undefined;
  return { level: v['level'] as number, trend: v['trend'] as number, error: v['error'] as number, n: v['n'] as number, at: v['at'] as number, stepMs: v['stepMs'] as number };
}
