/**
 * The known shapes of the records the loop writes at every decision, and the test that a given object is of
 * one. Both the store's copy (`copy-known-record`) and Knowledge's own records (`owned-record`) take an object
 * by shape only when it passes this test, and leave any other object to their general path.
 */

/** A shape: its keys in order, the first `required` of them always present. */
export interface Shape {
  readonly keys: readonly string[];
  readonly required: number;
}

export const DECISION: Shape = {
  keys: ['id', 'at', 'entity', 'policy', 'policyName', 'symptom', 'actions', 'reason', 'inputs', 'outcome', 'detail', 'error', 'durations', 'traceId', 'count', 'lastAt'],
  required: 10,
};
export const INVOCATION: Shape = { keys: ['id', 'at', 'entity', 'effector', 'caller', 'params', 'outcome', 'attempts', 'durationMs', 'result', 'error', 'fencingToken'], required: 9 };
export const SYMPTOM: Shape = { keys: ['kind', 'detail'], required: 1 };
export const ACTION: Shape = { keys: ['entity', 'effector', 'params'], required: 2 };
export const INPUT: Shape = { keys: ['entity', 'sensor', 'value', 'at', 'stale'], required: 4 };
export const DURATIONS: Shape = { keys: ['analyzeMs', 'planMs', 'executeMs'], required: 3 };
export const ERROR: Shape = { keys: ['code', 'message', 'detail'], required: 2 };
export const CALLER: Shape = { keys: ['kind', 'name'], required: 2 };
export const RECORD_OP: Shape = { keys: ['kind', 'value'], required: 2 };
export const STATE_OP: Shape = { keys: ['kind', 'policy', 'key', 'value'], required: 4 };

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Which of the shape's keys `source` has (bit i for `keys[i]`), or -1 when it is not of the shape: not a
 * plain object, a key the shape lacks, keys out of order, or a required key missing.
 */
export function layoutOf(source: object, shape: Shape): number {
  if (Object.getPrototypeOf(source) !== Object.prototype) return -1;
  const { keys, required } = shape;
  let next = 0;
  let present = 0;
  for (const key in source) {
    // an inherited enumerable key (a polluted prototype) is not the record's: the general path decides
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
