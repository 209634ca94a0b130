import type { Decision, DecisionOutcome } from '../../knowledge/decision.js';

/**
 * The outcomes that are decisions not to act (or not to act now). A loop that keeps deciding the same one
 * at every reading (a cooldown, a block, a suspension) would drown the log, so runs of them are coalesced.
 * Outcomes where something was done or attempted (`applied`, `dry_run`, `failed`, `superseded`) never are.
 */
export const COALESCED_OUTCOMES: ReadonlySet<DecisionOutcome> = new Set<DecisionOutcome>([
  'skipped_cooldown',
  'no_action',
  'blocked',
  'refused',
  'quota_exceeded',
  'rate_limited',
  'preempted',
  'suspended',
  'rejected_stale',
]);

/**
 * Coalesces one policy's runs of identical decisions not to act: the first is recorded as it is; each
 * further one with the same outcome, symptom kind, reason and actions (entity and effector; details such as
 * "N ms left" may differ) becomes an update of that record (same id and `at`, the latest plan's details,
 * `count` plans, `lastAt` the latest). Any other decision of the policy ends the run. Every plan still maps
 * to exactly one record, so the sum of `count` is the number of plans.
 */
export class DecisionCoalescer {
  private run: { readonly key: string; readonly first: Decision; count: number } | undefined;

  /** The record to store for this decision: the decision itself, or the run's record updated by it. */
  coalesce(decision: Decision): Decision {
    if (!COALESCED_OUTCOMES.has(decision.outcome)) {
      this.run = undefined;
      return decision;
    }
    const key = keyOf(decision);
    if (this.run?.key !== key) {
      this.run = { key, first: decision, count: 1 };
      return decision;
    }
    this.run.count += 1;
    // a bare spread, then the fields set: in V8 a literal with keys after a spread takes a slow path
    const update: { -readonly [K in keyof Decision]: Decision[K] } = { ...decision };
    update.id = this.run.first.id;
    update.at = this.run.first.at;
    update.count = this.run.count;
    update.lastAt = decision.at;
    // the update of a frozen record is frozen too (its parts are the record's, frozen already)
    return Object.isFrozen(decision) ? Object.freeze(update) : update;
  }
}

function keyOf(d: Decision): string {
  return JSON.stringify([d.outcome, d.symptom.kind, d.reason, d.actions.map((a) => `${a.entity}.${a.effector}`)]);
}
