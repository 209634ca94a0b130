import type { Caller, InvocationRecord } from '../effectors/invocation.js';
import { CALLER, INVOCATION, layoutOf } from './copy-known-record.js';

/**
 * True for a value the store's copy gives back as it is: a primitive that is not a symbol (null is left to
 * the general copy, as is anything unexpected).
 */
function primitive(value: unknown): boolean {
  const type = typeof value;
  return type !== 'object' && type !== 'function' && type !== 'symbol';
}

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
  if (!primitive(bounded.id) || !primitive(bounded.at) || !primitive(bounded.entity) || !primitive(bounded.effector) || !primitive(bounded.outcome) || !primitive(bounded.attempts) || !primitive(bounded.durationMs)) return false;
  // a truthy error is the fresh object bounding made; a falsy one was kept as it was, and must be a primitive
  if ((has & (1 << 10) && !bounded.error && !primitive(bounded.error)) || (has & (1 << 11) && !primitive(bounded.fencingToken))) return false;
  const { caller } = bounded;
  if (typeof caller !== 'object' || caller === null || layoutOf(caller, CALLER) < 0 || !primitive(caller.kind) || !primitive(caller.name)) return false;
  bounded.caller = { kind: caller.kind, name: caller.name } as Caller;
  return true;
}
