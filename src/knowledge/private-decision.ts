import type { Decision } from './decision.js';
import { ACTION, DECISION, DURATIONS, ERROR, INPUT, SYMPTOM, layoutOf, type Shape } from './copy-known-record.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * True for a value the store's copy gives back as it is: a primitive that is not a symbol (null is left to
 * the general copy, as is anything unexpected).
 */
function primitive(value: unknown): boolean {
  const type = typeof value;
  return type !== 'object' && type !== 'function' && type !== 'symbol';
}

/** Freezes a tree `redact` made (plain objects and arrays, no cycles), leaves first. */
function freezeTree(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  // keys walked in place: a list of them per object would be garbage at every decision
  for (const key in value) freezeTree((value as Record<string, unknown>)[key]);
  Object.freeze(value);
}

/** True for a plain object of `shape` whose fields named in `scalars` are primitives. */
function ofShape(value: unknown, shape: Shape, scalars: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || layoutOf(value, shape) < 0) return false;
  for (let i = 0; i < scalars.length; i++) if (!primitive((value as Record<string, unknown>)[scalars[i] as string])) return false;
  return true;
}

const DECISION_SCALARS = ['id', 'at', 'entity', 'policy', 'policyName', 'reason', 'outcome', 'detail', 'traceId', 'count', 'lastAt'];
const ACTION_SCALARS = ['entity', 'effector'];
const INPUT_SCALARS = ['entity', 'sensor', 'at', 'stale'];
const DURATION_SCALARS = ['analyzeMs', 'planMs', 'executeMs'];
const ERROR_SCALARS = ['code', 'message', 'detail'];
const SYMPTOM_SCALARS = ['kind'];

/**
 * Makes a decision that `boundDecision` just made one the store may keep without a copy (see
 * `privateDecisionWrite`), when it can: its durations are replaced by a copy (the one object in it that
 * bounding shared with the engine's record), and then every object in it is frozen, since the same record
 * goes to every subscriber of `decisions$`, who must not change what was stored. Its symptom, actions,
 * inputs and error are the fresh objects bounding made, their detail, params and values the fresh plain trees
 * `redact` made. False, with the record unchanged, for a record of another shape (an action with steps,
 * checks or compensation, which share objects with the policy's plan), or one whose scalar fields hold
 * objects: the store copies that one on write, as before, and nothing is frozen.
 */
export function adoptBoundDecision(bounded: Writable<Decision>): boolean {
  if (!ofShape(bounded, DECISION, DECISION_SCALARS)) return false;
  const { symptom, actions, inputs, durations, error } = bounded;
  if (!ofShape(symptom, SYMPTOM, SYMPTOM_SCALARS) || !Array.isArray(actions) || !Array.isArray(inputs)) return false;
  for (let i = 0; i < actions.length; i++) if (!ofShape(actions[i], ACTION, ACTION_SCALARS)) return false;
  for (let i = 0; i < inputs.length; i++) if (!ofShape(inputs[i], INPUT, INPUT_SCALARS)) return false;
  // a truthy error is the fresh object bounding made; a falsy one was kept as it was, and must be a primitive
  if ('error' in bounded && (error ? !ofShape(error, ERROR, ERROR_SCALARS) : !primitive(error))) return false;
  if ('durations' in bounded && !ofShape(durations, DURATIONS, DURATION_SCALARS)) return false;
  if ('durations' in bounded) bounded.durations = Object.freeze({ analyzeMs: durations.analyzeMs, planMs: durations.planMs, executeMs: durations.executeMs });
  freezeTree(symptom.detail);
  Object.freeze(symptom);
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i] as Decision['actions'][number];
    freezeTree(action.params);
    Object.freeze(action);
  }
  Object.freeze(actions);
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as Decision['inputs'][number];
    freezeTree(input.value);
    Object.freeze(input);
  }
  Object.freeze(inputs);
  if (error) Object.freeze(error);
  Object.freeze(bounded);
  return true;
}
