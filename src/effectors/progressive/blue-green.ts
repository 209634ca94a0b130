import type { Entity } from '../../core/entity.js';
import { HomeostatError, describeError } from '../../core/errors.js';
import { analyseStep, describeResults, type CheckResult, type MetricCheck } from './analysis.js';
import { versionOf, type OperationDeps } from './member-ops.js';
import { sampleDuring } from './sampler.js';

/** A blue-green release of a cluster. */
export interface BlueGreenPlan {
  readonly version: string;
  readonly checks: readonly MetricCheck[];
  /** How long the new set is analysed against the old one before the switch (ms). */
  readonly analysis: number;
  /** How long the old set is kept after the switch, to switch back to when a check fails (ms). */
  readonly keepOldFor: number;
}

/** How a blue-green release acts on its cluster. */
export interface BlueGreenOps {
  /** Starts one new member at a version. */
  spawn(version: string): Entity;
  healthy(member: Entity): Promise<void>;
  /**
   * Whether a member serves now. With it, the new set is checked again just before the switch and before the
   * old set is retired: a member down is waited for (`healthy`), and one that stays down stops the release.
   */
  available?(member: Entity): boolean;
  /** How long `healthy` waits for a member (ms), to say so when one stays down. */
  readonly healthTimeout?: number;
  retire(member: Entity): void;
  /** Sends traffic to a set: publishes which set is active (and tells a router, when one is named). */
  switchTo(version: string, members: readonly Entity[]): Promise<void>;
}

/** A blue-green release that did not complete: in which phase, and what it left serving. */
export class BlueGreenAbortedError extends HomeostatError {
  constructor(readonly phase: 'start' | 'analysis' | 'switch' | 'switched', why: string, serving: readonly string[]) {
    super('E_BLUE_GREEN_ABORTED', `blue-green ${phase === 'switched' ? 'switched back' : 'aborted before the switch'} (${why}); serving: ${serving.join(', ')}`);
  }
}

const OPERATION = 'blueGreen';

/**
 * Runs a blue-green release: starts a new set beside the old one (as many members), waits for its health
 * gate, analyses it against the old set for `analysis`, then switches traffic to it. The old set is kept
 * for `keepOldFor` while the checks go on against their thresholds; a check that fails then switches back
 * to the old set and retires the new one. Otherwise the old set is retired. Just before the switch and before
 * the old set is retired the new set is checked again (`ops.available`): a member down is waited for within its
 * health gate, and one that stays down aborts the switch, or switches back. Every phase is recorded.
 * @throws BlueGreenAbortedError (the old set still serves)
 */
export async function runBlueGreen(cluster: string, old: readonly Entity[], plan: BlueGreenPlan, ops: BlueGreenOps, deps: OperationDeps): Promise<{ active: string[]; retired: string[]; analysis: CheckResult[] }> {
  const oldVersion = old.map(versionOf).find((v) => v !== undefined) ?? 'unknown';
  const sensors = [...new Set(plan.checks.map((c) => c.sensor))];
  const fresh: Entity[] = [];
  const record = (kind: string, reason: string, pass: boolean, detail: Record<string, unknown>, actions: ReadonlyArray<{ entity: string; effector: string; params?: unknown }> = []): void =>
    deps.record({ entity: cluster, operation: OPERATION, symptom: { kind: `blueGreen.${kind}`, detail: { version: plan.version, from: oldVersion, ...detail } }, actions, reason, outcome: pass ? 'applied' : 'failed', ...(pass ? {} : { error: { code: 'E_BLUE_GREEN', message: reason } }) });
  const discard = (phase: 'start' | 'analysis' | 'switch', why: string): never => {
    for (const member of fresh) ops.retire(member);
    record(phase, `blue-green to ${plan.version} aborted (${why}): the new set ${fresh.map((m) => m.id).join(', ')} is retired; ${old.map((m) => m.id).join(', ')} on ${oldVersion} still serve`, false, { retired: fresh.map((m) => m.id) });
    throw new BlueGreenAbortedError(phase, why, old.map((m) => m.id));
  };
  try {
    for (let i = 0; i < old.length; i++) fresh.push(ops.spawn(plan.version));
    await Promise.all(fresh.map((m) => ops.healthy(m)));
  } catch (error) {
    return discard('start', `health gate: ${describeError(error)}`);
  }
  let samples;
  try {
    samples = await sampleDuring(sensors, { canary: fresh, baseline: old }, plan.analysis, deps.scheduler, deps.signal);
  } catch (error) {
    return discard('analysis', `interrupted: ${describeError(error)}`);
  }
  const analysis = analyseStep(plan.checks, samples, old.length > 0);
  const numbers = plan.checks.length > 0 ? describeResults(analysis.results) : 'no checks';
  record('analysis', `new set ${fresh.map((m) => m.id).join(', ')} on ${plan.version} against ${oldVersion} for ${plan.analysis / 1000} s; ${numbers}: ${analysis.pass ? 'switch' : 'abort'}`, analysis.pass, { checks: analysis.results, green: fresh.map((m) => m.id), blue: old.map((m) => m.id) });
  if (!analysis.pass) return discard('analysis', `analysis failed: ${describeResults(analysis.results.filter((r) => !r.pass))}`);
  const unfitToServe = await stillDown(fresh, ops);
  if (unfitToServe !== undefined) return discard('switch', `the new set is not healthy before the switch: ${unfitToServe}`);
  await ops.switchTo(plan.version, fresh);
  record('switched', `traffic switched to ${fresh.map((m) => m.id).join(', ')} on ${plan.version}; ${old.map((m) => m.id).join(', ')} kept for ${plan.keepOldFor / 1000} s to switch back`, true, { active: fresh.map((m) => m.id), kept: old.map((m) => m.id) });
  const after = await sampleDuring(sensors, { canary: fresh, baseline: [] }, plan.keepOldFor, deps.scheduler, deps.signal).catch(() => undefined);
  // only a definite failure switches back: a quiet metric after a passed analysis is no reason to
  const failed = after ? analyseStep(plan.checks, after, false).results.filter((r) => !r.pass && !r.why.startsWith('inconclusive')) : [];
  const why = failed.length > 0 ? `after the switch: ${describeResults(failed)}` : await stillDown(fresh, ops).then((down) => (down === undefined ? undefined : `the new set is not healthy before retiring the old set: ${down}`));
  if (why !== undefined) {
    await ops.switchTo(oldVersion, old);
    for (const member of fresh) ops.retire(member);
    record('switchedBack', `${why}: switched back to ${old.map((m) => m.id).join(', ')} on ${oldVersion}; retired ${fresh.map((m) => m.id).join(', ')}`, false, { ...(failed.length > 0 ? { checks: failed } : {}), active: old.map((m) => m.id) });
    throw new BlueGreenAbortedError('switched', why, old.map((m) => m.id));
  }
  for (const member of old) ops.retire(member);
  record('completed', `${plan.version} kept for ${plan.keepOldFor / 1000} s without a failing check: retired the old set ${old.map((m) => m.id).join(', ')}`, true, { retired: old.map((m) => m.id) }, old.map((m) => ({ entity: m.id, effector: 'retire' })));
  return { active: fresh.map((m) => m.id), retired: old.map((m) => m.id), analysis: analysis.results };
}

/**
 * Which members of a set read down and stay down past their health gate (`web-3 is down and did not come back
 * within 20 s`), or undefined when every member serves (those down came back in time). Without
 * `ops.available` every member counts as serving.
 */
async function stillDown(members: readonly Entity[], ops: BlueGreenOps): Promise<string | undefined> {
  const down = members.filter((m) => ops.available?.(m) === false);
  if (down.length === 0) return undefined;
  const results = await Promise.allSettled(down.map((m) => ops.healthy(m)));
  const stayed = down.filter((_, i) => results[i]?.status === 'rejected').map((m) => m.id);
  if (stayed.length === 0) return undefined;
  const within = ops.healthTimeout === undefined ? '' : ` within ${ops.healthTimeout / 1000} s`;
  return `${stayed.join(', ')} ${stayed.length === 1 ? 'is' : 'are'} down and did not come back${within}`;
}
