import type { Action, Decision } from './decision.js';
import type { Observation } from '../sensors/reading.js';

/*
 * What `decisions$` emits of a decision Knowledge built for its store (`owned-record`): a copy, so that a
 * subscriber that changes what it was handed changes nothing stored.
 */

type Source = Record<string, unknown>;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The copy of a decision built here that `decisions$` emits: the same keys and values, no object shared with
 * the stored one (a subscriber may change its copy). Made by spreads, which clone an object of a known layout
 * in one step, at every depth.
 */
export function copyOwnedDecision(d: Decision): Decision {
  const out: Writable<Decision> = { ...d };
  const symptom: Writable<Decision['symptom']> = { ...d.symptom };
  if (typeof symptom.detail === 'object' && symptom.detail !== null) symptom.detail = clone(symptom.detail);
  out.symptom = symptom;
  out.actions = copyList(d.actions, copyAction);
  out.inputs = copyList(d.inputs, copyInput);
  // an error built here is an object, or a falsy primitive kept as it was; durations are any plain value
  if (d.error) out.error = { ...d.error };
  if (typeof d.durations === 'object' && d.durations !== null) out.durations = clone(d.durations) as Decision['durations'];
  return out;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function copyList<T>(items: readonly T[], copy: (item: T) => T): T[] {
  const out = new Array<T>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = copy(items[i] as T);
  return out;
}

function copyAction(a: Action): Action {
  const out: Writable<Action> = { ...a };
  if (typeof a.params === 'object' && a.params !== null) out.params = clone(a.params);
  return out;
}

function copyInput(o: Observation): Observation {
  const out: Writable<Observation> = { ...o };
  if (typeof o.value === 'object' && o.value !== null) out.value = clone(o.value);
  return out;
}

/**
 * A copy of a value of a record built here: plain objects and arrays without holes, symbol keys or own
 * `__proto__` (what `canonical` and `plain` let through), so a spread or a slice clones each level exactly as
 * the general copy would, and faster (an object of a known layout is cloned in one step, where the general
 * copy lists its keys and adds them one by one).
 */
function clone(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item: unknown = out[i];
      if (typeof item === 'object' && item !== null) out[i] = clone(item);
    }
    return out;
  }
  const out: Source = { ...(value as Source) };
  for (const key in out) {
    if (!hasOwn.call(out, key)) continue;
    const item = out[key];
    if (typeof item === 'object' && item !== null) out[key] = clone(item);
  }
  return out;
}
