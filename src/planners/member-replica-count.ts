import { utilization } from './member-requests.js';

/**
 * One member's reading of a per-member metric, with what the member's lifecycle says about it (Kubernetes'
 * pod phases): `pending` (starting: it cannot take load yet), `running`, or `gone` (stopping, stopped or
 * failed: it is left out altogether).
 */
export interface MemberReading {
  readonly member: string;
  readonly phase: 'pending' | 'running' | 'gone';
  /**
   * Whether the member counts as ready (Kubernetes' Ready condition): it says it is serving (`service.up`),
   * and for `unreadyMembers: exclude` the caller has applied the CPU rule's timing (see leftOutAsUnready).
   */
  readonly ready: boolean;
  /** Its latest fresh reading; undefined when it has none (a missing member). */
  readonly value?: number;
  /**
   * Its request (the capacity it asked for, in the reading's unit), when readings are weighed by requests
   * (`byRequest`); undefined when it has no usable request reading.
   */
  readonly request?: number;
}

/** How the missing-member and unready-member rules treat one per-member metric. */
export interface MemberRules {
  /**
   * `exclude`: a running member that is not ready has its reading left out, and counts at 0 on a scale-up
   * (Kubernetes' CPU resource metrics). `include`: its reading counts like a ready member's (Kubernetes'
   * Pods metrics and non-CPU resources). A pending member is unready either way.
   */
  readonly unreadyMembers: 'exclude' | 'include';
  /**
   * What a missing member counts as on a scale-down: `target` (Kubernetes' Pods metrics), or `capacity`: the
   * readings are shares of each member's capacity (1 = all of it) and a missing member counts at all of it,
   * or at the target when that is higher (Kubernetes' Resource metrics, at 100 % of the request).
   */
  readonly missingMembersAt: 'target' | 'capacity';
  /**
   * Readings are raw usage weighed by each member's `request` (Kubernetes' Resource metrics): the ratio is
   * sum(usage) / sum(request) over the target, a share of the request; a missing member filled in on a
   * scale-down counts at that share of its own request, an unready one on a scale-up at 0 with its request.
   * Default false: every reading weighs the same (the mean).
   */
  readonly byRequest?: boolean;
}

/** Members sorted the way Kubernetes' groupPods sorts pods. */
export interface MemberGroups {
  /** Readings that count, by member. */
  readonly counted: ReadonlyMap<string, number>;
  readonly unready: readonly string[];
  readonly missing: readonly string[];
}

/** Sorts members into counted readings, unready members and missing members (gone ones are left out). */
export function groupMembers(readings: readonly MemberReading[], rules: Pick<MemberRules, 'unreadyMembers'>): MemberGroups {
  const counted = new Map<string, number>();
  const unready: string[] = [];
  const missing: string[] = [];
  for (const r of readings) {
    if (r.phase === 'gone') continue;
    if (r.phase === 'pending') unready.push(r.member);
    else if (r.value === undefined) missing.push(r.member);
    else if (!r.ready && rules.unreadyMembers === 'exclude') unready.push(r.member);
    else counted.set(r.member, r.value);
  }
  return { counted, unready, missing };
}

/** What one per-member metric asks for, and the numbers behind it for the Decision's reason. */
export interface MemberReplicaCount {
  readonly desired: number;
  /** The mean of the counted readings over the target (Kubernetes' usage ratio). */
  readonly ratio: number;
  /** The mean of the counted readings; with `byRequest`, their usage over their requests (the utilization). */
  readonly usage: number;
  /** The ratio recomputed with missing and unready members filled in; undefined when none were. */
  readonly recomputed?: number;
  /** What the missing and unready members changed, in words; empty when nothing did. */
  readonly note: string;
}

/** Inputs of the HPA's replica calculation from per-member readings. */
export interface MemberReplicaCountInput extends MemberRules {
  /** The group's size now (Kubernetes' `currentReplicas`). */
  readonly current: number;
  readonly readings: readonly MemberReading[];
  readonly target: number;
  /** Dead band around 1 for the usage ratio, both directions. */
  readonly tolerance: number;
}

/**
 * The size one per-member metric asks for, as Kubernetes' replica calculator computes it from pod metrics:
 * the ratio of the counted readings' mean to the target; with no missing member and no scale-up past
 * unready members, `ceil(ratio x counted)` outside the tolerance. Otherwise missing members count at 0 on a
 * scale-up and at the target (or all of their capacity) on a scale-down, unready members at 0 on a scale-up
 * only, and the ratio is recomputed: inside the tolerance, or past 1 the other way, the size holds, as it
 * does when `ceil(recomputed x members counted)` moves against the direction.
 * With `byRequest`, each member weighs by its request (see MemberRules.byRequest).
 * @returns undefined when no member has a reading that counts (Kubernetes: no metrics for targeted pods)
 * @throws RangeError for a target that is not positive
 * @throws MissingRequestError with `byRequest`, when a member whose usage enters the ratio has no request
 */
export function memberReplicaCount(input: MemberReplicaCountInput): MemberReplicaCount | undefined {
  const { current, target, tolerance } = input;
  if (!(target > 0)) throw new RangeError(`target must be positive, got ${target}`);
  const { counted, unready, missing } = groupMembers(input.readings, input);
  if (counted.size === 0) return undefined;
  const within = (ratio: number): boolean => Math.abs(ratio - 1) <= tolerance + 1e-9;
  const requests = input.byRequest === true ? new Map(input.readings.map((r) => [r.member, r.request])) : undefined;
  // the counted readings' mean, or with requests their usage over their requests
  const usage = requests ? weighedLevel(counted, requests) : mean([...counted.values()]);
  const ratio = usage / target;
  const scaleUpWithUnready = unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing.length === 0) {
    return { desired: within(ratio) ? current : ceil(ratio * counted.size), ratio, usage, note: '' };
  }
  const filled = new Map(counted);
  const notes: string[] = [];
  if (missing.length > 0 && ratio !== 1) {
    const at = ratio < 1 ? (input.missingMembersAt === 'capacity' ? Math.max(1, target) : target) : 0;
    // with requests, `at` is a share of each member's own request
    for (const member of missing) filled.set(member, requests ? at * (requests.get(member) ?? 0) : at);
    notes.push(`${missing.length} without a reading counted at ${round(at)}${requests && at > 0 ? ' of their request' : ''}`);
  }
  if (scaleUpWithUnready) {
    for (const member of unready) filled.set(member, 0);
    notes.push(`${unready.length} unready counted at 0`);
  }
  const recomputed = (requests ? weighedLevel(filled, requests) : mean([...filled.values()])) / target;
  const note = `${notes.join(', ')}: ratio ${round(ratio)} -> ${round(recomputed)}`;
  const flipped = (ratio < 1 && recomputed > 1) || (ratio > 1 && recomputed < 1);
  if (within(recomputed) || flipped) return { desired: current, ratio, usage, recomputed, note: `${note}, size held` };
  const desired = ceil(recomputed * filled.size);
  if ((recomputed < 1 && desired > current) || (recomputed > 1 && desired < current)) {
    return { desired: current, ratio, usage, recomputed, note: `${note}, size held (${desired} would move the other way)` };
  }
  return { desired, ratio, usage, recomputed, note };
}

/** The members' usage over their requests. */
function weighedLevel(usage: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number | undefined>): number {
  return utilization([...usage].map(([member, value]) => ({ member, usage: value, request: requests.get(member) })));
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** ceil with a little slack: 0.6 x 5 is 3.0000000000000004 in floating point. */
function ceil(value: number): number {
  return Math.ceil(value - 1e-9);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
