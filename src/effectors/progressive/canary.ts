import type { Entity } from '../../core/entity.js';
import { HomeostatError, describeError } from '../../core/errors.js';
import { analyseStep, describeResults, type CheckResult, type MetricCheck } from './analysis.js';
import { rollBack, updateActions, updateInBatches, versionOf, type MemberOps, type OperationDeps } from './member-ops.js';
import { sampleDuring } from './sampler.js';

/** One step of a canary: the share of members on the new version (percent), and how long it is analysed. */
export interface CanaryStep {
  readonly weight: number;
  /** ms */
  readonly pause: number;
}

/** A canary release of a cluster's members. */
export interface CanaryPlan {
  readonly version: string;
  readonly steps: readonly CanaryStep[];
  readonly checks: readonly MetricCheck[];
  /** Members moved at once in a step and in the promotion. */
  readonly maxUnavailable: number;
}

/** The analysis of one step, as recorded. */
export interface CanaryStepReport {
  readonly step: number;
  readonly weight: number;
  readonly canary: string[];
  readonly baseline: string[];
  readonly pass: boolean;
  readonly checks: CheckResult[];
}

/**
 * Shifts traffic between the canary and the baseline (a load balancer's or service mesh's weight): told the
 * step's weight once its members are healthy, 100 on promotion, 0 before a rollback.
 */
export type SetTrafficWeight = (weight: number, canary: readonly Entity[], baseline: readonly Entity[]) => Promise<void>;

/** A canary that stopped: at which step, why, and which members were rolled back. */
export class CanaryAbortedError extends HomeostatError {
  constructor(readonly step: number, readonly rolledBack: readonly string[], why: string, readonly reports: readonly CanaryStepReport[] = []) {
    super('E_CANARY_ABORTED', `canary aborted at step ${step}: ${why}; ${rolledBack.length > 0 ? `rolled back ${rolledBack.join(', ')}` : 'nothing to roll back'}`);
  }
}

const OPERATION = 'canary';

/**
 * Members on the new version at a step of `weight` percent of `members`: the count nearest the weight (halves
 * up), and, as Argo Rollouts does for a weight from 1 to 99 with 2 or more replicas, at least one canary and
 * at least one baseline member, so that a step under 100 % always has a baseline to compare with.
 */
export function canaryCount(weight: number, members: number): number {
  if (members <= 1 || weight >= 100) return members;
  const nearest = Math.round((weight * members) / 100);
  return Math.min(members - 1, Math.max(1, nearest));
}

/**
 * Runs a canary over `members`: each step moves the share `weight` of them to the new version (behind the
 * health gate), gathers the checks' sensors on the canary and baseline members for the step's pause, and
 * analyses them; every step's analysis is recorded as a Decision with its numbers. All steps passing
 * promotes: the remaining members are moved in batches. A failing check, a failed health gate or an abort
 * rolls every moved member back to its previous version and throws.
 * @returns the step reports, and the members promoted
 * @throws CanaryAbortedError
 */
export async function runCanary(cluster: string, members: readonly Entity[], plan: CanaryPlan, ops: MemberOps & { readonly setWeight?: SetTrafficWeight }, deps: OperationDeps): Promise<{ steps: CanaryStepReport[]; promoted: string[] }> {
  const previous = new Map(members.map((m) => [m.id, versionOf(m)]));
  const moved: Entity[] = [];
  const reports: CanaryStepReport[] = [];
  const sensors = [...new Set(plan.checks.map((c) => c.sensor))];
  // a member counts as moved (and is rolled back) once its update starts: a batch that never started leaves
  // its members untouched
  const moving: MemberOps = {
    update: (member, version) => {
      if (!moved.includes(member)) moved.push(member);
      return ops.update(member, version);
    },
    healthy: (member) => ops.healthy(member),
    ...(ops.available ? { available: (member: Entity) => ops.available?.(member) ?? true } : {}),
    ...(ops.quorumCost ? { quorumCost: (down: readonly Entity[]) => ops.quorumCost?.(down) } : {}),
  };
  const abort = async (step: number, why: string): Promise<never> => {
    // traffic goes back to the baseline first, so no request reaches a member while it is rolled back
    let traffic = '';
    if (ops.setWeight && moved.length > 0) {
      try {
        await ops.setWeight(0, [], members);
      } catch (error) {
        traffic = `; setting the traffic weight to 0 FAILED: ${describeError(error)}`;
      }
    }
    const { rolledBack, failed, errors } = await rollBack(moved, previous, moving, { group: members, maxUnavailable: plan.maxUnavailable });
    deps.record({
      entity: cluster,
      operation: OPERATION,
      symptom: { kind: 'canary.rollback', detail: { step, version: plan.version, rolledBack, failed } },
      actions: moved.map((m) => ({ entity: m.id, effector: 'update', params: { version: previous.get(m.id) } })),
      reason: `canary of ${plan.version} aborted at step ${step} (${why}): ${ops.setWeight && moved.length > 0 ? 'traffic weight 0, ' : ''}rolled back ${rolledBack.join(', ') || 'nothing'}${failed.length > 0 ? `; rollback FAILED on ${failed.map((id, i) => `${id} (${errors[i] ?? 'unknown error'})`).join(', ')}` : ''}${traffic}`,
      outcome: failed.length > 0 ? 'failed' : 'applied',
      ...(failed.length > 0 ? { error: { code: 'E_ROLLBACK_FAILED', message: `rollback failed on ${failed.join(', ')}` } } : {}),
    });
    throw new CanaryAbortedError(step, rolledBack, why, reports);
  };
  for (const [index, step] of plan.steps.entries()) {
    const number = index + 1;
    const wanted = canaryCount(step.weight, members.length);
    const fresh = members.filter((m) => !moved.includes(m)).slice(0, Math.max(0, wanted - moved.length));
    try {
      await updateInBatches(fresh, plan.version, plan.maxUnavailable, moving, members);
    } catch (error) {
      deps.record({ entity: cluster, operation: OPERATION, symptom: { kind: 'canary.step', detail: { step: number, weight: step.weight, version: plan.version } }, actions: updateActions(fresh, plan.version), reason: `step ${number}/${plan.steps.length} (${step.weight}%): the health gate failed`, outcome: 'failed', error: { code: 'E_HEALTH_GATE', message: describeError(error) } });
      return abort(number, error instanceof HomeostatError && error.code === 'E_NO_ROOM' ? describeError(error) : `health gate: ${describeError(error)}`);
    }
    const baseline = members.filter((m) => !moved.includes(m));
    if (ops.setWeight) {
      try {
        await ops.setWeight(step.weight, moved, baseline);
      } catch (error) {
        deps.record({ entity: cluster, operation: OPERATION, symptom: { kind: 'canary.step', detail: { step: number, weight: step.weight, version: plan.version } }, actions: updateActions(fresh, plan.version), reason: `step ${number}/${plan.steps.length} (${step.weight}%): the traffic weight could not be set`, outcome: 'failed', error: { code: 'E_TRAFFIC_WEIGHT', message: describeError(error) } });
        return abort(number, `traffic weight ${step.weight}: ${describeError(error)}`);
      }
    }
    let samples;
    try {
      samples = await sampleDuring(sensors, { canary: moved, baseline }, step.pause, deps.scheduler, deps.signal);
    } catch (error) {
      return abort(number, `interrupted: ${describeError(error)}`);
    }
    const analysis = analyseStep(plan.checks, samples, baseline.length > 0);
    const report: CanaryStepReport = { step: number, weight: step.weight, canary: moved.map((m) => m.id), baseline: baseline.map((m) => m.id), pass: analysis.pass, checks: analysis.results };
    reports.push(report);
    const next = analysis.pass ? (number < plan.steps.length ? `go on to step ${number + 1}` : 'promote') : 'abort and roll back';
    deps.record({
      entity: cluster,
      operation: OPERATION,
      symptom: { kind: 'canary.step', detail: { ...report, version: plan.version, of: plan.steps.length, pauseMs: step.pause } },
      actions: updateActions(fresh, plan.version),
      reason: `step ${number}/${plan.steps.length}: ${moved.length} of ${members.length} members (${step.weight}%${ops.setWeight ? `, traffic weight ${step.weight}` : ''}) on ${plan.version} for ${step.pause / 1000} s${baseline.length === 0 ? ', no member left on the old version: its baseline limits are not applied' : ''}; ${plan.checks.length > 0 ? describeResults(analysis.results) : 'no checks'}: ${next}`,
      outcome: analysis.pass ? 'applied' : 'failed',
      ...(analysis.pass ? {} : { error: { code: 'E_ANALYSIS_FAILED', message: describeResults(analysis.results.filter((r) => !r.pass)) } }),
    });
    if (!analysis.pass) return abort(number, `analysis failed: ${describeResults(analysis.results.filter((r) => !r.pass))}`);
  }
  const rest = members.filter((m) => !moved.includes(m));
  try {
    await updateInBatches(rest, plan.version, plan.maxUnavailable, moving, members);
  } catch (error) {
    return abort(plan.steps.length, `promotion health gate: ${describeError(error)}`);
  }
  try {
    await ops.setWeight?.(100, members, []);
  } catch (error) {
    return abort(plan.steps.length, `traffic weight 100: ${describeError(error)}`);
  }
  deps.record({
    entity: cluster,
    operation: OPERATION,
    symptom: { kind: 'canary.promoted', detail: { version: plan.version, members: members.map((m) => m.id) } },
    actions: updateActions(rest, plan.version),
    reason: `every step of the canary of ${plan.version} passed: promoted to all ${members.length} members${ops.setWeight ? ', traffic weight 100' : ''}`,
    outcome: 'applied',
  });
  return { steps: reports, promoted: members.map((m) => m.id) };
}
