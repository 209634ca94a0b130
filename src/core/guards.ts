import type { EntityTree } from './entity-tree.js';
import type { Guard } from '../knowledge/decision.js';
import { holds } from './engine/check-wait.js';

/** What a guard found: whether it holds, and a sentence saying what was read. */
export interface GuardResult {
  readonly holds: boolean;
  /** False when there was no fresh reading to judge by (the guard then does not hold). */
  readonly known: boolean;
  readonly description: string;
}

/** `app.service.up eq true` */
export function describeGuard(guard: Guard): string {
  return `${guard.entity}.${guard.sensor} ${guard.op} ${String(guard.value)}`;
}

/**
 * Reads a guard now. A missing entity, a missing sensor, no reading or a stale one never holds: a guard
 * is a precondition, and the loop does not act on data it does not have.
 */
export function evaluateGuard(tree: EntityTree, guard: Guard): GuardResult {
  const entity = tree.find(guard.entity);
  if (!entity) return { holds: false, known: false, description: `${describeGuard(guard)}: no entity '${guard.entity}'` };
  if (!entity.hasSensor(guard.sensor)) return { holds: false, known: false, description: `${describeGuard(guard)}: '${guard.entity}' has no sensor '${guard.sensor}'` };
  const sensor = entity.sensor(guard.sensor);
  const value = sensor.value;
  if (value === undefined) return { holds: false, known: false, description: `${describeGuard(guard)}: no fresh reading` };
  return { holds: holds({ ...guard, withinMs: 0 }, value), known: true, description: `${describeGuard(guard)} (is ${JSON.stringify(value)})` };
}

/**
 * The first guard that does not hold, or undefined when all hold. With `unknownHolds`, a guard without a
 * fresh reading counts as holding: for a runbook's trigger, which stops a run only on a reading that says
 * the trigger cleared (the site is back), never on missing data.
 */
export function firstFailingGuard(tree: EntityTree, guards: readonly Guard[] | undefined, options: { unknownHolds?: boolean } = {}): GuardResult | undefined {
  for (const guard of guards ?? []) {
    const result = evaluateGuard(tree, guard);
    if (!result.holds && (result.known || !options.unknownHolds)) return result;
  }
  return undefined;
}
