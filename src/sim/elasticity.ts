/** A step function: `[timeSeconds, amount]` points sorted by time; each amount holds until the next point. */
export type StepFunction = ReadonlyArray<readonly [number, number]>;

/** SPEC RG / BUNGEE elasticity metrics of a supply curve against a demand curve. */
export interface ElasticityMetrics {
  /** Time-integral of under-provisioned amount divided by the duration (units). */
  readonly accuracyUnder: number;
  /** Time-integral of over-provisioned amount divided by the duration (units). */
  readonly accuracyOver: number;
  /** Fraction of the time under-provisioned (0..1). */
  readonly timeshareUnder: number;
  /** Fraction of the time over-provisioned (0..1). */
  readonly timeshareOver: number;
  /** (supply adaptations - demand changes) per second, each change counted by its size in units. */
  readonly jitter: number;
}

/**
 * Elasticity metrics (SPEC Research Group, BUNGEE) of `supply` against `demand`. The horizon runs from the
 * earliest point of either curve to the latest; before its first point a curve is 0, and its last amount
 * holds to the end of the horizon.
 * @throws RangeError when a curve is unsorted, has non-finite values, or the horizon is empty
 */
export function elasticity(supply: StepFunction, demand: StepFunction): ElasticityMetrics {
  check(supply, 'supply');
  check(demand, 'demand');
  const times = [...new Set([...supply.map(([t]) => t), ...demand.map(([t]) => t)])].sort((a, b) => a - b);
  const start = times[0];
  const end = times[times.length - 1];
  if (start === undefined || end === undefined || !(end > start)) throw new RangeError('elasticity needs curves that span a positive duration');
  let under = 0;
  let over = 0;
  let timeUnder = 0;
  let timeOver = 0;
  // both curves are read in one pass as time moves forward (reading each from its start at every instant made a
  // long run's report quadratic: about 26 of a 37-day simulation's 37 s went here)
  const demandAt = stepReader(demand);
  const supplyAt = stepReader(supply);
  for (let i = 0; i + 1 < times.length; i++) {
    const from = times[i] as number;
    const dt = (times[i + 1] as number) - from;
    const gap = demandAt(from) - supplyAt(from);
    if (gap > 0) {
      under += gap * dt;
      timeUnder += dt;
    } else if (gap < 0) {
      over += -gap * dt;
      timeOver += dt;
    }
  }
  const duration = end - start;
  return {
    accuracyUnder: under / duration,
    accuracyOver: over / duration,
    timeshareUnder: timeUnder / duration,
    timeshareOver: timeOver / duration,
    jitter: (totalChange(supply) - totalChange(demand)) / duration,
  };
}

/**
 * Reads a step function at times that never go back: each call returns the amount of the last point at or before
 * `t` (0 before the first), moving past the points it has already passed, so reading n times costs O(n + points).
 */
function stepReader(curve: StepFunction): (t: number) => number {
  let next = 0;
  let amount = 0;
  return (t) => {
    for (let point = curve[next]; point !== undefined && point[0] <= t; point = curve[++next]) amount = point[1];
    return amount;
  };
}

function totalChange(curve: StepFunction): number {
  let total = 0;
  for (let i = 1; i < curve.length; i++) total += Math.abs((curve[i] as readonly [number, number])[1] - (curve[i - 1] as readonly [number, number])[1]);
  return total;
}

function check(curve: StepFunction, name: string): void {
  let previous = -Infinity;
  curve.forEach(([t, amount], i) => {
    if (!Number.isFinite(t) || !Number.isFinite(amount)) throw new RangeError(`${name}[${i}] must be two finite numbers, got [${t}, ${amount}]`);
    if (t < previous) throw new RangeError(`${name} must be sorted by time: ${name}[${i}] at ${t} s comes after ${previous} s`);
    previous = t;
  });
}
