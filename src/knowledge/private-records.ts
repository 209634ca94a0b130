import type { InvocationRecord } from '../effectors/invocation.js';
import type { WriteOp } from './store.js';

/**
 * The write of an invocation record the knowledge front built itself and shares with nobody: no object in it
 * is held by a caller, a subscriber or anyone else, and every value in it is a primitive or a plain tree it
 * made. The memory store keeps such a record as it is, where it copies every other record on write: a copy
 * would only repeat the one just made, and nobody can change the record after it. Module-private: only the
 * knowledge front makes one, so a caller's write is never taken for one. (A class rather than a set of marked
 * writes: a set of weak references costs every collection and every write a hash.)
 */
class PrivateInvocationWrite {
  readonly kind = 'invocation' as const;
  constructor(readonly value: InvocationRecord) {}
}

/** @internal the write of `record`, marked as shared with nobody (see above). */
export function privateInvocationWrite(record: InvocationRecord): WriteOp {
  return new PrivateInvocationWrite(record);
}

/** @internal true when the knowledge front made `op` as a write of a record shared with nobody. */
export function isPrivate(op: WriteOp): boolean {
  return op instanceof PrivateInvocationWrite;
}
