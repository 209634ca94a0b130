import type { PolicyStatus } from './attachment.js';
import type { PolicyRunner } from './policy-runner.js';

/** What the engine says of one attached policy (`dryRunAll`: the engine's own dry run, which covers every policy). */
export function policyStatus(runner: PolicyRunner, dryRunAll: boolean): PolicyStatus {
  const a = runner.attachment;
  const name = a.definition.name;
  const entity = a.entity.id;
  const state = runner.state;
  const executor = runner.executorPhase;
  const dryRun = a.dryRun || dryRunAll;
  // two literals of fixed shape (the same keys in the same order as before) rather than a spread of a
  // conditional object: attach returns a status for each of a million policies
  if (a.suspendedReason === undefined) return { id: a.id, name, entity, state, executor, suspended: a.suspended, dryRun, cooldownMs: a.cooldownMs, faults: runner.faults };
  return { id: a.id, name, entity, state, executor, suspended: a.suspended, suspendedReason: a.suspendedReason, dryRun, cooldownMs: a.cooldownMs, faults: runner.faults };
}

/** The policies that are stopped (neither running nor restarting): up to `limit` of their ids, and how many. */
export interface StoppedPolicies {
  readonly ids: string[];
  readonly count: number;
}

/** Finds the stopped policies among `runners` without building a status for each (a readiness probe asks often). */
export function stoppedPolicies(runners: ReadonlyMap<string, PolicyRunner>, limit: number): StoppedPolicies {
  const ids: string[] = [];
  let count = 0;
  runners.forEach((runner, id) => {
    if (runner.state !== 'stopped') return;
    count += 1;
    if (ids.length < limit) ids.push(id);
  });
  return { ids, count };
}

/** A policy's state as the `homeostat_policies` gauge counts it. */
export type GaugedPolicyState = 'running' | 'restarting' | 'suspended' | 'dry_run';

/**
 * How many policies of each name are in each gauged state (restarting first, then suspended, then dry run,
 * else running), counted from the runners without building a status for each (a scrape asks every few seconds).
 */
export function countPolicyStates(runners: ReadonlyMap<string, PolicyRunner>, dryRunAll: boolean): Map<string, Map<GaugedPolicyState, number>> {
  const counts = new Map<string, Map<GaugedPolicyState, number>>();
  runners.forEach((runner) => {
    const a = runner.attachment;
    const state: GaugedPolicyState = runner.state === 'restarting' ? 'restarting' : a.suspended ? 'suspended' : a.dryRun || dryRunAll ? 'dry_run' : 'running';
    let byState = counts.get(a.definition.name);
    if (!byState) counts.set(a.definition.name, (byState = new Map()));
    byState.set(state, (byState.get(state) ?? 0) + 1);
  });
  return counts;
}
