import { NON_ACTION_OUTCOMES, type Decision } from '../../src/knowledge/decision.js';
import type { Observed } from './probe.js';

const RAN = new Set(['applied', 'failed']);
const NOT_ACTING = new Set<string>(NON_ACTION_OUTCOMES);
/** Outcomes the engine gives a plan it did not run; each must say why in `detail`. */
const HELD = new Set(['skipped_cooldown', 'rate_limited', 'preempted', 'superseded', 'rejected_stale', 'suspended', 'failed']);

/** maxRestarts within each restarter's window, each policy's cooldown, and every subtree's action budget. */
export function checkLimits(decisions: readonly Decision[], observed: Observed): string[] {
  const problems: string[] = [];
  const byPolicy = new Map<string, Decision[]>();
  for (const d of decisions) byPolicy.set(d.policy, [...(byPolicy.get(d.policy) ?? []), d]);
  for (const [id, list] of byPolicy) {
    const policy = observed.policies.get(id);
    if (!policy) continue;
    if (policy.name === 'restarter') {
      const max = Number(policy.config['maxRestarts']);
      const window = Number(policy.config['window']);
      const stamps = list
        .filter((d) => RAN.has(d.outcome) && d.actions[0]?.effector === policy.config['restartEffector'])
        .map((d) => ((d.symptom.detail as { plannedAt?: number } | undefined)?.plannedAt ?? d.at))
        .sort((a, b) => a - b);
      for (let i = 0; i + max < stamps.length; i++) {
        const [first, last] = [stamps[i] as number, stamps[i + max] as number];
        if (last - first < window) problems.push(`${id}: ${max + 1} restarts within ${(last - first) / 1000} s (at most ${max} per ${window / 1000} s), from ${first / 1000} s`);
      }
    }
    if (policy.cooldownMs > 0) {
      // a plan the engine's stop failed before it started never ran (and nothing starts after a stop)
      const ran = list.filter((d) => (RAN.has(d.outcome) || d.outcome === 'dry_run') && d.error?.code !== 'E_ENGINE_STOPPED').sort((a, b) => a.at - b.at);
      for (let i = 1; i < ran.length; i++) {
        const gap = (ran[i] as Decision).at - (ran[i - 1] as Decision).at;
        if (gap < policy.cooldownMs) problems.push(`${id}: plans ${gap / 1000} s apart at ${(ran[i] as Decision).at / 1000} s, inside its ${policy.cooldownMs / 1000} s cooldown`);
      }
    }
  }
  for (const budget of observed.budgets) {
    const spends = observed.begins.flatMap((b) => b.spent.filter((s) => s.budget === budget.entity).map((s) => ({ at: b.at, n: s.n })));
    for (const spend of spends) {
      const used = spends.filter((s) => s.at <= spend.at && s.at > spend.at - budget.windowMs).reduce((sum, s) => sum + s.n, 0);
      if (used > budget.maxActions) problems.push(`budget of ${budget.entity}: ${used} actions within ${budget.windowMs / 1000} s at ${spend.at / 1000} s (at most ${budget.maxActions})`);
    }
  }
  return problems;
}

/** No effector attempt on an entity that was stopping or stopped at that moment. */
export function checkStopped(observed: Observed): string[] {
  return observed.attempts
    .filter((a) => a.state === 'stopping' || a.state === 'stopped')
    .map((a) => `${a.effector}(${a.entity}) attempted at ${a.at / 1000} s while it was ${a.state}`);
}

/**
 * Every plan gets exactly one Decision (as many decisions as plans, per policy; an id repeats only as a coalesced record's update), and every decision
 * not to act says why: a non-empty reason, an outcome that is not `applied`, and a detail for held plans.
 */
export function checkDecisions(decisions: readonly Decision[], observed: Observed): string[] {
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.policy, (counts.get(d.policy) ?? 0) + 1);
  for (const id of new Set([...counts.keys(), ...observed.plans.keys()])) {
    const plans = observed.plans.get(id) ?? 0;
    const recorded = counts.get(id) ?? 0;
    if (plans !== recorded) problems.push(`${id}: ${plans} plans but ${recorded} decisions`);
  }
  // an id comes again only as a coalesced record's update: same policy and outcome, its count one higher
  const last = new Map<string, Decision>();
  for (const d of decisions) {
    const before = last.get(d.id);
    const count = d.count ?? 1;
    if (before === undefined ? count !== 1 : before.policy !== d.policy || before.outcome !== d.outcome || count !== (before.count ?? 1) + 1) {
      problems.push(`decision ${d.id} of ${d.policy} (${d.outcome}, count ${count}) is neither new nor the next update of a coalesced record`);
    }
    last.set(d.id, d);
  }
  for (const d of decisions) {
    const where = `${d.policy} at ${d.at / 1000} s (${d.outcome})`;
    if (d.reason.trim() === '') problems.push(`${where}: no reason`);
    if (d.actions.length === 0 && RAN.has(d.outcome)) problems.push(`${where}: a plan with no actions recorded as ${d.outcome}`);
    if (NOT_ACTING.has(d.outcome) && d.actions.length > 0) problems.push(`${where}: a decision not to act lists actions`);
    if (HELD.has(d.outcome) && !d.detail?.trim()) problems.push(`${where}: held without saying why (no detail)`);
  }
  return problems;
}
