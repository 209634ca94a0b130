import type { BrownoutConfig } from './brownout-config.js';

/**
 * The dimmer after a raise: one raise step, or with `raiseBy: headroom` the most whole steps (at least one)
 * that keep the utilization, grown in proportion to the dimmer, at or below `low.utilization`.
 */
export function raiseTo(dimmer: number, utilization: number | undefined, config: Pick<BrownoutConfig, 'step' | 'raiseStep' | 'raiseBy' | 'low'>): number {
  const step = config.raiseStep ?? config.step;
  let steps = 1;
  // at dimmer 0 there is no optional content whose cost could be scaled: one step
  if (config.raiseBy === 'headroom' && utilization !== undefined && dimmer > 0) {
    // the dimmer at which utilization would reach low (an idle group has room for all of it)
    const room = utilization > 0 ? (dimmer * config.low.utilization) / utilization : 1;
    steps = Math.max(1, Math.floor((room - dimmer) / step + 1e-9));
  }
  return Math.min(1, round(dimmer + steps * step));
}

/**
 * The dimmer after an overload is over, with `overload.release: restore`: back to `before` if the utilization,
 * grown in proportion to the dimmer (the worst case), stays at or below `high.utilization` there; else the
 * most whole raise steps that keep it there, at least one. Without a utilization reading, all the way.
 */
export function restoreTo(dimmer: number, before: number, utilization: number | undefined, config: Pick<BrownoutConfig, 'step' | 'raiseStep' | 'high'>): number {
  if (utilization === undefined || utilization <= 0) return before;
  const step = config.raiseStep ?? config.step;
  // at dimmer 0 there is no optional content whose cost could be scaled: one step
  const room = dimmer > 0 ? (dimmer * config.high.utilization) / utilization : dimmer + step;
  if (room >= before) return before;
  const steps = Math.max(1, Math.floor((room - dimmer) / step + 1e-9));
  return Math.min(before, round(dimmer + steps * step));
}

/**
 * The dimmer after the most whole raise steps from `dimmer` that stay at or below `room` (none: `dimmer`), at
 * most 1: how far a forecast-sized raise (`raiseAhead`) goes.
 */
export function raiseWithin(dimmer: number, room: number, config: Pick<BrownoutConfig, 'step' | 'raiseStep'>): number {
  if (room <= dimmer) return dimmer;
  const step = config.raiseStep ?? config.step;
  return Math.min(1, round(dimmer + step * Math.floor((room - dimmer) / step + 1e-9)));
}

/** A dimmer value rounded to a thousandth, so that steps add up without floating-point drift. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
