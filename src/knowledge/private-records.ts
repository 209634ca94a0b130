import type { InvocationRecord } from '../effectors/invocation.js';
import type { Decision } from './decision.js';
import type { WriteOp } from './store.js';

/**
 * The write of a record the knowledge front built itself and shares with nobody who can change it: no object
 * in it is held by a caller or anyone else (an invocation record), or every object in it is frozen (a
 * decision, which subscribers of `decisions$` receive too). The memory store keeps such a record as it is,
 * where it copies every other record on write: a copy would only repeat the one just made, and nobody can
 * change the record after it. Module-private: only the knowledge front makes one, so a caller's write is
 * never taken for one. (A class rather than a set of marked writes: a set of weak references costs every
 * collection and every write a hash.)
 */
class PrivateRecordWrite<K extends 'invocation' | 'decision', V> {
  constructor(
    readonly kind: K,
    readonly value: V,
  ) {}
}

/** @internal the write of `record`, marked as shared with nobody (see above). */
export function privateInvocationWrite(record: InvocationRecord): WriteOp {
  return new PrivateRecordWrite('invocation', record);
}

/** @internal the write of `decision`, frozen throughout, marked as one nobody can change (see above). */
export function privateDecisionWrite(decision: Decision): WriteOp {
  return new PrivateRecordWrite('decision', decision);
}

/** @internal true when the knowledge front made `op` as a write of a record nobody can change. */
export function isPrivate(op: WriteOp): boolean {
  return op instanceof PrivateRecordWrite;
}
