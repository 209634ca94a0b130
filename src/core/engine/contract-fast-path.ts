/**
 * Shape checks for the common symptom and plan, written by hand: the engine checks every symptom and every
 * plan a policy hands it, and a schema parse costs more than the rest of a small decision. Each check
 * answers `true` only for values the contract's schema accepts too (a strict subset: plain objects, the
 * fields the engine reads, no optional field it would have to look into); anything else goes to the schema,
 * which accepts it or says what is wrong. So the fast path changes no verdict and no message.
 */

import { MAX_PLAN_ACTIONS } from '../limits.js';

/** True for a non-empty string (the schema's `id`). */
function isId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/** True for an object with the plain prototype: what a loose object schema and a record schema both take. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** True for an observation the symptom schema takes: entity, sensor, finite `at`, no flag or a boolean one. */
function isPlainObservation(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  const { entity, sensor, at, stale } = value;
  return typeof entity === 'string' && typeof sensor === 'string' && typeof at === 'number' && Number.isFinite(at) && (stale === undefined || typeof stale === 'boolean');
}

/** True when `value` is certainly a valid symptom; false means "ask the schema". */
export function isPlainSymptom(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  const { kind, inputs, detail } = value;
  if (!isId(kind) || !Array.isArray(inputs)) return false;
  if (detail !== undefined && !(isPlainRecord(detail) && Object.getOwnPropertySymbols(detail).length === 0)) return false;
  for (let i = 0; i < inputs.length; i++) if (!isPlainObservation(inputs[i])) return false;
  return true;
}

/** True for an action with only an entity and an effector among the fields the schema checks. */
function isBareAction(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  const a = value;
  return isId(a['entity']) && isId(a['effector']) && a['params'] === undefined && a['id'] === undefined && a['after'] === undefined && a['timeoutMs'] === undefined && a['check'] === undefined && a['compensate'] === undefined;
}

/** True when `value` is certainly a valid plan (bare actions, a reason, no optional plan field); false means "ask the schema". */
export function isPlainPlan(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  const p = value;
  const actions = p['actions'];
  if (!Array.isArray(actions) || actions.length > MAX_PLAN_ACTIONS || typeof p['reason'] !== 'string') return false;
  if (p['cooldown'] !== undefined || p['scope'] !== undefined || p['nonAction'] !== undefined || p['targets'] !== undefined || p['expect'] !== undefined) return false;
  for (let i = 0; i < actions.length; i++) if (!isBareAction(actions[i])) return false;
  return true;
}
