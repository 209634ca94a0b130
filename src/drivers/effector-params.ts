import { z } from 'zod';
import { TerminalEffectorError } from '../core/errors.js';

/**
 * Bounds shared by the built-in effectors' params: every duration, count and name a caller can send has an
 * upper bound, so a value such as `startTimeout: 1e15` is refused (400) before anything runs instead of
 * overflowing a timer after half the work is done.
 */

/** Longest duration any built-in effector param accepts (ms): one day, well below what a timer can hold (24.8 days). */
export const MAX_PARAM_DURATION_MS = 86_400_000;

/** Most members, servers or batch size any built-in effector param accepts. */
export const MAX_PARAM_COUNT = 10_000;

/** A duration param in ms: a whole number from 1 to `max` (at most one day), with a default. */
export function durationParam(defaultMs: number, max = MAX_PARAM_DURATION_MS): z.ZodDefault<z.ZodNumber> {
  return z.number().int().positive().max(Math.min(max, MAX_PARAM_DURATION_MS), `at most ${Math.min(max, MAX_PARAM_DURATION_MS)} ms`).default(defaultMs);
}

/** A count param: a whole number from `min` to `max` (at most 10 000). */
export function countParam(min: number, max = MAX_PARAM_COUNT): z.ZodNumber {
  return z.number().int().min(min).max(Math.min(max, MAX_PARAM_COUNT));
}

/** An entity id, site or version named in params: 1 to 256 characters. */
export const nameParam = z.string().min(1).max(256);

/**
 * The params named something that does not exist (a member, a replica, a site): the caller's mistake, not a
 * failure of the managed system. Never retried; the API answers 422.
 */
export class UnknownTargetError extends TerminalEffectorError {
  constructor(message: string) {
    super(message, { code: 'E_UNKNOWN_TARGET' });
  }
}

/**
 * The target exists but is in no state for the operation (a replica too far behind to switch over to). Never
 * retried; the API answers 409.
 */
export class TargetStateError extends TerminalEffectorError {
  constructor(message: string) {
    super(message, { code: 'E_CONFLICT' });
  }
}
