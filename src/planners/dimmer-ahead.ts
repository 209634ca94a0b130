import { z } from 'zod';
import { durationSchema } from '../core/duration.js';
import type { Json } from '../knowledge/store.js';
import { holtForecast, holtUpdate, readHolt, type HoltState } from './holt-forecast.js';

/**
 * Predictive brownout: forecast the demand one period ahead (Holt's smoothing, fitted online) and lower the
 * dimmer before a period the serving members could not carry at the current dimmer, instead of after it.
 */
export const dimmerAheadSchema = z.strictObject({
  /** Sensor with the demand (e.g. the arrival rate, requests/s), read with each response-time reading. */
  sensor: z.string().min(1),
  /** Busy fraction per serving member above which the response time is expected past the threshold. Default 0.9. */
  utilization: z.number().gt(0).max(1).default(0.9),
  /**
   * Demand one serving member carries at dimmer 1 at `utilization`. Without it, it is learned online from the
   * utilization and demand readings (needs the brownout's `utilizationSensor`).
   */
  capacity: z.number().positive().optional(),
  /** Holt's level smoothing. Default 0.5. */
  alpha: z.number().gt(0).max(1).default(0.5),
  /** Holt's trend smoothing. Default 0.5. */
  beta: z.number().gt(0).max(1).default(0.5),
  /** Smoothed forecast errors added to the forecast (headroom for the noise). Default 0. */
  margin: z.number().min(0).default(0),
  /**
   * How long a member the autoscaler adds now takes to serve. Below one period, a member asked now serves the
   * next period, so the group acts ahead only at its maximum or while members boot. Absent: never in time.
   */
  bootDelay: durationSchema.optional(),
});

/** The `ahead` option after parsing. */
export type DimmerAheadConfig = z.output<typeof dimmerAheadSchema>;

/** What the predictive brownout keeps between readings (plain JSON, in policy state). */
export interface DimmerAheadState {
  readonly holt?: HoltState;
  /** Smoothed busy seconds per request per unit of dimmer (the optional content's cost), learned online. */
  readonly work?: number;
}

/** One period's readings the forecast needs. */
export interface AheadReadings {
  readonly demand: number;
  readonly at: number;
  readonly dimmer: number;
  /** Members serving now (the group's size less those booting). */
  readonly serving: number;
  readonly booting: number;
  readonly atMaximum: boolean;
  readonly utilization?: number;
}

/** The highest dimmer the forecast demand leaves room for, and why; or only why the rule did not act. */
export interface AheadLimit {
  /** The highest dimmer that fits: raises stop at it. */
  readonly cap?: number;
  /** Whether the dimmer now is above the cap, so the brownout lowers it ahead. */
  readonly lower?: boolean;
  readonly why: string;
}

/** Smoothing of the learned per-request work. */
const WORK_SMOOTHING = 0.3;
/** Below this dimmer (or utilization) a reading says too little about the optional content's cost. */
const LEARN_FLOOR = 0.05;

/** Folds a period's readings into the state: the demand into the forecast, the per-request work into its estimate. */
export function aheadUpdate(state: DimmerAheadState, r: AheadReadings, config: DimmerAheadConfig): DimmerAheadState {
  const holt = holtUpdate(state.holt, r.demand, r.at, config);
  let work = state.work;
  const u = r.utilization;
  if (config.capacity === undefined && u !== undefined && u > LEARN_FLOOR && u < 1 && r.dimmer > LEARN_FLOOR && r.demand > 0 && r.serving > 0) {
    // worst case, as the headroom raise assumes: the optional content is all the work
    const observed = (u * r.serving) / (r.demand * r.dimmer);
    work = work === undefined ? observed : WORK_SMOOTHING * observed + (1 - WORK_SMOOTHING) * work;
  }
  return { ...(holt ? { holt } : {}), ...(work !== undefined ? { work } : {}) };
}

/**
 * The dimmer cap for the next period: the largest dimmer at which the forecast demand (plus `margin` errors),
 * spread over the members serving now, keeps their utilization at or below `utilization`. Undefined cap when
 * the whole dimmer fits, the group can add a member in time, or the forecast or capacity is not known yet.
 */
export function aheadLimit(state: DimmerAheadState, r: AheadReadings, config: DimmerAheadConfig): AheadLimit {
  const holt = state.holt;
  const forecast = holt ? holtForecast(holt, holt.stepMs) : undefined;
  if (!holt || forecast === undefined) return { why: 'no forecast yet' };
  const expected = forecast + config.margin * holt.error;
  const work = config.capacity !== undefined ? config.utilization / config.capacity : state.work;
  if (work === undefined || work <= 0 || r.serving <= 0) return { why: 'no capacity estimate yet' };
  const perMember = config.utilization / work; // demand one member carries at dimmer 1
  const cap = Math.min(1, (r.serving * perMember) / Math.max(expected, 1e-9));
  const described = `${config.sensor} forecast ${round(forecast)} +/- ${round(holt.error)} next period, ${r.serving} serving member(s) carry ${round(perMember)} each at dimmer 1 (${config.capacity !== undefined ? 'configured' : 'learned'})`;
  if (cap >= 1) return { why: `${described}: room for dimmer 1` };
  const inTime = !r.atMaximum && r.booting === 0 && config.bootDelay !== undefined && config.bootDelay < holt.stepMs;
  if (inTime) return { why: `${described}: a member added now serves in time` };
  const because = r.atMaximum ? 'at its maximum' : r.booting > 0 ? `${r.booting} member(s) booting` : 'a member added now boots past the next period';
  const room = Math.max(0, cap);
  if (room >= r.dimmer) return { cap: room, why: `${described}: room for dimmer ${round(room)}, and the group cannot add capacity before then (${because})` };
  return { cap: room, lower: true, why: `${described}: room for dimmer ${round(room)} only, and the group cannot add capacity before then (${because})` };
}

/** Reads the state back from policy state, tolerating absent or malformed values. */
export function readAheadState(value: Json | undefined): DimmerAheadState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const v = value as Record<string, Json>;
  const holt = readHolt(v['holt']);
  const work = typeof v['work'] === 'number' && Number.isFinite(v['work']) && v['work'] > 0 ? v['work'] : undefined;
  return { ...(holt ? { holt } : {}), ...(work !== undefined ? { work } : {}) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
