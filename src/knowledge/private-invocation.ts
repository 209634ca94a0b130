import type { Caller, InvocationRecord } from '../effectors/invocation.js';
import { CALLER, INVOCATION, layoutOf } from './copy-known-record.js';
import { keptAsIs } from './kept-as-is.js';

/**
 * Makes an invocation record that `boundInvocation` just made one the store may keep without a copy (see
 * `markPrivate`), when it can: its caller is replaced by a copy, the one object in it that bounding shared
 * with the invoker, its subscribers and whoever made the caller. Its params and result are the fresh plain
 * trees `redact` made, its error the fresh object bounding made, and every other field a primitive, so nobody
 * else holds anything in it, and what a reader gets from the store (its own copy) is what it got before.
 * False, with the record unchanged, for a record of another shape or one whose scalar fields hold objects:
 * the store copies that one on write, as before.
 */
export function adoptBoundInvocation(bounded: { -readonly [K in keyof InvocationRecord]: InvocationRecord[K] }): boolean {
  const has = layoutOf(bounded, INVOCATION);
  if (has < 0) return false;
  if (!keptAsIs(bounded.id) || !keptAsIs(bounded.at) || !keptAsIs(bounded.entity) || !keptAsIs(bounded.effector) || !keptAsIs(bounded.outcome) || !keptAsIs(bounded.attempts) || !keptAsIs(bounded.durationMs)) return false;
  // a truthy error is the fresh object bounding made; a falsy one was kept as it was, and must be a primitive
  if ((has & (1 << 10) && !bounded.error && !keptAsIs(bounded.error)) || (has & (1 << 11) && !keptAsIs(bounded.fencingToken))) return false;
  const { caller } = bounded;
  if (typeof caller !== 'object' || caller === null || layoutOf(caller, CALLER) < 0 || !keptAsIs(caller.kind) || !keptAsIs(caller.name)) return false;
  bounded.caller = { kind: caller.kind, name: caller.name } as Caller;
  return true;
}
