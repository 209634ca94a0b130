import { z } from 'zod';
import type { Json } from '../knowledge/store.js';
import { holtAsOf, holtForecast, holtUpdate, readHolt, type HoltState } from './holt-forecast.js';

/**
 * Forecast-sized raise of the dimmer: once the response time is low again, give the optional content back as
 * far as the demand forecast for the next period (Holt's smoothing, fitted online), spread over the members
 * serving now, leaves room for, instead of as far as the period just ended left room for. The period just
 * ended says too little after a dip: served at dimmer 0 it shows nothing of the optional content's cost, and
 * served on fewer members than serve now (a member that finished booting at the boundary) it shows the
 * members busier than they will be.
 */
export const dimmerRaiseAheadSchema = z.strictObject({
  /** Sensor with the demand (e.g. the arrival rate, requests/s), read with each response-time reading. */
  sensor: z.string().min(1),
  /** Sensor with the members serving now (booted, not booting), e.g. `servers.active`. */
  servingSensor: z.string().min(1),
  /** Busy fraction per serving member the forecast demand may reach at the raised dimmer. Default 0.8. */
  utilization: z.number().gt(0).max(1).default(0.8),
  /**
   * Demand one serving member carries at dimmer 1 at full utilization (requests/s). Without it, it is learned
   * online from the utilization and demand readings of periods busy above 0.05 and below 0.95 (a busier one may
   * have been saturated), served at a dimmer above 0.05 on as many members as the period before.
   */
  capacity: z.number().positive().optional(),
  /** Holt's level smoothing. Default 0.5. */
  alpha: z.number().gt(0).max(1).default(0.5),
  /** Holt's trend smoothing. Default 0.5. */
  beta: z.number().gt(0).max(1).default(0.5),
  /** Smoothed forecast errors added to the forecast (headroom for the noise). Default 0. */
  margin: z.number().min(0).default(0),
});

/** The `raiseAhead` option after parsing. */
export type DimmerRaiseAheadConfig = z.output<typeof dimmerRaiseAheadSchema>;

/** What the forecast-sized raise keeps between readings (plain JSON, in policy state). */
export interface DimmerRaiseAheadState {
  readonly holt?: HoltState;
  /** Smoothed busy seconds per request per unit of dimmer (the optional content's cost), learned online. */
  readonly work?: number;
  /** Members serving at the last reading: a period is learned from only if they were as many. */
  readonly serving?: number;
}

/** One period's readings the forecast needs. */
export interface RaiseAheadReadings {
  readonly demand: number;
  readonly at: number;
  readonly dimmer: number;
  /** Members serving now. */
  readonly serving: number;
  /** Mean busy fraction of the serving members over the period just ended. */
  readonly utilization?: number;
}

/** The highest dimmer the forecast leaves room for, and why; undefined room while it is not known. */
export interface RaiseAheadRoom {
  readonly room?: number;
  readonly why: string;
}

/** Smoothing of the learned per-request work. */
const WORK_SMOOTHING = 0.3;
/** Below this dimmer (or utilization) a reading says too little about the optional content's cost. */
const LEARN_FLOOR = 0.05;
/**
 * At or above this utilization a period may have been saturated: demand it queued or dropped counts in the
 * reading but not in the busy time, so a request would look cheaper than it is (a utilization sensor seldom
 * reads exactly 1 when saturated).
 */
const SATURATED = 0.95;

/**
 * The state without its forecast when that was fitted up to a time after `now` (see `holtAsOf`: it would never
 * take a reading of this clock again); the learned cost of a request, which no clock dates, is kept.
 */
export function raiseAheadAsOf(state: DimmerRaiseAheadState, now: number): DimmerRaiseAheadState {
  if (state.holt === undefined || holtAsOf(state.holt, now) !== undefined) return state;
  return { ...(state.work !== undefined ? { work: state.work } : {}), ...(state.serving !== undefined ? { serving: state.serving } : {}) };
}

/**
 * Folds a period's readings into the state: the demand into the forecast, the per-request work into its estimate.
 * A demand reading not newer than the last one folded in (the same reading again, or a late delivery) changes
 * nothing: paired with this period's utilization it would teach a cost it does not have.
 */
export function raiseAheadUpdate(state: DimmerRaiseAheadState, r: RaiseAheadReadings, config: DimmerRaiseAheadConfig): DimmerRaiseAheadState {
  if (state.holt !== undefined && r.at <= state.holt.at) return state;
  const holt = holtUpdate(state.holt, r.demand, r.at, config);
  let work = state.work;
  const u = r.utilization;
  const sameMembers = state.serving === r.serving;
  if (config.capacity === undefined && sameMembers && u !== undefined && u > LEARN_FLOOR && u < SATURATED && r.dimmer > LEARN_FLOOR && r.demand > 0 && r.serving > 0) {
    // worst case, as the headroom raise assumes: the optional content is all the work
    const observed = u / ((r.demand / r.serving) * r.dimmer);
    // a demand so small that the quotient overflows (1e-310 req/s) teaches nothing: an infinite cost, once
    // learned, would stay for good (smoothing keeps it) and the raise would never find room again
    if (Number.isFinite(observed)) work = work === undefined ? observed : WORK_SMOOTHING * observed + (1 - WORK_SMOOTHING) * work;
  }
  return { ...(holt ? { holt } : {}), ...(work !== undefined ? { work } : {}), serving: r.serving };
}

/**
 * The largest dimmer at which the forecast demand of the next period (plus `margin` errors), spread over the
 * members serving now, keeps their utilization at or below `utilization`, at most 1; no room while the
 * forecast or the capacity is not known yet, or nothing serves.
 */
export function raiseAheadRoom(state: DimmerRaiseAheadState, serving: number, config: DimmerRaiseAheadConfig): RaiseAheadRoom {
  const holt = state.holt;
  const forecast = holt ? holtForecast(holt, holt.stepMs) : undefined;
  if (!holt || forecast === undefined) return { why: 'no forecast yet' };
  const work = config.capacity !== undefined ? 1 / config.capacity : state.work;
  if (work === undefined || work <= 0) return { why: 'no capacity estimate yet' };
  if (serving <= 0) return { why: 'no member serving' };
  const expected = Math.max(forecast + config.margin * holt.error, 1e-9);
  const perMember = config.utilization / work; // demand one member carries at dimmer 1 within `utilization`
  const room = Math.min(1, (serving * perMember) / expected);
  return {
    room,
    why: `${config.sensor} forecast ${round(forecast)} +/- ${round(holt.error)} next period, ${serving} serving member(s) carry ${round(perMember)} each at dimmer 1 within utilization ${config.utilization} (${config.capacity !== undefined ? 'configured' : 'learned'}): room for dimmer ${round(room)}`,
  };
}

/** Reads the state back from policy state, tolerating absent or malformed values. */
export function readRaiseAheadState(value: Json | undefined): DimmerRaiseAheadState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const v = value as Record<string, Json>;
  const holt = readHolt(v['holt']);
  const work = typeof v['work'] === 'number' && Number.isFinite(v['work']) && v['work'] > 0 ? v['work'] : undefined;
  const serving = typeof v['serving'] === 'number' && Number.isFinite(v['serving']) ? v['serving'] : undefined;
  return { ...(holt ? { holt } : {}), ...(work !== undefined ? { work } : {}), ...(serving !== undefined ? { serving } : {}) };
}

/** The state as plain JSON, for policy state. */
export function raiseAheadJson(state: DimmerRaiseAheadState): Json {
  return { ...(state.holt ? { holt: { ...state.holt } } : {}), ...(state.work !== undefined ? { work: state.work } : {}), ...(state.serving !== undefined ? { serving: state.serving } : {}) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
