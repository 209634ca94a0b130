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
