import type { EntityTree } from '../entity-tree.js';
import type { Observation } from '../../sensors/reading.js';

/**
 * Names the inputs that are stale now: flagged stale by the analyzer, or older than their sensor's
 * staleness bound. A plan built on stale data is not executed (missing data is never read as zero).
 */
export function staleInputs(tree: EntityTree, inputs: readonly Observation[], now: number): string[] {
  const stale: string[] = [];
  for (const input of inputs) {
    if (input.stale) {
      stale.push(`${input.entity}.${input.sensor}`);
      continue;
    }
    const entity = tree.find(input.entity);
    if (!entity || !entity.hasSensor(input.sensor)) continue;
    const bound = entity.sensor(input.sensor).definition.staleAfterMs;
    if (bound !== undefined && now - input.at > bound) stale.push(`${input.entity}.${input.sensor} (${now - input.at} ms old, bound ${bound} ms)`);
  }
  return stale;
}
