import type { PeriodStats } from './period-stats.js';

/** SWIM's maximum service rate of one server (requests/s). */
export const SWIM_MAX_SERVICE_RATE = 1 / 0.04452713;

/** Parameters of SWIM's utility function (SEAMS 2017 form). */
export interface UtilityParameters {
  readonly maxServers: number;
  readonly responseTimeThreshold: number;
  /** Revenue per request without / with optional content. Defaults 1 and 1.5. */
  readonly basicRevenue?: number;
  readonly optionalRevenue?: number;
  /** Cost per server per second. Default 10. */
  readonly serverCost?: number;
  readonly maxServiceRate?: number;
}

/**
 * Utility of one period, times its length (so that periods of any length add up): with a = mean arrival
 * rate, d = mean dimmer, s = mean servers, U_r = a((1-d)R_B + d R_O), U_c = C(maxServers - s):
 * within the threshold and at full revenue U = U_r + U_c; within the threshold U = U_r; otherwise
 * U = min(0, a - kappa) R_O with kappa = maxServers x maxServiceRate.
 */
export function periodUtility(period: PeriodStats, p: UtilityParameters): number {
  const rb = p.basicRevenue ?? 1;
  const ro = p.optionalRevenue ?? 1.5;
  const cost = p.serverCost ?? 10;
  const kappa = p.maxServers * (p.maxServiceRate ?? SWIM_MAX_SERVICE_RATE);
  const length = period.to - period.from;
  if (length <= 0) return 0;
  const a = period.arrivals / length;
  const d = period.dimmer;
  const revenue = a * ((1 - d) * rb + d * ro);
  const serverSavings = cost * (p.maxServers - period.servers);
  const optimal = a * ro;
  const rt = period.meanResponseTime ?? 0;
  let u: number;
  if (rt <= p.responseTimeThreshold && revenue >= optimal - 1e-5) u = revenue + serverSavings;
  else if (rt <= p.responseTimeThreshold) u = revenue;
  else u = Math.min(0, a - kappa) * ro;
  return u * length;
}
