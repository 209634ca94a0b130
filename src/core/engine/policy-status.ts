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
