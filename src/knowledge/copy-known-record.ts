import { NOT_PLAIN, copyPlain } from './copy-record.js';
import type { WriteOp } from './store.js';

/*
 * The store's copy of the records the loop writes at every decision (a decision, an invocation record, a
 * policy state change), made by their known shape: each object of a known shape is built as one literal, in
 * its keys' order, where the general copy reads its keys, then adds them one by one through a store that
 * sees every shape in the process (several times slower, and an array of keys per object for the collector).
 *
 * The result is the general copy's (`copyRecord`), exactly: an object is taken by shape only when it is a
 * plain object whose own enumerable keys are the shape's (required ones present, in the shape's order); any
 * other object, and every value a policy or a caller chose (symptom detail, params, input values, results),
 * goes to the general copy at the same depth, which throws NOT_PLAIN where it would for the whole record.
 * Then the whole operation is handed to `structuredClone`, as `copyRecord` does.
 */

/** A shape: its keys in order, the first `required` of them always present. */
export interface Shape {
  readonly keys: readonly string[];
  readonly required: number;
}

/** @internal the decision's shape (see `Decision`). */
export const DECISION: Shape = {
  keys: ['id', 'at', 'entity', 'policy', 'policyName', 'symptom', 'actions', 'reason', 'inputs', 'outcome', 'detail', 'error', 'durations', 'traceId', 'count', 'lastAt'],
  required: 10,
};
/** @internal the layout of most decisions: the required keys and durations (no detail, error, trace id or coalescing). */
export const COMMON_DECISION = (1 << DECISION.required) - 1 + (1 << DECISION.keys.indexOf('durations'));
/** @internal the invocation record's shape (see `InvocationRecord`). */
export const INVOCATION: Shape = { keys: ['id', 'at', 'entity', 'effector', 'caller', 'params', 'outcome', 'attempts', 'durationMs', 'result', 'error', 'fencingToken'], required: 9 };
/** @internal a decision's symptom's shape. */
export const SYMPTOM: Shape = { keys: ['kind', 'detail'], required: 1 };
/** @internal a decision's action's shape. */
export const ACTION: Shape = { keys: ['entity', 'effector', 'params'], required: 2 };
/** @internal a decision's input's shape. */
export const INPUT: Shape = { keys: ['entity', 'sensor', 'value', 'at', 'stale'], required: 4 };
/** @internal a decision's durations' shape. */
export const DURATIONS: Shape = { keys: ['analyzeMs', 'planMs', 'executeMs'], required: 3 };
const ERROR: Shape = { keys: ['code', 'message', 'detail'], required: 2 };
/** @internal the caller's shape (see `Caller`). */
export const CALLER: Shape = { keys: ['kind', 'name'], required: 2 };
const RECORD_OP: Shape = { keys: ['kind', 'value'], required: 2 };
const STATE_OP: Shape = { keys: ['kind', 'policy', 'key', 'value'], required: 4 };

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * @internal which of the shape's keys `source` has (bit i for `keys[i]`), or -1 when it is not of the shape:
 * not a plain object, a key the shape lacks, keys out of order, or a required key missing.
 */
export function layoutOf(source: object, shape: Shape): number {
  if (Object.getPrototypeOf(source) !== Object.prototype) return -1;
  const { keys, required } = shape;
  let next = 0;
  let present = 0;
  for (const key in source) {
    // an inherited enumerable key (a polluted prototype) is not the record's: the general copy decides
    if (!hasOwn.call(source, key)) return -1;
    while (next < keys.length && keys[next] !== key) {
      if (next < required) return -1;
      next++;
    }
    if (next === keys.length) return -1;
    present |= 1 << next;
    next++;
  }
  return next >= required ? present : -1;
}

/** A value the shape does not know: as it is when it is a primitive, else the general copy at `depth`. */
function value(item: unknown, depth: number): unknown {
  const type = typeof item;
  return type === 'object' || type === 'function' || type === 'symbol' ? copyPlain(item, depth) : item;
}

type Source = Record<string, unknown>;

function decision(d: unknown, depth: number): unknown {
  if (typeof d !== 'object' || d === null) return value(d, depth);
  const has = layoutOf(d, DECISION);
  if (has < 0) return copyPlain(d, depth);
  const s = d as Source;
  const inner = depth + 1;
  if (has === COMMON_DECISION) {
    // one literal with every key: a key added after a literal goes to a backing store of its own
    return {
      id: value(s['id'], inner),
      at: value(s['at'], inner),
      entity: value(s['entity'], inner),
      policy: value(s['policy'], inner),
      policyName: value(s['policyName'], inner),
      symptom: known(s['symptom'], inner, symptom),
      actions: list(s['actions'], inner, action),
      reason: value(s['reason'], inner),
      inputs: list(s['inputs'], inner, input),
      outcome: value(s['outcome'], inner),
      durations: known(s['durations'], inner, durations),
    };
  }
  const out: Source = {
    id: value(s['id'], inner),
    at: value(s['at'], inner),
    entity: value(s['entity'], inner),
    policy: value(s['policy'], inner),
    policyName: value(s['policyName'], inner),
    symptom: known(s['symptom'], inner, symptom),
    actions: list(s['actions'], inner, action),
    reason: value(s['reason'], inner),
    inputs: list(s['inputs'], inner, input),
    outcome: value(s['outcome'], inner),
  };
  if (has & (1 << 10)) out['detail'] = value(s['detail'], inner);
  if (has & (1 << 11)) out['error'] = known(s['error'], inner, error);
  if (has & (1 << 12)) out['durations'] = known(s['durations'], inner, durations);
  if (has & (1 << 13)) out['traceId'] = value(s['traceId'], inner);
  if (has & (1 << 14)) out['count'] = value(s['count'], inner);
  if (has & (1 << 15)) out['lastAt'] = value(s['lastAt'], inner);
  return out;
}

function invocation(r: unknown, depth: number): unknown {
  if (typeof r !== 'object' || r === null) return value(r, depth);
  const has = layoutOf(r, INVOCATION);
  if (has < 0) return copyPlain(r, depth);
  const s = r as Source;
  const inner = depth + 1;
  const out: Source = {
    id: value(s['id'], inner),
    at: value(s['at'], inner),
    entity: value(s['entity'], inner),
    effector: value(s['effector'], inner),
    caller: known(s['caller'], inner, caller),
    params: value(s['params'], inner),
    outcome: value(s['outcome'], inner),
    attempts: value(s['attempts'], inner),
    durationMs: value(s['durationMs'], inner),
  };
  if (has & (1 << 9)) out['result'] = value(s['result'], inner);
  if (has & (1 << 10)) out['error'] = known(s['error'], inner, error);
  if (has & (1 << 11)) out['fencingToken'] = value(s['fencingToken'], inner);
  return out;
}

/** `item` copied by `copy` when it is a non-null object (which checks its shape), else as a plain value. */
function known(item: unknown, depth: number, copy: (source: Source, depth: number) => unknown): unknown {
  return typeof item === 'object' && item !== null && !Array.isArray(item) ? copy(item as Source, depth) : value(item, depth);
}

/** An array copied item by item with `copy` (as the general copy does: holes read as undefined). */
function list(items: unknown, depth: number, copy: (source: Source, depth: number) => unknown): unknown {
  if (!Array.isArray(items)) return value(items, depth);
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = known(items[i], depth + 1, copy);
  return out;
}

function symptom(s: Source, depth: number): unknown {
  const has = layoutOf(s, SYMPTOM);
  if (has < 0) return copyPlain(s, depth);
  const out: Source = { kind: value(s['kind'], depth + 1) };
  if (has & 2) out['detail'] = value(s['detail'], depth + 1);
  return out;
}

function action(a: Source, depth: number): unknown {
  const has = layoutOf(a, ACTION);
  if (has < 0) return copyPlain(a, depth);
  const out: Source = { entity: value(a['entity'], depth + 1), effector: value(a['effector'], depth + 1) };
  if (has & 4) out['params'] = value(a['params'], depth + 1);
  return out;
}

function input(o: Source, depth: number): unknown {
  const has = layoutOf(o, INPUT);
  if (has < 0) return copyPlain(o, depth);
  const inner = depth + 1;
  const out: Source = { entity: value(o['entity'], inner), sensor: value(o['sensor'], inner), value: value(o['value'], inner), at: value(o['at'], inner) };
  if (has & 16) out['stale'] = value(o['stale'], inner);
  return out;
}

function durations(d: Source, depth: number): unknown {
  if (layoutOf(d, DURATIONS) < 0) return copyPlain(d, depth);
  return { analyzeMs: value(d['analyzeMs'], depth + 1), planMs: value(d['planMs'], depth + 1), executeMs: value(d['executeMs'], depth + 1) };
}

function error(e: Source, depth: number): unknown {
  const has = layoutOf(e, ERROR);
  if (has < 0) return copyPlain(e, depth);
  const out: Source = { code: value(e['code'], depth + 1), message: value(e['message'], depth + 1) };
  if (has & 4) out['detail'] = value(e['detail'], depth + 1);
  return out;
}

function caller(c: Source, depth: number): unknown {
  if (layoutOf(c, CALLER) < 0) return copyPlain(c, depth);
  return { kind: value(c['kind'], depth + 1), name: value(c['name'], depth + 1) };
}

function operation(op: unknown): unknown {
  if (typeof op !== 'object' || op === null) return value(op, 0);
  const s = op as Source;
  if (layoutOf(s, RECORD_OP) >= 0) {
    // each key read once, as the general copy reads it
    const kind = s['kind'];
    if (kind === 'decision') return { kind, value: decision(s['value'], 1) };
    if (kind === 'invocation') return { kind, value: invocation(s['value'], 1) };
  } else if (layoutOf(s, STATE_OP) >= 0 && s['kind'] === 'state') {
    return { kind: 'state', policy: value(s['policy'], 1), key: value(s['key'], 1), value: value(s['value'], 1) };
  }
  return copyPlain(s, 0);
}

/**
 * The store's own copy of a write: the same value `copyRecord(op)` gives (see above), made faster for the
 * decisions, invocation records and state changes the loop writes.
 * @throws DOMException (DataCloneError) for a value `structuredClone` cannot copy, as `copyRecord`
 */
export function copyWriteOp(op: WriteOp): WriteOp {
  try {
    return operation(op) as WriteOp;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return structuredClone(op);
  }
}
