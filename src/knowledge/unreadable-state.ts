import type { UnreadableState, WriteOp } from './store.js';

/** One sentence naming a part of the state that was skipped, and what is wrong with it. */
export function describeUnreadable(part: UnreadableState): string {
  const where = part.field === undefined ? `policy state of ${part.policy} (${part.key})` : `policy state of ${part.policy}, field ${part.field} (${part.key})`;
  return `${where} ${part.problem}; skipped and left as stored`;
}

/**
 * The parts of `unreadable` that writes the store applied did not replace: a field goes once a write of that
 * field (set or deleted) was applied, a policy's whole state once any write of it was (its key is a hash
 * again, or gone: a write to a key of another type fails). Returns `unreadable` itself when nothing went.
 */
export function stillUnreadable(unreadable: readonly UnreadableState[], applied: readonly WriteOp[]): readonly UnreadableState[] {
  if (unreadable.length === 0) return unreadable;
  const written = new Set<string>();
  for (const op of applied) if (op.kind === 'state') written.add(op.policy).add(`${op.policy}\u0000${op.key}`);
  const left = unreadable.filter((part) => !written.has(part.field === undefined ? part.policy : `${part.policy}\u0000${part.field}`));
  return left.length < unreadable.length ? left : unreadable;
}
