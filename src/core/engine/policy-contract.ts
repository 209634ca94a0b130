import { isObservable, type Observable } from 'rxjs';
import { z } from 'zod';
import { HomeostatError } from '../errors.js';
import { MAX_PLAN_ACTIONS } from '../limits.js';
import { NON_ACTION_OUTCOMES } from '../../knowledge/decision.js';
import type { Plan, Symptom } from '../../policies/define-policy.js';
import { isPlainPlan, isPlainSymptom } from './contract-fast-path.js';
import { nonJson } from '../json-check.js';

/**
 * A policy broke its contract with the engine: `plan()` returned a Promise or a value that is not a plan,
 * `monitor()`/`analyze()` returned something that is not an Observable, `analyze` emitted something that is
 * not a symptom, or the policy's stream ended. Recorded as a fault; the policy is restarted with backoff.
 */
export class PolicyContractError extends HomeostatError {
  constructor(message: string) {
    super('E_POLICY_CONTRACT', message);
  }
}

/** The largest delay a timer can hold (about 24.8 days); beyond it Node fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
const id = z.string().min(1);
const timerMs = z.number().int().positive().max(MAX_TIMER_MS);

// Loose objects: the engine checks the fields it reads and keeps the rest, so that a field added to Plan or
// Action later is not refused by an older check.
const checkSchema = z.looseObject({
  entity: id,
  sensor: id,
  op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']),
  value: z.union([z.number(), z.boolean(), z.string()]),
  withinMs: timerMs,
});

/** Bounds of recorded params: a plan is a value that is stored and shown, not an arbitrary object graph. */
const MAX_PARAMS_DEPTH = 32;
const MAX_PARAMS_NODES = 10_000;

// Params are recorded in every Decision and sent to stores and streams: plain JSON only, bounded.
const params = z.unknown().superRefine((value, ctx) => {
  const found = nonJson(value, { maxDepth: MAX_PARAMS_DEPTH, maxNodes: MAX_PARAMS_NODES, undefinedAnywhere: true });
  if (found) ctx.addIssue({ code: 'custom', message: found.problem });
});

const actionSchema = z.looseObject({
  entity: id,
  effector: id,
  params: params.optional(),
  id: id.optional(),
  after: z.array(id).optional(),
  timeoutMs: timerMs.optional(),
  check: checkSchema.optional(),
  compensate: z.looseObject({ entity: id, effector: id, params: params.optional() }).optional(),
});

/** What `plan()` must return (or undefined/null for nothing worth recording). */
export const planSchema = z.looseObject({
  actions: z.array(actionSchema).superRefine((actions, ctx) => {
    if (actions.length > MAX_PLAN_ACTIONS) ctx.addIssue({ code: 'custom', message: `a plan has at most ${MAX_PLAN_ACTIONS} actions, got ${actions.length}` });
  }),
  reason: z.string(),
  cooldown: z.looseObject({ key: id, ms: z.number().nonnegative() }).optional(),
  scope: id.optional(),
  nonAction: z.enum(NON_ACTION_OUTCOMES).optional(),
  targets: z.array(id).optional(),
  expect: z.array(z.looseObject({ entity: id, sensor: id, value: z.union([z.number(), z.string(), z.boolean()]) })).optional(),
});

const observationSchema = z.looseObject({ entity: z.string(), sensor: z.string(), at: z.number(), stale: z.boolean().optional() });

/** What `analyze` must emit. */
export const symptomSchema = z.looseObject({
  kind: id,
  inputs: z.array(observationSchema),
  detail: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Checks the value `plan()` returned: undefined or null is "nothing to record"; a Promise is a fault (plans
 * are pure and synchronous); anything else must be a plan.
 * @throws PolicyContractError saying what is wrong and where
 */
export function checkPlan(value: unknown): Plan | undefined {
  if (value === undefined || value === null) return undefined;
  if (isThenable(value)) {
    throw new PolicyContractError(
      'plan() returned a Promise: plan must be synchronous and pure (no await, no I/O). Compute the plan from the symptom and context.state; the engine executes its actions through effectors',
    );
  }
  if (isPlainPlan(value)) return value as Plan;
  const parsed = planSchema.safeParse(value);
  if (!parsed.success) throw new PolicyContractError(`plan() returned an invalid plan (${describe(value)}): ${problems(parsed.error)}`);
  return value as Plan;
}

/** @throws PolicyContractError when `analyze` emitted something that is not a symptom */
export function checkSymptom(value: unknown): Symptom {
  if (isPlainSymptom(value)) return value as Symptom;
  const parsed = symptomSchema.safeParse(value);
  if (!parsed.success) throw new PolicyContractError(`analyze emitted an invalid symptom (${describe(value)}): ${problems(parsed.error)}`);
  return value as Symptom;
}

/** @throws PolicyContractError when a phase returned something that is not an Observable */
export function checkObservable<T>(phase: 'monitor' | 'analyze', value: unknown): Observable<T> {
  if (isObservable(value)) return value as Observable<T>;
  const hint = isThenable(value) ? ': return a stream (wrap a one-off value with from() or defer())' : '';
  throw new PolicyContractError(`${phase}() returned ${describe(value)}, not an Observable${hint}`);
}

/**
 * True for a Promise or any thenable. A rejected one that nobody awaits would reach Node's
 * unhandled-rejection path and end the process, so the rejection is handled (and dropped) here.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const then = (value as { then?: unknown }).then;
  if (typeof then !== 'function') return false;
  try {
    (value as PromiseLike<unknown>).then(undefined, () => undefined);
  } catch {
    // a thenable whose then() throws is still not a plan; nothing to handle
  }
  return true;
}

/** `a string`, `an array`, `a Promise`, `undefined`... for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Promise) return 'a Promise';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function problems(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : 'value'}: ${i.message}`);
  if (error.issues.length > shown.length) shown.push(`and ${error.issues.length - shown.length} more`);
  return shown.join('; ');
}
