/** Inputs of a target-tracking calculation. */
export interface TargetTrackingInput {
  /** Current capacity (members counted as capacity). */
  readonly current: number;
  /** Observed metric: a per-member average, or a total across the group. */
  readonly value: number;
  /** The metric value each member should carry (per member), or per member of capacity (total). */
  readonly target: number;
  /** `perMember`: desired = ceil(current x value / target). `total`: desired = ceil(value / target). */
  readonly basis: 'perMember' | 'total';
  /** Dead band around the target as a ratio (0.1 = +/-10 %): no change inside it. */
  readonly tolerance: number;
}

/** A target-tracking recommendation. */
export interface TargetTrackingResult {
  readonly desired: number;
  /** value / target, per member (1 = on target). */
  readonly ratio: number;
  readonly withinTolerance: boolean;
}

/**
 * Kubernetes-HPA-style target tracking: the capacity that brings the metric to its target.
 * From zero members a per-member metric cannot be read, so a positive total is needed to scale from zero.
 */
export function targetTracking(input: TargetTrackingInput): TargetTrackingResult {
  const { current, value, target, basis, tolerance } = input;
  if (!(target > 0)) throw new RangeError(`target must be positive, got ${target}`);
  // compare with a little slack: 0.55 / 0.5 is 1.1000000000000001 in floating point, on the band's edge
  const band = tolerance + 1e-9;
  if (basis === 'total') {
    const ratio = current > 0 ? value / (target * current) : value > 0 ? Infinity : 1;
    if (Math.abs(ratio - 1) <= band) return { desired: current, ratio, withinTolerance: true };
    return { desired: Math.ceil(value / target - 1e-9), ratio, withinTolerance: false };
  }
  const ratio = value / target;
  if (Math.abs(ratio - 1) <= band) return { desired: current, ratio, withinTolerance: true };
  return { desired: Math.ceil(current * ratio - 1e-9), ratio, withinTolerance: false };
}

/** Clamps a desired capacity to [min, max]. */
export function clampCapacity(desired: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, desired));
}
