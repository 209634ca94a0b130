import { redact } from '../core/redact.js';
import type { Action, Decision } from './decision.js';
import type { Observation } from '../sensors/reading.js';
import { MAX_ITEMS, boundError, text } from './bounded-record.js';
import { ACTION, DECISION, DURATIONS, INPUT, SYMPTOM, layoutOf } from './copy-known-record.js';
import { keptAsIs } from './kept-as-is.js';

/*
 * The decision the knowledge front records for a record of the engine's shape: bounded as `boundDecision`
 * bounds it (the same keys, order and values), but built as one frozen literal per part, so that the memory
 * store may keep it without a copy of its own (see `privateDecisionWrite`) although every subscriber of
 * `decisions$` gets the same object. A literal freezes without allocating, where a copy made by a spread
 * takes a slower path. Any record of another shape is undefined here, and bounded and copied as before.
 */

/** `value` as `redact` copies it, frozen throughout (its copy is a fresh tree of plain objects and arrays, no cycles). */
function frozenRedacted(value: unknown): unknown {
  const copy = redact(value);
  freezeTree(copy);
  return copy;
}

function freezeTree(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  // keys walked in place: a list of them per object would be garbage at every decision
  for (const key in value) freezeTree((value as Record<string, unknown>)[key]);
  Object.freeze(value);
}

/** The first 200 items of a plain array without holes, each made by `make`; undefined when one cannot be. */
function frozenList<T>(items: readonly T[], make: (item: T) => T | undefined): T[] | undefined {
  if (!Array.isArray(items) || Object.getPrototypeOf(items) !== Array.prototype) return undefined;
  const length = Math.min(items.length, MAX_ITEMS);
  const out = new Array<T>(length);
  for (let i = 0; i < length; i++) {
    if (!(i in items)) return undefined;
    const made = make(items[i] as T);
    if (made === undefined) return undefined;
    out[i] = made;
  }
  return Object.freeze(out) as T[];
}

/** An action of entity, effector and maybe params (nothing shared with the policy's plan but what is copied). */
function frozenAction(a: Action): Action | undefined {
  const has = typeof a === 'object' && a !== null ? layoutOf(a, ACTION) : -1;
  if (has < 0 || !keptAsIs(a.entity) || !keptAsIs(a.effector)) return undefined;
  return Object.freeze(has & 4 ? { entity: a.entity, effector: a.effector, params: frozenRedacted(a.params) } : { entity: a.entity, effector: a.effector });
}

function frozenInput(o: Observation): Observation | undefined {
  const has = typeof o === 'object' && o !== null ? layoutOf(o, INPUT) : -1;
  if (has < 0 || !keptAsIs(o.entity) || !keptAsIs(o.sensor) || !keptAsIs(o.at) || !keptAsIs(o.stale)) return undefined;
  const value = frozenRedacted(o.value);
  return Object.freeze(has & 16 ? { entity: o.entity, sensor: o.sensor, value, at: o.at, stale: o.stale } : { entity: o.entity, sensor: o.sensor, value, at: o.at });
}

function frozenSymptom(s: Decision['symptom']): Decision['symptom'] | undefined {
  const has = typeof s === 'object' && s !== null ? layoutOf(s, SYMPTOM) : -1;
  if (has < 0 || typeof s.kind !== 'string') return undefined;
  // a detail key holding undefined is dropped, as bounding drops it
  return Object.freeze(s.detail === undefined ? { kind: text(s.kind) } : { kind: text(s.kind), detail: frozenRedacted(s.detail) });
}

function frozenDurations(d: Decision['durations']): Decision['durations'] | undefined {
  if (typeof d !== 'object' || d === null || layoutOf(d, DURATIONS) < 0 || !keptAsIs(d.analyzeMs) || !keptAsIs(d.planMs) || !keptAsIs(d.executeMs)) return undefined;
  return Object.freeze({ analyzeMs: d.analyzeMs, planMs: d.planMs, executeMs: d.executeMs });
}

const DETAIL = 1 << DECISION.keys.indexOf('detail');
const ERROR = 1 << DECISION.keys.indexOf('error');
const DURATIONS_KEY = 1 << DECISION.keys.indexOf('durations');
const TRACE_ID = 1 << DECISION.keys.indexOf('traceId');
const COUNT = 1 << DECISION.keys.indexOf('count');
const LAST_AT = 1 << DECISION.keys.indexOf('lastAt');

/**
 * `d` bounded as `boundDecision` bounds it, frozen throughout and sharing nothing with `d`, when `d` is of the
 * engine's shape: a plain record with the decision's keys in order, scalars where scalars belong, and actions
 * of entity, effector and params only (an action with steps, checks or compensation is undefined here). The
 * store may keep it as it is, and every subscriber may be given it.
 */
export function boundPrivateDecision(d: Decision): Decision | undefined {
  const has = typeof d === 'object' && d !== null ? layoutOf(d, DECISION) : -1;
  if (has < 0 || typeof d.reason !== 'string' || !(d.detail === undefined || typeof d.detail === 'string')) return undefined;
  if (!keptAsIs(d.id) || !keptAsIs(d.at) || !keptAsIs(d.entity) || !keptAsIs(d.policy) || !keptAsIs(d.policyName) || !keptAsIs(d.outcome)) return undefined;
  if (!keptAsIs(d.traceId) || !keptAsIs(d.count) || !keptAsIs(d.lastAt)) return undefined;
  // a truthy error is bounded into a fresh object; a falsy one is kept as it is, and must be a primitive
  if (has & ERROR && !d.error && !keptAsIs(d.error)) return undefined;
  const symptom = frozenSymptom(d.symptom);
  const actions = symptom && frozenList(d.actions, frozenAction);
  const inputs = actions && frozenList(d.inputs, frozenInput);
  const durations = has & DURATIONS_KEY ? frozenDurations(d.durations) : undefined;
  if (!inputs || (has & DURATIONS_KEY && !durations)) return undefined;
  const reason = text(d.reason);
  // the common decision (required keys and durations) is one literal; keys after it go in the shape's order
  if (has === (1 << DECISION.required) - 1 + DURATIONS_KEY) {
    return Object.freeze({ id: d.id, at: d.at, entity: d.entity, policy: d.policy, policyName: d.policyName, symptom, actions, reason, inputs, outcome: d.outcome, durations: durations as Decision['durations'] });
  }
  const out: Omit<{ -readonly [K in keyof Decision]: Decision[K] }, 'durations'> & { durations?: Decision['durations'] } = { id: d.id, at: d.at, entity: d.entity, policy: d.policy, policyName: d.policyName, symptom, actions, reason, inputs, outcome: d.outcome };
  if (has & DETAIL) out.detail = d.detail === undefined ? undefined : text(d.detail);
  if (has & ERROR) out.error = d.error ? Object.freeze(boundError(d.error)) : d.error;
  if (has & DURATIONS_KEY) out.durations = durations;
  if (has & TRACE_ID) out.traceId = d.traceId;
  if (has & COUNT) out.count = d.count;
  if (has & LAST_AT) out.lastAt = d.lastAt;
  return Object.freeze(out) as Decision;
}
