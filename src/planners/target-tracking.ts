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

/** Inputs of the HPA's replica calculation for one metric, from an aggregate value. */
export interface ReplicaCountInput {
  /** The group's size now (the HPA's `currentReplicas`). */
  readonly current: number;
  /** Members the reading covers: the size when the reading was taken (it may predate a resize). */
  readonly members: number;
  /** Members ready to serve among them (default: all). */
  readonly ready?: number;
  readonly value: number;
  readonly target: number;
  readonly basis: 'perMember' | 'total';
  /**
   * `members`: a metric the members report (HPA Resource/Pods metrics): with unready members a scale-up
   * counts them at 0. `object`: a metric about something else (HPA Object/External metrics): no readiness
   * rule, the ask is `ceil(ratio x ready)` even when that is below the current size.
   */
  readonly source: 'members' | 'object';
  readonly tolerance: number;
}

/**
 * The size one metric asks for, as Kubernetes' replica calculator computes it from the metric's value:
 * the tolerance band is applied to the ratio the decision is made on (for a scale-up with unready members:
 * the ratio recomputed with them counted at 0), and a recomputed ratio that flips direction holds.
 */
export function replicaCount(input: ReplicaCountInput): { readonly desired: number; readonly ratio: number } {
  const { current, members, value, target, basis, tolerance } = input;
  if (!(target > 0)) throw new RangeError(`target must be positive, got ${target}`);
  const band = tolerance + 1e-9;
  if (basis === 'total') {
    const t = targetTracking({ current, value, target, basis, tolerance });
    return { desired: t.withinTolerance ? current : t.desired, ratio: t.ratio };
  }
  const ratio = value / target;
  if (members === 0) return { desired: Math.ceil(ratio - 1e-9), ratio }; // from zero the HPA ignores the tolerance
  const ready = Math.min(members, input.ready ?? members);
  if (input.source === 'object' || ready >= members || ratio <= 1) {
    if (Math.abs(ratio - 1) <= band) return { desired: current, ratio };
    return { desired: Math.ceil(ratio * ready - 1e-9), ratio };
  }
  // scale-up with unready members: they count at 0 (they may be warming up and will take load)
  const recomputed = (value * ready) / (target * members);
  if (Math.abs(recomputed - 1) <= band || recomputed < 1) return { desired: current, ratio: recomputed };
  return { desired: Math.max(current, Math.ceil(recomputed * members - 1e-9)), ratio: recomputed };
}
