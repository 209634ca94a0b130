import type { WriteOp } from './store.js';

/**
 * Writes whose record the knowledge front built itself and shares with nobody: no object in it is held by a
 * caller, a subscriber or anyone else, and every value in it is a primitive or a plain tree it made. The memory
 * store keeps such a record as it is, where it copies every other record on write: a copy would only repeat
 * the one just made, and nobody can change the record after it. Module-private: only the knowledge front
 * marks a write, so a caller's write is never taken for one.
 */
const privateOps = new WeakSet<WriteOp>();

/** @internal marks `op` as a write of a record shared with nobody (see above); returns it. */
export function markPrivate(op: WriteOp): WriteOp {
  privateOps.add(op);
  return op;
}

/** @internal true when the knowledge front marked `op` as a write of a record shared with nobody. */
export function isPrivate(op: WriteOp): boolean {
  return privateOps.has(op);
}
