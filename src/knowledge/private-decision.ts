import { redact } from '../core/redact.js';
import type { Action, Decision } from './decision.js';
import type { Observation } from '../sensors/reading.js';
import { MAX_ITEMS, boundError, text } from './bounded-record.js';
import { ACTION, COMMON_DECISION, DECISION, DURATIONS, INPUT, SYMPTOM, layoutOf } from './copy-known-record.js';
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

// Each field of the record is read once, into a local (a getter is not asked twice for what it gives).

/** An action of entity, effector and maybe params (nothing shared with the policy's plan but what is copied). */
function frozenAction(a: Action): Action | undefined {
  const has = typeof a === 'object' && a !== null ? layoutOf(a, ACTION) : -1;
  if (has < 0) return undefined;
  const { entity, effector, params } = a;
  if (!keptAsIs(entity) || !keptAsIs(effector)) return undefined;
  return Object.freeze(has & 4 ? { entity, effector, params: frozenRedacted(params) } : { entity, effector });
}

function frozenInput(o: Observation): Observation | undefined {
  const has = typeof o === 'object' && o !== null ? layoutOf(o, INPUT) : -1;
  if (has < 0) return undefined;
  const { entity, sensor, value, at, stale } = o;
  if (!keptAsIs(entity) || !keptAsIs(sensor) || !keptAsIs(at) || !keptAsIs(stale)) return undefined;
  const redacted = frozenRedacted(value);
  return Object.freeze(has & 16 ? { entity, sensor, value: redacted, at, stale } : { entity, sensor, value: redacted, at });
}

function frozenSymptom(s: Decision['symptom']): Decision['symptom'] | undefined {
  const has = typeof s === 'object' && s !== null ? layoutOf(s, SYMPTOM) : -1;
  if (has < 0) return undefined;
  const { kind, detail } = s;
  if (typeof kind !== 'string') return undefined;
  // a detail key holding undefined is dropped, as bounding drops it
  return ownSymptom(kind, detail);
}

function frozenDurations(d: Decision['durations']): Decision['durations'] | undefined {
  if (typeof d !== 'object' || d === null || layoutOf(d, DURATIONS) < 0) return undefined;
  const { analyzeMs, planMs, executeMs } = d;
  if (!keptAsIs(analyzeMs) || !keptAsIs(planMs) || !keptAsIs(executeMs)) return undefined;
  return Object.freeze({ analyzeMs, planMs, executeMs });
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
  if (has < 0) return undefined;
  const { id, at, entity, policy, policyName, outcome, traceId, count, lastAt, reason, detail, error } = d;
  if (typeof reason !== 'string' || !(detail === undefined || typeof detail === 'string')) return undefined;
  if (!keptAsIs(id) || !keptAsIs(at) || !keptAsIs(entity) || !keptAsIs(policy) || !keptAsIs(policyName) || !keptAsIs(outcome)) return undefined;
  if (!keptAsIs(traceId) || !keptAsIs(count) || !keptAsIs(lastAt)) return undefined;
  // a truthy error is bounded into a fresh object; a falsy one is kept as it is, and must be a primitive
  if (has & ERROR && !error && !keptAsIs(error)) return undefined;
  const symptom = frozenSymptom(d.symptom);
  const actions = symptom && frozenList(d.actions, frozenAction);
  const inputs = actions && frozenList(d.inputs, frozenInput);
  const durations = has & DURATIONS_KEY ? frozenDurations(d.durations) : undefined;
  if (!inputs || (has & DURATIONS_KEY && !durations)) return undefined;
  const boundedReason = text(reason);
  // the common decision (required keys and durations) is one literal; keys after it go in the shape's order
  if (has === COMMON_DECISION) {
    return Object.freeze({ id, at, entity, policy, policyName, symptom, actions, reason: boundedReason, inputs, outcome, durations: durations as Decision['durations'] });
  }
  const out: Omit<{ -readonly [K in keyof Decision]: Decision[K] }, 'durations'> & { durations?: Decision['durations'] } = { id, at, entity, policy, policyName, symptom, actions, reason: boundedReason, inputs, outcome };
  if (has & DETAIL) out.detail = detail === undefined ? undefined : text(detail);
  if (has & ERROR) out.error = error ? Object.freeze(boundError(error)) : error;
  if (has & DURATIONS_KEY) out.durations = durations;
  if (has & TRACE_ID) out.traceId = traceId;
  if (has & COUNT) out.count = count;
  if (has & LAST_AT) out.lastAt = lastAt;
  return Object.freeze(out) as Decision;
}

/*
 * The parts of the decision the engine records for a plan, built bounded and frozen at once from its policy's
 * symptom and plan (see `ownDecisionRecord`): the same parts `boundPrivateDecision` makes of the engine's record.
 */

/** The policy's actions as a decision keeps them (params redacted), frozen; undefined when one is of another shape (steps, checks). */
export function ownActions(actions: readonly Action[]): Action[] | undefined {
  return frozenList(actions, frozenAction);
}

/** The symptom's inputs as a decision keeps them, frozen; undefined when one is of another shape. */
export function ownInputs(inputs: readonly Observation[]): Observation[] | undefined {
  return frozenList(inputs, frozenInput);
}

/** A decision's symptom of `kind` and `detail` (redacted), frozen. */
export function ownSymptom(kind: string, detail: unknown): Decision['symptom'] {
  return Object.freeze(detail === undefined ? { kind: text(kind) } : { kind: text(kind), detail: frozenRedacted(detail) });
}
