import { z } from 'zod';

/**
 * How a parent's health follows from its children or members.
 * - `all`: every one is up, and there is at least one (Brooklyn's default for applications)
 * - `atLeastOne`: Brooklyn's default for groups
 * - `atLeast`: at least `n` are up
 * - `fraction`: at least `value` (0..1) of them are up, and there is at least one
 */
export type QuorumRule = { rule: 'all' } | { rule: 'atLeastOne' } | { rule: 'atLeast'; n: number } | { rule: 'fraction'; value: number };

/** Schema of a quorum rule as written in blueprints. */
export const quorumRuleSchema = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('all') }),
  z.object({ rule: z.literal('atLeastOne') }),
  z.object({ rule: z.literal('atLeast'), n: z.number().int().min(1) }),
  z.object({ rule: z.literal('fraction'), value: z.number().gt(0).max(1) }),
]);

/**
 * Decides quorum from the up-flags of the children or members.
 * Unknown health (undefined: no reading, or stale) counts as not up: health is never assumed.
 */
export function hasQuorum(rule: QuorumRule, up: ReadonlyArray<boolean | undefined>): boolean {
  return quorumHolds(rule, up.filter((u) => u === true).length, up.length);
}

/**
 * Decides quorum from counts: `healthy` of `total` children or members are up (the others unknown or down).
 * What `hasQuorum` decides, for a caller that keeps the counts as sources come, go and change.
 */
export function quorumHolds(rule: QuorumRule, healthy: number, total: number): boolean {
  switch (rule.rule) {
    case 'all':
      return total > 0 && healthy === total;
    case 'atLeastOne':
      return healthy >= 1;
    case 'atLeast':
      return healthy >= rule.n;
    case 'fraction':
      return total > 0 && healthy / total >= rule.value;
  }
}

/** Describes a rule for reasons and logs, e.g. `at least 2 of 3 up`. */
export function describeQuorum(rule: QuorumRule, up: ReadonlyArray<boolean | undefined>): string {
  const healthy = up.filter((u) => u === true).length;
  const need = rule.rule === 'all' ? 'all' : rule.rule === 'atLeastOne' ? 'at least 1' : rule.rule === 'atLeast' ? `at least ${rule.n}` : `${rule.value * 100}%`;
  return `${healthy} of ${up.length} up (need ${need})`;
}
