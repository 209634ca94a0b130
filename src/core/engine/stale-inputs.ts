import type { EntityTree } from '../entity-tree.js';
import type { InputSensors } from './input-sensors.js';
import type { Plan } from '../../policies/define-policy.js';
import type { Observation } from '../../sensors/reading.js';

/**
 * Names the inputs that are stale now: flagged stale by the analyzer, or older than their sensor's
 * staleness bound. A plan built on stale data is not executed (missing data is never read as zero).
 * `sensors`: the policy's memo of its inputs' sensors (the same answers as looking them up in `tree`).
 */
export function staleInputs(tree: EntityTree, inputs: readonly Observation[], now: number, sensors?: InputSensors): readonly string[] {
  // most plans have no stale input: the list is made at the first one found
  let stale: string[] | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as Observation;
    if (input.stale) {
      (stale ??= []).push(`${input.entity}.${input.sensor}`);
      continue;
    }
    const sensor = sensors ? sensors.sensorOf(i, input.entity, input.sensor) : tree.find(input.entity)?.findSensor(input.sensor);
    const bound = sensor?.definition.staleAfterMs;
    if (bound !== undefined && now - input.at > bound) (stale ??= []).push(`${input.entity}.${input.sensor} (${now - input.at} ms old, bound ${bound} ms)`);
  }
  return stale ?? NONE_STALE;
}

/** No stale input (one shared empty list). */
const NONE_STALE: readonly string[] = Object.freeze([]);

/**
 * Checks a plan's `expect` list against the sensors' current values at the moment it starts executing;
 * returns what changed (e.g. `web.group.size is 5, the plan expected 3`), or undefined when all still hold.
 */
export function changedExpectations(tree: EntityTree, plan: Plan): string | undefined {
  if (!plan.expect) return undefined;
  const changed: string[] = [];
  for (const e of plan.expect) {
    const value = tree.find(e.entity)?.findSensor(e.sensor)?.value;
    if (value !== e.value) changed.push(`${e.entity}.${e.sensor} is ${JSON.stringify(value) ?? 'unknown'}, the plan expected ${JSON.stringify(e.value)}`);
  }
  return changed.length > 0 ? changed.join('; ') : undefined;
}
