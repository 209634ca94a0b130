import type { UnreadableState } from './store.js';

/** One sentence naming a part of the state that was skipped, and what is wrong with it. */
export function describeUnreadable(part: UnreadableState): string {
  const where = part.field === undefined ? `policy state of ${part.policy} (${part.key})` : `policy state of ${part.policy}, field ${part.field} (${part.key})`;
  return `${where} ${part.problem}; skipped and left as stored`;
}
